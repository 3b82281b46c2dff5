package benchmark

import (
	"testing"
	"time"
)

func TestRunScores(t *testing.T) {
	score := Run(20 * time.Millisecond)
	// Any machine that runs the tests hashes far more than 1,000 KiB/s and
	// far less than 100 GB/s.
	if score < 2 || score > 100_000_000 {
		t.Fatalf("score %d is implausible", score)
	}
	if Run(0) < 1 {
		t.Fatal("a zero-length run must still score at least 1")
	}
}
