package main

import (
	"fmt"
	"sort"
	"time"
)

// result is what one measured run found.
type result struct {
	OfferedRate float64 `json:"offered_rate_tx_s"` // 0: as fast as the chain accepts
	Submitted   int     `json:"submitted"`
	Committed   int     `json:"committed"`
	Rejected    int     `json:"rejected_at_checktx"`
	// DroppedAndResent counts transactions CometBFT accepted at CheckTx but
	// dropped (its mempool filled at that moment), which the sender resent.
	DroppedAndResent int           `json:"dropped_and_resent"`
	Blocks           int           `json:"blocks_with_bench_txs"`
	Throughput       float64       `json:"throughput_tx_s"`
	LatencyP50       time.Duration `json:"latency_p50"`
	LatencyP90       time.Duration `json:"latency_p90"`
	LatencyP99       time.Duration `json:"latency_p99"`
	MaxPerBlock      int           `json:"max_txs_per_block"`
}

func (r result) print() {
	fmt.Printf("  submitted %d (%d dropped by a full mempool and resent), committed %d, rejected %d, in %d blocks (max %d tx/block)\n",
		r.Submitted, r.DroppedAndResent, r.Committed, r.Rejected, r.Blocks, r.MaxPerBlock)
	fmt.Printf("  throughput %.1f tx/s; inclusion latency p50 %s p90 %s p99 %s\n",
		r.Throughput, r.LatencyP50, r.LatencyP90, r.LatencyP99)
}

// summary is what the benchmark reports.
type summary struct {
	Runs             []result      `json:"saturation_runs"`
	MedianThroughput float64       `json:"median_throughput_tx_s"`
	MedianLatencyP50 time.Duration `json:"median_latency_p50"`
	Paced            []result      `json:"paced_runs,omitempty"`
}

func summarize(runs []result) summary {
	tps := make([]float64, len(runs))
	lat := make([]time.Duration, len(runs))
	for i, r := range runs {
		tps[i], lat[i] = r.Throughput, r.LatencyP50
	}
	sort.Float64s(tps)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return summary{Runs: runs, MedianThroughput: tps[len(tps)/2], MedianLatencyP50: lat[len(lat)/2]}
}

// percentile returns the p-th percentile (0-100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}
