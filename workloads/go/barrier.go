package main

// barrier.go: workloads/barrier.c's gomem rows in Go: a pointer store
// into a heap slice of 4096 pointer slots (32 KiB), storing pointers to
// 8 objects in turn, or to 65536 in scattered order.  Go's compiler puts
// its write barrier on every such store: with no cycle running it is one
// predictable branch (writeBarrier.enabled) and the store, as gm_write's
// fast path.
//
//	barrier/go/nocycle   no cycle runs during the loop (stores do not
//	                     allocate)
//	barrier/go/marking   stores while a cycle marks: Go cannot hold a
//	                     cycle in its mark phase as gomem's test hook does,
//	                     so a goroutine runs runtime.GC() over a 64 MiB
//	                     linked list (serial marking: tens of ms) and only
//	                     the batches of stores that run with the write
//	                     barrier on from start to end (runtime.writeBarrier,
//	                     wbflag_amd64.go) are timed and counted
//	barrier/go/marking_spread
//	                     the same with 65536 targets, store i taking
//	                     target i * 40503 mod 65536 (i from 0 in each
//	                     batch of 16384), as barrier.c's _spread rows: no
//	                     two stores of a write-barrier buffer's flush
//	                     repeat a pointer or, mostly, a span
//
// One iteration is one store; the time per iteration is ns per store.

import (
	"sync/atomic"
	"time"
)

const (
	brSlots   = 4096
	brTargets = 8
	brSpread  = 1 << 16 // targets stored in scattered order (BR_SPREAD)
	// an odd multiplier permutes the targets, so neighbours in time are
	// far apart in the heap (barrier.c's BR_SPREAD_MULT)
	brSpreadMult = 40503
	brBatch      = brSlots * 4
)

type brTarget struct{ a, b *brTarget }

type brObject struct {
	slots [brSlots]*brTarget
}

type listNode struct {
	next *listNode
	_    [6]uint64
}

var brList *listNode // the 64 MiB list that makes marking last (setup to teardown)

func brStores(o *brObject, t *[brTargets]*brTarget, n int64) {
	for i := int64(0); i < n; i++ {
		o.slots[i%brSlots] = t[i%brTargets]
	}
}

// brStoresSpread: brStores over brSpread targets in scattered order (the
// mask keeps the index in range, so the compiler drops the bounds check)
func brStoresSpread(o *brObject, t *[brSpread]*brTarget, n int64) {
	for i := int64(0); i < n; i++ {
		o.slots[i%brSlots] = t[uint64(i)*brSpreadMult&(brSpread-1)]
	}
}

func brSetup() (*brObject, *[brTargets]*brTarget) {
	o := new(brObject)
	t := new([brTargets]*brTarget)
	for i := range t {
		t[i] = new(brTarget)
	}
	return o, t
}

func brSetupSpread() (*brObject, *[brSpread]*brTarget) {
	o := new(brObject)
	t := new([brSpread]*brTarget)
	for i := range t {
		t[i] = new(brTarget)
	}
	return o, t
}

func barrierBenchmarks() []*bench {
	nocycle := &bench{name: "barrier/go/nocycle", threads: 1, batch: brBatch, unit: "ns",
		fn: func(b *B) {
			o, t := brSetup()
			brStores(o, t, b.N)
			b.items = b.N
		}}
	marking := &bench{name: "barrier/go/marking", threads: 1, batch: brBatch, unit: "ns",
		setup: brListBuild, fn: barrierMarking, teardown: brListDrop}
	spread := &bench{name: "barrier/go/marking_spread", threads: 1, batch: brBatch, unit: "ns",
		setup: brListBuild, fn: barrierMarkingSpread, teardown: brListDrop}
	return []*bench{nocycle, marking, spread}
}

func brListBuild(b *B) {
	for i := 0; i < (64<<20)/64; i++ {
		brList = &listNode{next: brList}
	}
}

func brListDrop(b *B) { brList = nil }

func barrierMarking(b *B) {
	o, t := brSetup()
	brWhileMarking(b, func() { brStores(o, t, brBatch) })
}

func barrierMarkingSpread(b *B) {
	o, t := brSetupSpread()
	brWhileMarking(b, func() { brStoresSpread(o, t, brBatch) })
}

// brWhileMarking: b.N stores, a batch at a time, timing and counting only
// the batches during which a runtime.GC() marks: the write barrier on
// when the batch starts and when it ends
func brWhileMarking(b *B, batch func()) {
	var timed, stored int64
	for stored < b.N {
		var running atomic.Bool
		running.Store(true)
		finished := make(chan struct{})
		go func() {
			gcNow()
			running.Store(false)
			close(finished)
		}()
		time.Sleep(50 * time.Microsecond) // let the cycle start marking
		for stored < b.N && running.Load() {
			on := wbEnabled()
			t0 := time.Now()
			batch()
			d := time.Since(t0).Nanoseconds()
			if on && wbEnabled() {
				timed += d
				stored += brBatch
			}
		}
		<-finished
	}
	b.items = stored
	b.manualNs = float64(timed)
}
