package main

// wbflag_amd64.go: whether Go's write barrier is on, read from the
// runtime's own flag (runtime.writeBarrier, mgc.go: its first byte,
// enabled), so that barrier.go times only batches of stores that ran
// with the barrier on from start to end.  The read is in assembly
// (wbflag_amd64.s); on other architectures it is not made and every
// batch counts while runtime.GC() runs (wbflag_other.go).

// wbEnabled reports runtime.writeBarrier.enabled.
func wbEnabled() bool
