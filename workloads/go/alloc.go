package main

// alloc.go: workloads/alloc.c's families in Go.  One iteration is one
// object: make([]byte, size) for noscan objects (8 B and below 16 B:
// Go's tiny allocator), a struct of size bytes with pointers at 0 and 8
// for alloc_small_ptr, the noscan ones written one byte, each stored
// into its goroutine's sink, so every object escapes: `go build
// -gcflags=-m` reports "make([]byte, size) escapes to heap" and "new(T)
// escapes to heap" for the lines below (test_peers_go.c checks it).  Only the last object is
// live, as in alloc.c, whose objects die at once: the two heaps hold the
// same (next to nothing), so that the fidelity table compares the same
// collections.  (A batch array of the last 4 MiB of objects, as here
// before, kept 4-12 MiB live per goroutine: Go then ran 40-290% fewer
// cycles with peaks of 17-121 MiB against gomem's 4 MiB.)
//
// Go frees nothing explicitly, so the alloc_* families (gomem: batch
// sweeps with the collector off) and the alloc_*_gc families (gomem: the
// collector reclaims) run the same code here: the collector reclaims at
// the configured GOGC.  A batch is 4 MiB of objects, as in alloc.c.

import "fmt"

type ptr16 struct {
	a, b *byte
}
type ptr32 struct {
	a, b *byte
	_    [16]byte
}
type ptr64 struct {
	a, b *byte
	_    [48]byte
}
type ptr256 struct {
	a, b *byte
	_    [240]byte
}
type ptr1024 struct {
	a, b *byte
	_    [1008]byte
}
type ptr4096 struct {
	a, b *byte
	_    [4080]byte
}
type ptr16384 struct {
	a, b *byte
	_    [16368]byte
}
type ptr32768 struct {
	a, b *byte
	_    [32752]byte
}

// batchBytes is the work between Google Benchmark's checks of the clock
// (the batch of alloc.c): 4 MiB of objects.
const batchBytes = 4 << 20

// Every object is stored in its goroutine's sink (B.sink, B.sinkBytes),
// which makes it escape; the previous one becomes garbage at once.  The
// noscan objects have a sink of their own type, so that storing one
// allocates nothing more (a []byte in an interface{} would allocate its
// slice header).

func newPtr(size int64) interface{} {
	switch size {
	case 16:
		return new(ptr16)
	case 32:
		return new(ptr32)
	case 64:
		return new(ptr64)
	case 256:
		return new(ptr256)
	case 1024:
		return new(ptr1024)
	case 4096:
		return new(ptr4096)
	case 16384:
		return new(ptr16384)
	case 32768:
		return new(ptr32768)
	}
	panic(fmt.Sprintf("alloc_small_ptr: no type of %d bytes", size))
}

func allocNoscan(size int64) func(b *B) {
	return func(b *B) {
		for i := int64(0); i < b.N; i++ {
			p := make([]byte, size)
			p[size-1] = 1
			b.sinkBytes = p
		}
		b.sinkBytes = nil
		b.items = b.N
	}
}

func allocScan(size int64) func(b *B) {
	return func(b *B) {
		for i := int64(0); i < b.N; i++ {
			b.sink = newPtr(size)
		}
		b.sink = nil
		b.items = b.N
	}
}

func allocBenchmarks(threads int) []*bench {
	type fam struct {
		name   string
		scan   bool
		sizes  []int64
		sweep  []int64
		gcFams bool
	}
	fams := []fam{
		{"alloc_tiny", false, []int64{8}, nil, true},
		{"alloc_small", false, []int64{32, 1024}, []int64{16, 64, 256, 4096, 16384, 32768}, true},
		{"alloc_small_ptr", true, []int64{32}, []int64{16, 64, 256, 1024, 4096, 16384, 32768}, true},
		{"alloc_large", false, []int64{65536}, []int64{262144, 1048576, 4194304}, true},
	}
	var out []*bench
	add := func(family string, scan bool, size int64, th []int) {
		for _, t := range threadList(th, threads) {
			fn := allocNoscan(size)
			if scan {
				fn = allocScan(size)
			}
			out = append(out, &bench{
				name:    fmt.Sprintf("%s/go/%d/threads:%d", family, size, t),
				threads: t, batch: int64(batchBytes) / size, unit: "ns", fn: fn,
			})
		}
	}
	for _, f := range fams {
		for _, s := range f.sizes {
			add(f.name, f.scan, s, []int{1, 2})
		}
		for _, s := range f.sweep {
			add(f.name, f.scan, s, []int{1})
		}
	}
	for _, f := range fams {
		for _, s := range f.sizes {
			add(f.name+"_gc", f.scan, s, []int{1, 2})
		}
	}
	return out
}

// threadList: the registered counts, or the --threads override alone.
func threadList(registered []int, override int) []int {
	if override > 0 {
		return []int{override}
	}
	return registered
}

// benchmarks: every benchmark, in the order gomem registers them.
func benchmarks(threads int) []*bench {
	var all []*bench
	all = append(all, allocBenchmarks(threads)...)
	all = append(all, barrierBenchmarks()...)
	all = append(all, treeBenchmarks()...)
	all = append(all, steadyBenchmarks(threads)...)
	return all
}
