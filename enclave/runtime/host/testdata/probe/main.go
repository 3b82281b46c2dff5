// Command probe prints what a contract could use to diverge between
// replicas: the clock, the runtime's random numbers and map iteration order.
package main

import (
	"fmt"
	"math/rand/v2"
	"time"
)

//go:wasmexport probe
func probe() {
	m := map[int]bool{}
	for i := 0; i < 64; i++ {
		m[i] = true
	}
	var order []int
	for k := range m {
		order = append(order, k)
	}
	fmt.Println(time.Now().UnixNano(), rand.Uint64(), order[:8])
}

func main() {}
