# alloc_runtimes.gp — allocation time by object size for every runtime
# of a run --runtime (gomem, Go, Boehm GC and the malloc family), a
# panel per thread count; the families without _gc (alloc_tiny,
# alloc_small, alloc_large: gomem with its collector off, Go collecting
# as always, Boehm GC freeing with GC_FREE, malloc with calloc + free).
#
# data: one block per thread count ("1_thread"); a line per object size:
#   size_bytes  then per series: median min max (ns per object)
# series: the runtimes in peers.h's order, named by `names` (a word
# each, '_' for spaces); NaN where a runtime has no benchmark of that
# size.  `present` holds a word per block listing the series it has
# ('1234567').
cols = nblocks > 1 ? 2 : 1
rows = (nblocks + cols - 1) / cols
width = cols == 1 ? 1100 : 1600
height = 130 + 500 * rows
load scripts.'/common.gp'
load scripts.'/alloc_axes.gp'

# gomem drawn heaviest; each runtime its own colour, dash and point
array scolour[8] = ['#0072b2', '#009e73', '#cc79a7', '#e69f00', '#d55e00', '#000000', '#999999', '#56b4e9']
array sdash[8] = [1, 2, 4, 3, 5, 2, 4, 3]
array spoint[8] = [7, 5, 9, 11, 13, 4, 6, 8]
swidth(s) = s == 1 ? 3 : 1.6

set key top left reverse Left samplen 3 spacing 1.1 opaque
set multiplot layout rows, cols title "Allocation time per object by size, every runtime of the run\n(median over the repetitions, bars from the fastest to the slowest; alloc_tiny, alloc_small, alloc_large: gomem with its collector off,\nGo collecting as always (it frees nothing itself), Boehm GC freeing with GC_FREE, the malloc family with calloc + free, each peer in its own process)"
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
		with yerrorlines lw swidth(int(p[j:j])) dt sdash[int(p[j:j])] \
		pt spoint[int(p[j:j])] ps 0.9 lc rgb scolour[int(p[j:j])] \
		title spaced(word(names, int(p[j:j])))
}
unset multiplot
