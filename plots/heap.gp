# heap.gp — the heap over time against the heap goal and the memory
# limit, a panel per cycle log.
#
# data: one block per cycle log, titled by its file name; three lines per
# cycle (at its start, at mark end, after the sweep):
#   time_s  heap_MiB  goal_MiB  limit_MiB
# limit is NaN when no memory limit was set; `limits` says per block
# whether it has one ('0 1': the second only).
rows = nblocks > 2 ? (nblocks + 1) / 2 : nblocks
cols = nblocks > 2 ? 2 : 1
width = cols == 1 ? 1000 : 1400
height = 120 + 380 * rows
load scripts.'/common.gp'

set multiplot layout rows, cols title 'Heap over time against the heap goal and the memory limit'
set xlabel 'time (s)'
set ylabel 'MiB'
set yrange [0:*]
set key left top
do for [i = 0:nblocks - 1] {
	set title word(titles, i + 1)
	if (word(limits, i + 1) eq '1') {
		plot data index i using 1:2 with lines lw 2 lc rgb colour(0) title 'heap', \
		     '' index i using 1:3 with steps lw 1.5 dt 2 lc rgb colour(1) title 'goal', \
		     '' index i using 1:4 with lines lw 1.5 dt 3 lc rgb colour(5) title 'memory limit'
	} else {
		plot data index i using 1:2 with lines lw 2 lc rgb colour(0) title 'heap', \
		     '' index i using 1:3 with steps lw 1.5 dt 2 lc rgb colour(1) title 'goal'
	}
}
unset multiplot
