package main

// trees.go: the Benchmarks Game's binary-trees (Go's own program's
// bottomUpTree and itemCheck), as workloads/binary_trees.c runs it:
// min depth 4, max depth max(6, n), a stretch tree of depth n + 1, a
// long-lived tree of depth n, 2^(n - d + 4) trees of each depth d = 4, 6,
// ..., n, the long-lived tree checked last.  Nodes are allocated by
// &Node{} in a recursive function whose result is returned: they escape
// (`go build -gcflags=-m`: "&Node{...} escapes to heap").

import (
	"fmt"
	"runtime/debug"
	"strings"
)

type Node struct {
	left, right *Node
}

func bottomUpTree(depth int) *Node {
	if depth <= 0 {
		return &Node{}
	}
	l := bottomUpTree(depth - 1)
	r := bottomUpTree(depth - 1)
	return &Node{l, r}
}

func (n *Node) itemCheck() int {
	if n.left == nil {
		return 1
	}
	return 1 + n.left.itemCheck() + n.right.itemCheck()
}

func binaryTreesText(n int) string {
	const minDepth = 4
	maxDepth := n
	if maxDepth < minDepth+2 {
		maxDepth = minDepth + 2
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "stretch tree of depth %d\t check: %d\n", maxDepth+1,
		bottomUpTree(maxDepth+1).itemCheck())
	longLived := bottomUpTree(maxDepth)
	for d := minDepth; d <= maxDepth; d += 2 {
		iterations := 1 << uint(maxDepth-d+minDepth)
		check := 0
		for i := 0; i < iterations; i++ {
			check += bottomUpTree(d).itemCheck()
		}
		fmt.Fprintf(&sb, "%d\t trees of depth %d\t check: %d\n", iterations, d, check)
	}
	fmt.Fprintf(&sb, "long lived tree of depth %d\t check: %d\n", maxDepth,
		longLived.itemCheck())
	return sb.String()
}

var treeSink string

func treeBenchmarks() []*bench {
	return []*bench{{
		name: "binary_trees/go/18", threads: 1, batch: 1, unit: "ms",
		// as binary_trees.c: the previous run's heap is collected and
		// its pages returned first (under GOGC=off it would otherwise
		// stay resident, run after run)
		setup: func(b *B) { debug.FreeOSMemory() },
		fn: func(b *B) {
			for i := int64(0); i < b.N; i++ {
				treeSink = binaryTreesText(18)
			}
		},
	}}
}
