# alloc.gp — allocation time by object size: gomem against the glibc
# baselines its workloads measure in the same run and process (malloc +
# free, calloc + free); a panel per thread count, with the collector off
# (alloc_tiny, alloc_small, alloc_large) and on (alloc_*_gc).
#
# data: one block per panel, titled by its thread count and collector
# ("1_thread,_collector_off"); a line per object size:
#   size_bytes  then per series: median min max (ns per object)
# series: 1 gomem (noscan objects)  2 gomem (objects with pointers, the
# _ptr families)  3 glibc malloc+free  4 glibc calloc+free; NaN where a
# series has no benchmark of that size.  `present` holds a word per
# block listing the series it has ('134').
cols = nblocks > 1 ? 2 : 1
rows = (nblocks + cols - 1) / cols
width = cols == 1 ? 1000 : 1500
height = 110 + 440 * rows
load scripts.'/common.gp'
load scripts.'/alloc_axes.gp'

array sname[4] = ['gomem', 'gomem, objects with pointers', 'glibc malloc+free', 'glibc calloc+free']
array scolour[4] = [colour(0), colour(4), colour(1), colour(2)]
array sdash[4] = [1, 1, 2, 4]
array spoint[4] = [7, 6, 5, 9]
array swidth[4] = [2.5, 1.5, 2, 2]

set key top left reverse Left samplen 3 spacing 1.1 opaque
set multiplot layout rows, cols title "Allocation time per object by size: gomem against glibc, measured in the same run\n(median over the repetitions; bars from the fastest to the slowest; collector off: alloc_tiny, alloc_small, alloc_large; on: alloc_*_gc)"
do for [i = 0:nblocks - 1] {
	set title spaced(word(titles, i + 1))
	p = word(present, i + 1)
	# a block of one size: a factor of 2 each way (else the range is empty)
	stats data index i using 1 nooutput
	if (STATS_min == STATS_max) {
		set xrange [STATS_min / 2 : STATS_max * 2]
	} else {
		set xrange [*:*]
		set autoscale xfix
	}
	plot for [j = 1:strlen(p)] data index i \
		using 1:(column(scol(int(p[j:j])))):(column(scol(int(p[j:j])) + 1)):(column(scol(int(p[j:j])) + 2)) \
		with yerrorlines lw swidth[int(p[j:j])] dt sdash[int(p[j:j])] \
		pt spoint[int(p[j:j])] ps 0.9 lc rgb scolour[int(p[j:j])] \
		title sname[int(p[j:j])]
}
unset multiplot
