package main

// runner.go: Google Benchmark's part, for Go.
//
// 1. Flags: --benchmark_filter (a regular expression; a leading '-'
//    negates it, as Google Benchmark's), --benchmark_min_time (seconds),
//    --benchmark_repetitions, --benchmark_out, --benchmark_out_format
//    (json only); other --benchmark_* flags are accepted and ignored with
//    a note; --threads=N, --pauses-out=PATH (harness/peers.h).
// 2. Each benchmark instance, each repetition: Google Benchmark's
//    iteration search (1 iteration, then up to 10x more at a time, aiming
//    at 1.4 x min_time, until a run lasts min_time), then that last run is
//    the repetition's result.
// 3. A run of T threads: T goroutines each do N iterations from a common
//    start; the wall time is from the start to the last one's end.  As
//    Google Benchmark reports it, iterations are the threads' sum,
//    real_time is wall / iterations and cpu_time the process's CPU time
//    (Go's goroutines are not tied to a thread, so the collector's
//    workers are included, unlike gomem's per-thread CPU time) /
//    iterations; items_per_second = items / CPU seconds.

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// B is one goroutine's view of a run, as benchmark::State.
type B struct {
	N        int64 // iterations this goroutine does
	Thread   int
	Threads  int
	counters map[string]float64 // set by thread 0
	items    int64
	errMsg   string
	manualNs float64     // >0: the run's measured time (barrier/marking)
	state    interface{} // the workload's, from setup to teardown
	// alloc.go's sinks, one per goroutine (a shared one would bounce
	// its cache line between the threads), padded apart
	sink      interface{}
	sinkBytes []byte
	_         [64]byte
}

func (b *B) Counter(name string, v float64) { b.counters[name] = v }

type bench struct {
	name    string
	threads int
	batch   int64 // iterations are a multiple of it
	unit    string
	fn      func(b *B)
	// untimed, on each goroutine, before and after the timed part (as
	// gomem's workloads build and check their heap outside the loop)
	setup, teardown func(b *B)
	// untimed, once, after every goroutine's setup and before the timed
	// part starts (steady_heap's collection after the build)
	afterSetup func()
}

type options struct {
	filter    *regexp.Regexp
	negate    bool
	minTime   float64
	reps      int
	out       string
	threads   int
	pausesOut string
}

func parseFlags(args []string) (*options, error) {
	o := &options{minTime: 0.5, reps: 1}
	for _, a := range args {
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "--") {
			return nil, fmt.Errorf("unknown argument %q", a)
		}
		var err error
		switch name {
		case "benchmark_filter":
			// the last filter wins whole, its sign too (the harness
			// passes the user's filter, then a group's)
			o.negate = strings.HasPrefix(val, "-")
			val = strings.TrimPrefix(val, "-")
			if val == "all" {
				val = ""
			}
			o.filter, err = regexp.Compile(val)
		case "benchmark_min_time":
			o.minTime, err = strconv.ParseFloat(strings.TrimSuffix(val, "s"), 64)
		case "benchmark_repetitions":
			o.reps, err = strconv.Atoi(val)
		case "benchmark_out":
			o.out = val
		case "benchmark_out_format":
			if val != "json" {
				err = fmt.Errorf("only json is written")
			}
		case "threads":
			o.threads, err = strconv.Atoi(val)
			if err == nil && o.threads < 1 {
				err = fmt.Errorf("not a thread count")
			}
		case "pauses-out":
			o.pausesOut = val
		default:
			if !strings.HasPrefix(name, "benchmark_") && name != "v" {
				return nil, fmt.Errorf("unknown flag %q", a)
			}
			fmt.Fprintf(os.Stderr, "gomem-peer-go: %s has no meaning here; ignored\n", a)
		}
		if err == nil && !hasVal && name != "benchmark_filter" && strings.HasPrefix(name, "benchmark_") {
			err = fmt.Errorf("needs a value")
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", a, err)
		}
	}
	return o, nil
}

func (o *options) matches(name string) bool {
	if o.filter == nil {
		return true
	}
	return o.filter.MatchString(name) != o.negate
}

func cpuNs() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano() + ru.Stime.Nano())
}

type runResult struct {
	iters    int64 // per goroutine
	wallNs   float64
	cpuNs    float64
	counters map[string]float64
	items    int64
	errMsg   string
}

// runOnce: one run of n iterations on each of the bench's goroutines.
func runOnce(bm *bench, n int64, gc *gcRun) runResult {
	bs := make([]*B, bm.threads)
	for i := range bs {
		bs[i] = &B{N: n, Thread: i, Threads: bm.threads, counters: map[string]float64{}}
	}
	var ready, start, done, finished sync.WaitGroup
	ready.Add(bm.threads)
	start.Add(1)
	done.Add(bm.threads)
	finished.Add(bm.threads)
	for _, b := range bs {
		go func(b *B) {
			defer finished.Done()
			if bm.setup != nil {
				bm.setup(b)
			}
			ready.Done()
			start.Wait()
			bm.fn(b)
			done.Done()
		}(b)
	}
	ready.Wait()
	if bm.afterSetup != nil {
		bm.afterSetup()
	}
	c0 := cpuNs()
	gc.begin()
	t0 := time.Now()
	start.Done()
	done.Wait()
	wall := float64(time.Since(t0).Nanoseconds())
	r := runResult{iters: n, wallNs: wall, cpuNs: cpuNs() - c0, counters: bs[0].counters}
	gc.end(r.counters, wall)
	finished.Wait()
	for _, b := range bs {
		if bm.teardown != nil {
			bm.teardown(b)
		}
	}
	if bs[0].manualNs > 0 {
		r.wallNs = bs[0].manualNs
	}
	for _, b := range bs {
		r.items += b.items
		if b.errMsg != "" {
			r.errMsg = b.errMsg
		}
	}
	return r
}

// repetition: Google Benchmark's iteration search, then its last run.
func repetition(bm *bench, o *options, gc *gcRun) runResult {
	n := bm.batch
	for {
		r := runOnce(bm, n, gc)
		secs := r.wallNs / 1e9
		if r.errMsg != "" || secs >= o.minTime || n >= 1e9 {
			return r
		}
		mult := 10.0
		if secs > 0 {
			mult = o.minTime * 1.4 / secs
		}
		if mult > 10 {
			mult = 10
		}
		next := int64(float64(n)*mult) + 1
		if next <= n {
			next = n + 1
		}
		n = (next + bm.batch - 1) / bm.batch * bm.batch
	}
}

type jsonEntry map[string]interface{}

func entry(bm *bench, rep, reps int, r runResult) jsonEntry {
	total := float64(r.iters) * float64(bm.threads)
	scale := 1.0
	if bm.unit == "ms" {
		scale = 1e-6
	}
	e := jsonEntry{
		"name": bm.name, "run_name": bm.name, "run_type": "iteration",
		"repetitions": reps, "repetition_index": rep, "threads": bm.threads,
		"iterations": int64(total), "real_time": r.wallNs / total * scale,
		"cpu_time": r.cpuNs / total * scale, "time_unit": bm.unit,
	}
	if r.items > 0 && r.cpuNs > 0 {
		e["items_per_second"] = float64(r.items) / (r.cpuNs / 1e9)
	}
	for k, v := range r.counters {
		e[k] = v
	}
	if r.errMsg != "" {
		e["error_occurred"] = true
		e["error_message"] = r.errMsg
	}
	return e
}

func runCommand(args []string) int {
	o, err := parseFlags(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gomem-peer-go: %v (peers take --benchmark_* flags, --threads=N and --pauses-out=PATH)\n", err)
		return 2
	}
	gc := startGCRun()
	var entries []jsonEntry
	pauses := map[string][]uint64{}
	failed := false
	for _, bm := range benchmarks(o.threads) {
		if !o.matches(bm.name) {
			continue
		}
		for rep := 0; rep < o.reps; rep++ {
			r := repetition(bm, o, gc)
			failed = failed || r.errMsg != ""
			entries = append(entries, entry(bm, rep, o.reps, r))
			fmt.Printf("%-44s %12.4g %s/op %10d\n", bm.name, r.wallNs/float64(r.iters*int64(bm.threads))*unitScale(bm.unit), bm.unit, r.iters)
			if gc.lastPauses != nil {
				pauses[bm.name] = gc.lastPauses
			}
		}
	}
	if o.out != "" && writeJSON(o.out, entries) != nil {
		return 1
	}
	if o.pausesOut != "" && writePauses(o.pausesOut, pauses) != nil {
		return 1
	}
	if failed {
		return 1
	}
	return 0
}

func unitScale(unit string) float64 {
	if unit == "ms" {
		return 1e-6
	}
	return 1
}

func writeJSON(path string, entries []jsonEntry) error {
	host, _ := os.Hostname()
	doc := map[string]interface{}{
		"context": map[string]interface{}{
			"date": time.Now().Format(time.RFC3339), "host_name": host,
			"executable": os.Args[0], "num_cpus": runtime.NumCPU(),
			"gomem_runtime": "go", "go_version": runtime.Version(),
			"gomem_gogc": os.Getenv("GOGC"), "gomem_memory_limit": os.Getenv("GOMEMLIMIT"),
			"gomem_procs": strconv.Itoa(runtime.GOMAXPROCS(0)),
		},
		"benchmarks": entries,
	}
	if entries == nil {
		doc["benchmarks"] = []jsonEntry{}
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err == nil {
		err = os.WriteFile(path, data, 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gomem-peer-go: %v\n", err)
	}
	return err
}

func writePauses(path string, pauses map[string][]uint64) error {
	var sb strings.Builder
	names := make([]string, 0, len(pauses))
	for k := range pauses {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, p := range pauses[k] {
			fmt.Fprintf(&sb, "%s,%d\n", k, p)
		}
	}
	err := os.WriteFile(path, []byte(sb.String()), 0o644)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gomem-peer-go: %v\n", err)
	}
	return err
}
