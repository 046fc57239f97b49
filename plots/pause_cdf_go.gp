# pause_cdf_go.gp — gomem's pauses against Go's: the cumulative
# distribution of the stop-the-world time of each collection cycle (its
# stops added up, as Go's MemStats.PauseNs), a panel per configuration
# (GOGC), over the benchmarks that both ran, each weighing the same.
#
# data: two blocks per panel, gomem (index 2i) then Go (2i + 1), each a
# line per pause, sorted, led by a line at share 0:
#   pause_us  share_of_cycles_at_most_this_long
# titles: a word per panel ("GOGC=100_(12_benchmarks)"); legends: two
# words per panel, gomem's and Go's key entries.
cols = nblocks > 1 ? 2 : 1
rows = (nblocks + cols - 1) / cols
width = cols == 1 ? 1000 : 1500
height = 110 + 460 * rows
load scripts.'/common.gp'

set xlabel 'stop-the-world time per cycle (log scale)'
set ylabel 'share of cycles ≤ x'
set logscale x
set xtics ('100 ns' 0.1, '1 µs' 1, '10 µs' 10, '100 µs' 100, '1 ms' 1e3, \
	'10 ms' 1e4, '100 ms' 1e5, '1 s' 1e6, '10 s' 1e7)
# the same time axis in every panel, so that the settings compare
stats data using 1 nooutput
set xrange [STATS_min / 1.5 : STATS_max * 1.5]
set yrange [0:1.02]
set ytics 0.1
set key right bottom reverse Left opaque
set grid xtics mxtics ytics
set multiplot layout rows, cols title "Pauses per collection cycle: gomem against Go\n(each benchmark that both ran weighs the same; a cycle's stops added up, as Go's MemStats.PauseNs)"
do for [i = 0:nblocks - 1] {
	set title spaced(word(titles, i + 1))
	plot data index 2 * i using 1:2 with steps lw 2.5 lc rgb colour(0) \
		title spaced(word(legends, 2 * i + 1)), \
	     '' index 2 * i + 1 using 1:2 with steps lw 2.5 lc rgb colour(5) \
		title spaced(word(legends, 2 * i + 2))
}
unset multiplot
