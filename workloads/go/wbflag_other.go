//go:build !amd64

package main

// wbEnabled: the runtime's flag is read only on amd64 (wbflag_amd64.s);
// here every batch counts while runtime.GC() runs.
func wbEnabled() bool { return true }
