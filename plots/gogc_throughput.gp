# gogc_throughput.gp — throughput of each gomem benchmark against GOGC.
#
# data: one block per benchmark (and per other setting, when those vary
# too), titled by its name; a line per GOGC value:
#   gogc  median  min  max
# in items (objects, operations) per second over the repetitions.
width = 1100
height = 600
load scripts.'/common.gp'

set title 'Throughput against GOGC: median, bars from the slowest to the fastest repetition'
set xlabel 'GOGC (%, log scale)'
set logscale x 2
set xtics scale 0.5
set ylabel 'items per second (log scale)'
set logscale y
set format y '%.0s%c'
set key outside right top
set offsets graph 0.05, graph 0.05, 0, 0
plot for [i = 0:nblocks - 1] data index i using 1:2:3:4:xtic(1) with yerrorlines \
	lc rgb colour(i) pt 7 ps 0.8 title word(titles, i + 1)
