// Package benchmark measures an enclave's performance score: how fast it
// runs a fixed workload (SHA-256 chained over 1 KiB blocks), reported in
// thousands of blocks per second. The chain weighs a worker's share of era
// rewards by this score (x/registry), as Phala weighs mining rewards by
// pRuntime's benchmark.
//
// The score is only as honest as the enclave's clock: inside SGX, time
// comes from the untrusted host, so an operator can inflate it by slowing
// the enclave's clock. Phala has the same limit; the chain can cap scores
// by policy if that becomes a problem.
package benchmark

import (
	"crypto/sha256"
	"time"
)

// blockSize is the workload's unit.
const blockSize = 1024

// Run hashes for about d and returns the score: blocks per second / 1000,
// at least 1 so a finished benchmark never reports "none".
func Run(d time.Duration) uint64 {
	if d <= 0 {
		d = time.Millisecond
	}
	var buf [blockSize]byte
	start := time.Now()
	var blocks uint64
	for time.Since(start) < d {
		// 64 blocks between clock reads keep the clock out of the measurement.
		for i := 0; i < 64; i++ {
			sum := sha256.Sum256(buf[:])
			copy(buf[:], sum[:])
		}
		blocks += 64
	}
	elapsed := time.Since(start)
	return max(1, blocks*uint64(time.Second)/uint64(elapsed)/1000)
}
