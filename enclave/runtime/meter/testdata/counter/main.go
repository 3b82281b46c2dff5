// Command counter is a tiny Go contract for the meter's tests: increment(n)
// loops n times over a global counter.
package main

var counter uint64

//go:wasmexport increment
func increment(n uint64) uint64 {
	for i := uint64(0); i < n; i++ {
		counter++
	}
	return counter
}

func main() {}
