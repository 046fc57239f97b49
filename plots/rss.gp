# rss.gp — memory over time: the resident set size, the heap in use and
# the heap goal, sampled (rss.csv), against the memory limit; under it the
# collector's CPU share and when the GC CPU limiter was on; a pair of
# panels per configuration.
#
# data: one block per configuration, titled by its settings; a line per
# sample:
#   time_s  rss_MiB  heap_inuse_MiB  heap_goal_MiB  limit_MiB
#   gc_cpu_interval  cpu_limited  gc_cpu_100ms
# limit is NaN when no memory limit was set; `limits` says per block
# whether it has one ('0 1': the second only).  gc_cpu_interval is the GC
# CPU fraction over the sample's interval (rss.h), gc_cpu_100ms the same
# over the trailing 100 ms (plotrss.c), cpu_limited 1 while the limiter
# was on; `cpu` is 0 when the results had no such columns (all three NaN)
# and the CPU panels are left out.
if (!exists("cpu")) cpu = 0
cols = nblocks > 2 ? 2 : 1
rows = (nblocks + cols - 1) / cols
mem_h = 380.0                  # pixels per memory panel
cpu_h = cpu ? 230.0 : 0.0      # pixels per CPU panel under it
top = 50.0                     # pixels for the overall title
width = cols == 1 ? 1000 : 1400
height = int(top + rows * (mem_h + cpu_h))
load scripts.'/common.gp'

cap = 0.5                      # 50%: the limiter's cap (mgclimit.go)
set multiplot title (cpu ? 'Memory over time against the memory limit; GC CPU share and the GC CPU limiter' \
                         : 'Memory over time: RSS, heap in use and heap goal against the memory limit')
set lmargin 10                 # the same in every panel: time axes line up
set rmargin 4
set autoscale xfixmax          # the axis ends with the last sample
do for [i = 0:nblocks - 1] {
	col = i % cols
	row = i / cols
	x0 = col * 1.0 / cols
	y_mem = 1.0 - (top + row * (mem_h + cpu_h) + mem_h) / height
	set origin x0, y_mem
	set size 1.0 / cols, mem_h / height
	set title word(titles, i + 1)
	set xlabel (cpu ? '' : 'time (s)')
	set ylabel 'MiB'
	set yrange [0:*]
	set ytics autofreq
	set format y '%g'
	set key inside left top vertical
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
	if (cpu) {
		set origin x0, y_mem - cpu_h / height
		set size 1.0 / cols, cpu_h / height
		unset title
		set xlabel 'time (s)'
		set ylabel 'GC CPU share'
		set yrange [0:1]       # a single interval above 1 is cut (rss.h)
		set ytics 0.25
		set format y '%.2f'
		set key outside center top horizontal samplen 2
		plot data index i using 1:($7 > 0 ? 1 : 0) with fillsteps fs solid 0.45 noborder lc rgb '#f4a582' title 'limiter on', \
		     '' index i using 1:6 with steps lw 0.5 lc rgb '#c6dbef' title 'per sample (10 ms)', \
		     '' index i using 1:8 with lines lw 1.5 lc rgb colour(0) title 'over the last 100 ms', \
		     cap with lines dt 2 lw 2 lc rgb '#b2182b' title '50% cap'
	}
}
unset multiplot
