# mmu.gp — minimum mutator utilization: for each window length, the
# smallest share of any window of that length the program had to itself
# (Cheng and Blelloch, PLDI 2001).  Higher and further left is better.
#
# data: one block per cycle log, titled by its file name; a line per
# window length:
#   window_ms  mmu (0..1)
width = 1000
height = 580
load scripts.'/common.gp'

set title 'Minimum mutator utilization'
set xlabel 'window (ms, log scale)'
set ylabel 'minimum mutator utilization'
set logscale x
set yrange [0:1.02]
set ytics 0.1
set key right bottom
plot for [i = 0:nblocks - 1] data index i using 1:2 with linespoints lw 2 \
	pt 7 ps 0.6 lc rgb colour(i) title word(titles, i + 1)
