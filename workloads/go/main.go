// Command gomem-peer-go: gomem's workloads written again in Go, run by
// `gomem-bench run --runtime=go` (harness/peers.h states the protocol).
//
// Subcommands:
//
//	gomem-peer-go [--benchmark_* flags] [--threads=N] [--pauses-out=PATH]
//	    run the benchmarks, writing Google Benchmark's JSON
//	gomem-peer-go list                 the benchmark names
//	gomem-peer-go binary_trees DEPTH   print binary-trees' output (the
//	    Benchmarks Game's text; tests/test_peers_go.c checks depth 10)
//
// The runner here plays Google Benchmark's part (runner.go): the same
// names (binary_trees/go/18 beside binary_trees/gomem/18), the same
// iteration search, the same JSON fields, and gomem's counter names
// (gcstats.go), so that gomem-bench merges and reports them as its own.
// Standard library only: it builds without a network.
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "list":
			for _, b := range benchmarks(0) {
				fmt.Println(b.name)
			}
			return
		case "binary_trees":
			depth := 10
			if len(os.Args) > 2 {
				d, err := strconv.Atoi(os.Args[2])
				if err != nil || d < 0 {
					fmt.Fprintf(os.Stderr, "gomem-peer-go: binary_trees %q: not a depth\n", os.Args[2])
					os.Exit(2)
				}
				depth = d
			}
			fmt.Print(binaryTreesText(depth))
			return
		}
	}
	os.Exit(runCommand(os.Args[1:]))
}
