package main

// gcstats.go: the collector's figures of one run, under gomem's counter
// names and definitions (harness/gccounters.h):
//
//	gc_cycles                      MemStats.NumGC after less before
//	pause_p50_ns .. pause_max_ns   nearest rank over the run's cycles'
//	                               MemStats.PauseNs (a cycle's stops added
//	                               up; the newest 256, as Go keeps them)
//	mmu_1ms, mmu_10ms, mmu_100ms   over those pauses (PauseEnd - PauseNs ..
//	                               PauseEnd) inside the run
//	stops, stop_p50_ns, stop_p99_ns, stop_max_ns
//	                               each stop of the world, from the
//	                               runtime/metrics histogram
//	                               /gc/pauses:seconds (after less before;
//	                               a value is its bucket's upper bound)
//	gc_cpu_fraction                MemStats.GCCPUFraction is over the
//	                               process's life; the run's share is
//	                               (F1 x E1 - F0 x E0) / (E1 - E0), E the
//	                               time since the program started
//	peak_rss_bytes                 VmHWM, reset at the run's start by
//	                               writing 5 to /proc/self/clear_refs
//	heap_goal_bytes                /gc/heap/goal:bytes at the run's end
//	peak_heap_bytes                the largest heap at the end of a
//	                               cycle's mark (gm_cycle.heap_mark_end in
//	                               gomem): the second figure of each
//	                               GODEBUG=gctrace=1 line ("4->5->2 MB"),
//	                               read from our own stderr (1 MiB
//	                               resolution, as Go prints it)

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

var programStart = time.Now()

// stderrFD2 keeps the *os.File of descriptor 2 reachable after os.Stderr
// is pointed elsewhere: its finalizer would close descriptor 2, the pipe
// gctrace writes to.
var stderrFD2 *os.File

type gcRun struct {
	ms0        runtime.MemStats
	t0         time.Time
	stops0     *metrics.Float64Histogram
	peakHeap   atomic.Int64 // bytes; by the gctrace reader
	traced     atomic.Int64 // gctrace lines read
	tracing    bool
	lastPauses []uint64
}

// startGCRun: turn gctrace on (re-executing this program with
// GODEBUG=gctrace=1 when it is not) and read it from a pipe put in place
// of file descriptor 2; our own messages go to the original stderr.
func startGCRun() *gcRun {
	g := &gcRun{}
	if !strings.Contains(os.Getenv("GODEBUG"), "gctrace=1") {
		env := append(os.Environ(), "GODEBUG="+strings.TrimPrefix(os.Getenv("GODEBUG")+",gctrace=1", ","))
		if exe, err := os.Executable(); err == nil {
			syscall.Exec(exe, os.Args, env) // returns only on failure
		}
		return g
	}
	var p [2]int
	orig, err := syscall.Dup(2)
	if err != nil || syscall.Pipe2(p[:], syscall.O_CLOEXEC) != nil {
		return g
	}
	stderrFD2 = os.Stderr
	os.Stderr = os.NewFile(uintptr(orig), "/dev/stderr")
	if syscall.Dup3(p[1], 2, 0) != nil {
		return g
	}
	syscall.Close(p[1])
	g.tracing = true
	go g.readTrace(os.NewFile(uintptr(p[0]), "gctrace"))
	return g
}

func (g *gcRun) readTrace(f *os.File) {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "gc ") {
			fmt.Fprintln(os.Stderr, line)
			continue
		}
		if mb, ok := markEndMiB(line); ok {
			b := mb << 20
			for cur := g.peakHeap.Load(); b > cur && !g.peakHeap.CompareAndSwap(cur, b); cur = g.peakHeap.Load() {
			}
		}
		g.traced.Add(1)
	}
}

// markEndMiB: B of "A->B->C MB" in a gctrace line.
func markEndMiB(line string) (int64, bool) {
	for _, f := range strings.Split(line, ",") {
		f = strings.TrimSpace(f)
		if !strings.HasSuffix(f, " MB") || strings.Count(f, "->") != 2 {
			continue
		}
		parts := strings.Split(strings.TrimSuffix(f, " MB"), "->")
		v, err := strconv.ParseInt(parts[1], 10, 64)
		return v, err == nil
	}
	return 0, false
}

func readStops() *metrics.Float64Histogram {
	s := []metrics.Sample{{Name: "/gc/pauses:seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return nil
	}
	return s[0].Value.Float64Histogram()
}

func readGoal() float64 {
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return float64(s[0].Value.Uint64())
}

func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func peakRSS() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb * 1024
			}
		}
	}
	return 0
}

func (g *gcRun) begin() {
	resetPeakRSS()
	runtime.ReadMemStats(&g.ms0)
	g.stops0 = readStops()
	g.peakHeap.Store(0)
	g.t0 = time.Now()
}

func (g *gcRun) end(c map[string]float64, wallNs float64) {
	t1 := time.Now()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	cycles := ms.NumGC - g.ms0.NumGC
	// let the reader catch up with the run's last cycles' lines
	for i := 0; g.tracing && i < 100 && uint32(g.traced.Load()) < ms.NumGC; i++ {
		time.Sleep(time.Millisecond)
	}
	c["gc_cycles"] = float64(cycles)
	g.pauses(c, &ms, cycles, t1)
	g.stops(c)
	e0, e1 := g.t0.Sub(programStart).Seconds(), t1.Sub(programStart).Seconds()
	if e1 > e0 {
		f := (ms.GCCPUFraction*e1 - g.ms0.GCCPUFraction*e0) / (e1 - e0)
		c["gc_cpu_fraction"] = clamp01(f)
	}
	c["peak_rss_bytes"] = peakRSS()
	c["heap_goal_bytes"] = readGoal()
	if g.tracing && cycles > 0 {
		c["peak_heap_bytes"] = float64(g.peakHeap.Load())
	}
}

func clamp01(f float64) float64 {
	if f < 0 {
		return 0
	}
	if f > 1 {
		return 1
	}
	return f
}

// pauses: the run's cycles' PauseNs, at most the newest 256.
func (g *gcRun) pauses(c map[string]float64, ms *runtime.MemStats, cycles uint32, t1 time.Time) {
	n := cycles
	if n > 256 {
		n = 256
	}
	ns := make([]uint64, 0, n)
	var start, length []float64
	t0 := float64(g.t0.UnixNano())
	for k := uint32(0); k < n; k++ {
		i := (ms.NumGC - 1 - k) % 256
		ns = append(ns, ms.PauseNs[i])
		s := float64(ms.PauseEnd[i]) - float64(ms.PauseNs[i])
		start = append([]float64{s}, start...)
		length = append([]float64{float64(ms.PauseNs[i])}, length...)
	}
	g.lastPauses = append([]uint64(nil), ns...)
	if n == 0 {
		g.lastPauses = nil
	}
	sort.Slice(ns, func(a, b int) bool { return ns[a] < ns[b] })
	if n > 0 {
		c["pause_p50_ns"] = float64(rank(ns, 500))
		c["pause_p90_ns"] = float64(rank(ns, 900))
		c["pause_p99_ns"] = float64(rank(ns, 990))
		c["pause_p999_ns"] = float64(rank(ns, 999))
		c["pause_max_ns"] = float64(ns[n-1])
	}
	if cycles > 256 && n > 0 {
		t0 = start[0]
	}
	end := float64(t1.UnixNano())
	c["mmu_1ms"] = mmu(start, length, t0, end, 1e6)
	c["mmu_10ms"] = mmu(start, length, t0, end, 1e7)
	c["mmu_100ms"] = mmu(start, length, t0, end, 1e8)
}

// rank: nearest rank, as gmb_pause_rank (gccounters.c).
func rank(sorted []uint64, permille int) uint64 {
	r := (permille*len(sorted) + 999) / 1000
	if r < 1 {
		r = 1
	}
	return sorted[r-1]
}

// mmu: the least fraction of any window of length w inside [t0, t1] not
// covered by the pauses; a window as long as the run or longer gives the
// run's overall utilization.  Windows that start at a pause's start or end
// at a pause's end are the only candidates for the minimum.
func mmu(start, length []float64, t0, t1, w float64) float64 {
	if w >= t1-t0 {
		w = t1 - t0
	}
	if w <= 0 {
		return 1
	}
	paused := func(a, b float64) float64 {
		sum := 0.0
		for i := range start {
			lo, hi := start[i], start[i]+length[i]
			if lo < a {
				lo = a
			}
			if hi > b {
				hi = b
			}
			if hi > lo {
				sum += hi - lo
			}
		}
		return sum
	}
	worst := 1.0
	try := func(a float64) {
		if a < t0 {
			a = t0
		}
		if a+w > t1 {
			a = t1 - w
		}
		if u := (w - paused(a, a+w)) / w; u < worst {
			worst = u
		}
	}
	try(t0)
	for i := range start {
		try(start[i])
		try(start[i] + length[i] - w)
	}
	return worst
}

// stops: each stop of the world during the run, from the histogram.
func (g *gcRun) stops(c map[string]float64) {
	h1 := readStops()
	if h1 == nil || g.stops0 == nil || len(h1.Counts) != len(g.stops0.Counts) {
		return
	}
	counts := make([]uint64, len(h1.Counts))
	var total uint64
	for i := range counts {
		counts[i] = h1.Counts[i] - g.stops0.Counts[i]
		total += counts[i]
	}
	c["stops"] = float64(total)
	if total == 0 {
		return
	}
	upper := func(i int) float64 {
		if b := h1.Buckets[i+1]; b < 1e300 {
			return b * 1e9
		}
		return h1.Buckets[i] * 1e9
	}
	at := func(permille uint64) float64 {
		r := (permille*total + 999) / 1000
		var seen uint64
		for i, n := range counts {
			if seen += n; seen >= r && n > 0 {
				return upper(i)
			}
		}
		return 0
	}
	c["stop_p50_ns"] = at(500)
	c["stop_p99_ns"] = at(990)
	c["stop_max_ns"] = at(1000)
}
