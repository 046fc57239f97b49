package main

import "runtime"

// gcNow is runtime.GC, named so that barrier.go reads as what it means.
func gcNow() { runtime.GC() }
