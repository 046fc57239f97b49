package main

// steady.go: workloads/steady_heap.c in Go.  A root slice of chains of
// 4 nodes of nodeBytes (next, aux, key, payload derived from the key);
// building and the final check are untimed (setup and teardown), and each
// run builds its heap anew after a collection, as gomem's does; one iteration
// replaces one random node with a fresh one.  Each goroutine churns its
// own live / threads.  Seeds are fixed; xorshift64 as in gomem.
//
// What must stay equal to steady_heap.c for the fidelity table to mean
// anything: the node (64 bytes with its two pointers first: size class 64
// on both), the chain length, the slot count (live / (4 * 64 + 8)), the
// churn, the collection before the build and the one after every
// goroutine has built (afterSetup): without the second, the timed part
// starts inside the build's last cycles, wherever the build's allocation
// put them, and a short run's peak heap is that transient's.

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

const steadyChain = 4

type steadyNode struct {
	next, aux *steadyNode
	key       uint64
	words     [5]uint64 // 64-byte nodes: 8 + 8 + 8 + 40
}

type steadyHeap struct {
	slots []*steadyNode
	rng   uint64
}

func xorshift(s *uint64) uint64 {
	x := *s
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	*s = x
	return x
}

func word(key uint64, i int) uint64 {
	z := key + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	return z ^ (z >> 31)
}

func newSteadyNode(rng *uint64) *steadyNode {
	n := &steadyNode{key: xorshift(rng)}
	for i := range n.words {
		n.words[i] = word(n.key, i)
	}
	return n
}

func buildSteady(live int64, seed uint64) *steadyHeap {
	const nodeBytes = 64
	h := &steadyHeap{rng: seed}
	nslots := live / (steadyChain*nodeBytes + 8)
	h.slots = make([]*steadyNode, nslots)
	for s := range h.slots {
		for k := 0; k < steadyChain; k++ {
			n := newSteadyNode(&h.rng)
			n.next = h.slots[s]
			h.slots[s] = n
		}
	}
	return h
}

func (h *steadyHeap) churn(n int64) {
	for i := int64(0); i < n; i++ {
		r := xorshift(&h.rng)
		prev := &h.slots[(r>>8)%uint64(len(h.slots))]
		for k := r % steadyChain; k > 0; k-- {
			prev = &(*prev).next
		}
		fresh := newSteadyNode(&h.rng)
		fresh.next = (*prev).next
		*prev = fresh
	}
}

func (h *steadyHeap) broken() int {
	bad := 0
	for _, s := range h.slots {
		l := 0
		for n := s; n != nil; n = n.next {
			l++
			for i := range n.words {
				if n.words[i] != word(n.key, i) {
					bad++
					break
				}
			}
		}
		if l != steadyChain {
			bad++
		}
	}
	return bad
}

func steadyBenchmarks(threads int) []*bench {
	var out []*bench
	for _, t := range threadList([]int{1, 2}, threads) {
		t := t
		out = append(out, &bench{
			name:    fmt.Sprintf("steady_heap/go/64/64/threads:%d", t),
			threads: t, batch: 1024, unit: "ns",
			setup: func(b *B) {
				if b.Thread == 0 {
					// the previous run's heap is garbage now: collect it
					// and return its pages, so that this run's peak RSS
					// is its own (as steady_heap.c)
					debug.FreeOSMemory()
				}
				b.state = buildSteady((64<<20)/int64(t), 0x5eed0000+uint64(b.Thread))
			},
			afterSetup: runtime.GC, // the timed part starts from the heap marked live
			fn: func(b *B) {
				b.state.(*steadyHeap).churn(b.N)
				b.items = b.N
			},
			teardown: func(b *B) {
				if bad := b.state.(*steadyHeap).broken(); bad != 0 {
					b.errMsg = fmt.Sprintf("steady_heap: %d broken nodes or chains", bad)
				}
				b.state = nil
			},
		})
	}
	return out
}
