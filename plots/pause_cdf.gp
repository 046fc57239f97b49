# pause_cdf.gp — the distribution of stop-the-world pauses: for each
# cycle log, the share of pauses at most x long.
#
# data: one block per cycle log, titled by its file name; a line per
# pause, sorted:
#   pause_us  fraction_of_pauses_at_most_this_long
width = 1000
height = 580
load scripts.'/common.gp'

set title 'Stop-the-world pauses: cumulative distribution'
set xlabel 'pause (µs, log scale)'
set ylabel 'fraction of pauses ≤ x'
set logscale x
set yrange [0:1.02]
set ytics 0.1
set key right bottom
plot for [i = 0:nblocks - 1] data index i using 1:2 with steps lw 2 \
	lc rgb colour(i) title word(titles, i + 1)
