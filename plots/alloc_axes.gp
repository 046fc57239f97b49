# alloc_axes.gp — loaded by the allocation figures (alloc.gp,
# alloc_runtimes.gp) after common.gp: the object size on a log-2 axis
# labelled in B / KiB / MiB, the time per object on a log-10 axis
# labelled in ns / µs / ms, and the series' data columns.
#
# Data rows: size_bytes, then per series s (1, 2, ...) its median, min
# and max in ns per object, columns scol(s) .. scol(s) + 2.
scol(s) = 2 + 3 * (s - 1)
size_label(v) = v >= 1048576 ? sprintf('%d MiB', v / 1048576) : \
	v >= 1024 ? sprintf('%d KiB', v / 1024) : sprintf('%d B', v)
set logscale x 2
set xtics () nomirror
do for [k = 0:26] {
	# a label every other power of two (8 B, 32 B, ...), a minor tic between
	if (k % 2 == 1) {
		set xtics add (size_label(2**k) 2**k)
	} else {
		set xtics add ('' 2**k 1)
	}
}
set xlabel 'object size (log scale)'
set offsets graph 0.04, graph 0.04, 0, 0
set logscale y 10
set ytics () nomirror
set ytics add ('1 ns' 1, '10 ns' 10, '100 ns' 100, '1 µs' 1e3, \
	'10 µs' 1e4, '100 µs' 1e5, '1 ms' 1e6, '10 ms' 1e7, '100 ms' 1e8)
set mytics 10
set ylabel 'time per object (log scale)'
set grid xtics ytics
