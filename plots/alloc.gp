# alloc.gp — allocation time by object size: gomem against glibc malloc
# and glibc calloc, a panel per thread count.
#
# data: one block per thread count (titles: "1_thread" ...); a line per
# object size and allocation path:
#   "label"  gomem_median gomem_min gomem_max
#            malloc_median malloc_min malloc_max
#            calloc_median calloc_min calloc_max
# in ns per object; NaN where a benchmark is missing.
width = 80 + 560 * nblocks
height = 560
load scripts.'/common.gp'

set multiplot layout 1, nblocks title 'Allocation time per object: median, bars from the fastest to the slowest repetition'
set style data histogram
set style histogram errorbars gap 1.5 lw 1
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.9
set logscale y
set ylabel 'ns per object (log scale)'
set xtics rotate by 25 right scale 0
set grid noxtics ytics
set key top left
do for [i = 0:nblocks - 1] {
	set title spaced(word(titles, i + 1))
	stats data index i using 2 nooutput
	set xrange [-0.6 : STATS_records - 0.4]
	plot data index i using 2:3:4:xtic(1) title 'gomem' lc rgb colour(0), \
	     '' index i using 5:6:7 title 'glibc malloc+free' lc rgb colour(1), \
	     '' index i using 8:9:10 title 'glibc calloc+free' lc rgb colour(2)
}
unset multiplot
