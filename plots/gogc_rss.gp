# gogc_rss.gp — peak resident set size of each gomem benchmark against
# GOGC: what a larger GOGC costs in memory.
#
# data: one block per benchmark (and per other setting, when those vary
# too), titled by its name; a line per GOGC value:
#   gogc  median  min  max
# in bytes of peak RSS over the repetitions.
width = 1100
height = 600
load scripts.'/common.gp'

MiB = 1024.0 * 1024.0
set title 'Peak RSS against GOGC: median, bars from the lowest to the highest repetition'
set xlabel 'GOGC (%, log scale)'
set logscale x 2
set xtics scale 0.5
set ylabel 'peak RSS (MiB)'
set yrange [0:*]
set key outside right top
set offsets graph 0.05, graph 0.05, 0, 0
plot for [i = 0:nblocks - 1] data index i \
	using 1:($2 / MiB):($3 / MiB):($4 / MiB):xtic(1) with yerrorlines \
	lc rgb colour(i) pt 7 ps 0.8 title word(titles, i + 1)
