# rss.gp — memory over time: the resident set size, the heap in use and
# the heap goal, sampled (rss.csv), against the memory limit; a panel per
# configuration.
#
# data: one block per configuration, titled by its settings; a line per
# sample:
#   time_s  rss_MiB  heap_inuse_MiB  heap_goal_MiB  limit_MiB
# limit is NaN when no memory limit was set; `limits` says per block
# whether it has one ('0 1': the second only).
rows = nblocks > 2 ? (nblocks + 1) / 2 : nblocks
cols = nblocks > 2 ? 2 : 1
width = cols == 1 ? 1000 : 1400
height = 120 + 380 * rows
load scripts.'/common.gp'

set multiplot layout rows, cols title 'Memory over time: RSS, heap in use and heap goal against the memory limit'
set xlabel 'time (s)'
set ylabel 'MiB'
set yrange [0:*]
set key left top
do for [i = 0:nblocks - 1] {
	set title word(titles, i + 1)
	if (word(limits, i + 1) eq '1') {
		plot data index i using 1:2 with lines lw 2 lc rgb colour(0) title 'RSS', \
		     '' index i using 1:3 with lines lw 1.5 lc rgb colour(2) title 'heap in use', \
		     '' index i using 1:4 with steps lw 1.5 dt 2 lc rgb colour(1) title 'heap goal', \
		     '' index i using 1:5 with lines lw 1.5 dt 3 lc rgb colour(5) title 'memory limit'
	} else {
		plot data index i using 1:2 with lines lw 2 lc rgb colour(0) title 'RSS', \
		     '' index i using 1:3 with lines lw 1.5 lc rgb colour(2) title 'heap in use', \
		     '' index i using 1:4 with steps lw 1.5 dt 2 lc rgb colour(1) title 'heap goal'
	}
}
unset multiplot
