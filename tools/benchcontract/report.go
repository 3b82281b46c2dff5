package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/tools/internal/benchutil"
)

// sendSample is one bank send: times from starting the CLI.
type sendSample struct {
	TxHash      string  `json:"txhash"`
	Height      int64   `json:"height"`
	Blocks      int64   `json:"blocks"`       // Height minus the head when it was submitted
	SubmitMs    float64 `json:"submit_ms"`    // until the CLI returned (CheckTx passed)
	InclusionMs float64 `json:"inclusion_ms"` // until node0 reported the block holding it
}

// commandSample is one confidential command: times from starting the CLI.
type commandSample struct {
	TxHash          string  `json:"txhash"`
	Sequence        uint64  `json:"sequence"` // the call's number in the contract's queue
	TxHeight        int64   `json:"tx_height"`
	ResultHeight    int64   `json:"result_height"`
	InclusionBlocks int64   `json:"inclusion_blocks"` // TxHeight minus the head when it was submitted
	ResultBlocks    int64   `json:"result_blocks"`    // ResultHeight - TxHeight
	Count           uint64  `json:"count"`            // the decrypted output
	FuelUsed        uint64  `json:"fuel_used"`
	SubmitMs        float64 `json:"submit_ms"`    // until `tx confidential execute` returned
	InclusionMs     float64 `json:"inclusion_ms"` // until the block holding the tx was reported
	// RanMs: until the sidecar's log said its enclave had run the call
	// (absent if the log was not read); RanHeight: the height it was proven at.
	RanMs        *float64 `json:"ran_ms,omitempty"`
	RanHeight    int64    `json:"ran_height,omitempty"`
	OnChainMs    float64  `json:"on_chain_ms"`    // until the block that applied the result was reported
	SeenMs       float64  `json:"seen_ms"`        // until the tool's poll saw the result
	DecryptCLIMs float64  `json:"decrypt_cli_ms"` // `q confidential result --from` alone
	TotalMs      float64  `json:"total_ms"`       // until that CLI printed the decrypted output
}

// queryRun is one run of queries of one kind at one concurrency.
type queryRun struct {
	Kind        string  `json:"kind"` // status (baseline) or contract
	Concurrency int     `json:"concurrency"`
	Queries     int     `json:"queries"`
	Errors      int     `json:"errors"`
	Seconds     float64 `json:"seconds"`
	PerS        float64 `json:"queries_per_s"`
	P50Ms       float64 `json:"p50_ms"`
	P90Ms       float64 `json:"p90_ms"`
	P99Ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	FuelUsed    uint64  `json:"fuel_used,omitempty"`
}

// latency is a percentile summary in milliseconds.
type latency struct {
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
}

func latencyOf(xs []float64) latency {
	l := latency{P50: benchutil.Percentile(xs, 50), P90: benchutil.Percentile(xs, 90), Max: benchutil.Percentile(xs, 100)}
	for _, x := range xs {
		l.Mean += x / float64(len(xs))
	}
	return l
}

// round is one round's samples and their figures.
type round struct {
	Round           int             `json:"round"`
	LoadAvg         string          `json:"load_average_at_start"`
	CLIStartMs      float64         `json:"cli_start_ms"`      // `phalad version`, median of 5
	BlockIntervalMs float64         `json:"block_interval_ms"` // median, as node0 reported blocks
	Sends           []sendSample    `json:"sends"`
	Commands        []commandSample `json:"commands"`
	Queries         []queryRun      `json:"queries"`
	Figures         figures         `json:"figures"`
}

// figures are a round's (or, as medians, all rounds') results.
type figures struct {
	SendInclusion    latency `json:"send_inclusion"`
	SendSubmitP50    float64 `json:"send_submit_p50_ms"`
	SendBlocksP50    float64 `json:"send_blocks_p50"`
	SendBlocksMax    float64 `json:"send_blocks_max"`
	CommandTotal     latency `json:"command_total"`    // submit to decrypted output
	CommandOnChain   latency `json:"command_on_chain"` // submit to the result's block
	CommandInclusion latency `json:"command_inclusion"`
	CommandRan       latency `json:"command_ran"` // submit to the sidecar's "ran call" line
	CommandSubmitP50 float64 `json:"command_submit_p50_ms"`
	DecryptCLIP50    float64 `json:"decrypt_cli_p50_ms"`
	ResultBlocksP50  float64 `json:"result_blocks_p50"`
	ResultBlocksMax  float64 `json:"result_blocks_max"`
	// Ratios of the commands' p50 (and mean) to the sends' p50 (and mean)
	// inclusion latency.
	RatioTotalToSend       float64        `json:"ratio_total_to_send_p50"`
	RatioOnChainToSend     float64        `json:"ratio_on_chain_to_send_p50"`
	RatioTotalToSendMean   float64        `json:"ratio_total_to_send_mean"`
	RatioOnChainToSendMean float64        `json:"ratio_on_chain_to_send_mean"`
	Queries                []queryFigures `json:"queries"`
}

// queryFigures compare contract queries with status queries at one concurrency.
type queryFigures struct {
	Concurrency    int     `json:"concurrency"`
	StatusPerS     float64 `json:"status_per_s"`
	StatusP50      float64 `json:"status_p50_ms"`
	StatusP99      float64 `json:"status_p99_ms"`
	ContractPerS   float64 `json:"contract_per_s"`
	ContractP50    float64 `json:"contract_p50_ms"`
	ContractP99    float64 `json:"contract_p99_ms"`
	ContractFuel   uint64  `json:"contract_fuel"`
	RatioP50       float64 `json:"ratio_contract_to_status_p50"`
	RatioRate      float64 `json:"ratio_status_to_contract_rate"`
	ContractErrors int     `json:"contract_errors"`
	StatusErrors   int     `json:"status_errors"`
}

func (r *round) summarize() {
	pick := func(n int, f func(i int) float64) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = f(i)
		}
		return xs
	}
	s, c := r.Sends, r.Commands
	f := figures{
		SendInclusion:    latencyOf(pick(len(s), func(i int) float64 { return s[i].InclusionMs })),
		SendSubmitP50:    benchutil.Percentile(pick(len(s), func(i int) float64 { return s[i].SubmitMs }), 50),
		SendBlocksP50:    benchutil.Percentile(pick(len(s), func(i int) float64 { return float64(s[i].Blocks) }), 50),
		SendBlocksMax:    benchutil.Percentile(pick(len(s), func(i int) float64 { return float64(s[i].Blocks) }), 100),
		CommandTotal:     latencyOf(pick(len(c), func(i int) float64 { return c[i].TotalMs })),
		CommandOnChain:   latencyOf(pick(len(c), func(i int) float64 { return c[i].OnChainMs })),
		CommandInclusion: latencyOf(pick(len(c), func(i int) float64 { return c[i].InclusionMs })),
		CommandRan:       latencyOf(ranMs(c)),
		CommandSubmitP50: benchutil.Percentile(pick(len(c), func(i int) float64 { return c[i].SubmitMs }), 50),
		DecryptCLIP50:    benchutil.Percentile(pick(len(c), func(i int) float64 { return c[i].DecryptCLIMs }), 50),
		ResultBlocksP50:  benchutil.Percentile(pick(len(c), func(i int) float64 { return float64(c[i].ResultBlocks) }), 50),
		ResultBlocksMax:  benchutil.Percentile(pick(len(c), func(i int) float64 { return float64(c[i].ResultBlocks) }), 100),
	}
	f.RatioTotalToSend = ratio(f.CommandTotal.P50, f.SendInclusion.P50)
	f.RatioOnChainToSend = ratio(f.CommandOnChain.P50, f.SendInclusion.P50)
	f.RatioTotalToSendMean = ratio(f.CommandTotal.Mean, f.SendInclusion.Mean)
	f.RatioOnChainToSendMean = ratio(f.CommandOnChain.Mean, f.SendInclusion.Mean)
	byC := map[int]*queryFigures{}
	var order []int
	for _, q := range r.Queries {
		qf := byC[q.Concurrency]
		if qf == nil {
			qf = &queryFigures{Concurrency: q.Concurrency}
			byC[q.Concurrency] = qf
			order = append(order, q.Concurrency)
		}
		if q.Kind == kindStatus {
			qf.StatusPerS, qf.StatusP50, qf.StatusP99, qf.StatusErrors = q.PerS, q.P50Ms, q.P99Ms, q.Errors
		} else {
			qf.ContractPerS, qf.ContractP50, qf.ContractP99, qf.ContractFuel, qf.ContractErrors = q.PerS, q.P50Ms, q.P99Ms, q.FuelUsed, q.Errors
		}
	}
	for _, c := range order {
		qf := byC[c]
		qf.RatioP50, qf.RatioRate = ratio(qf.ContractP50, qf.StatusP50), ratio(qf.StatusPerS, qf.ContractPerS)
		f.Queries = append(f.Queries, *qf)
	}
	r.Figures = f
}

// ranMs are the commands' times to the "ran call" line, where known.
func ranMs(c []commandSample) []float64 {
	var xs []float64
	for _, x := range c {
		if x.RanMs != nil {
			xs = append(xs, *x.RanMs)
		}
	}
	return xs
}

// blocksHistogram counts samples by their number of blocks.
func blocksHistogram(xs []int64) string {
	counts := map[int64]int{}
	var keys []int64
	for _, x := range xs {
		if counts[x] == 0 {
			keys = append(keys, x)
		}
		counts[x]++
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d blocks: %d", k, counts[k])
	}
	return strings.Join(parts, ", ")
}

func (r *round) print(w io.Writer) {
	f := r.Figures
	fmt.Fprintf(w, "round %d: median block interval %.0f ms, phalad start-up %.0f ms\n", r.Round, r.BlockIntervalMs, r.CLIStartMs)
	printFigures(w, f)
	var sb, rb []int64
	for _, s := range r.Sends {
		sb = append(sb, s.Blocks)
	}
	for _, c := range r.Commands {
		rb = append(rb, c.ResultBlocks)
	}
	fmt.Fprintf(w, "  sends by blocks after the head at submission: %s\n", blocksHistogram(sb))
	fmt.Fprintf(w, "  commands by blocks from the tx to its result: %s\n", blocksHistogram(rb))
}

func printFigures(w io.Writer, f figures) {
	line := func(label string, l latency, note string) {
		fmt.Fprintf(w, "  %-40s p50 %6.0f ms  p90 %6.0f ms  max %6.0f ms  mean %6.0f ms  (%s)\n", label, l.P50, l.P90, l.Max, l.Mean, note)
	}
	line("bank send, submit to committed:", f.SendInclusion,
		fmt.Sprintf("%.0f blocks p50, max %.0f, after the head at submission; the CLI returns after %.0f ms", f.SendBlocksP50, f.SendBlocksMax, f.SendSubmitP50))
	line("command, submit to tx committed:", f.CommandInclusion, fmt.Sprintf("the CLI returns after %.0f ms", f.CommandSubmitP50))
	line("command, submit to run in the enclave:", f.CommandRan, `the sidecar's "ran call" line`)
	line("command, submit to result on chain:", f.CommandOnChain,
		fmt.Sprintf("%.2fx the send, means %.2fx; %.0f blocks p50, max %.0f, from the tx to the result", f.RatioOnChainToSend, f.RatioOnChainToSendMean, f.ResultBlocksP50, f.ResultBlocksMax))
	line("command, submit to decrypted output:", f.CommandTotal,
		fmt.Sprintf("%.2fx the send, means %.2fx; the result CLI alone %.0f ms", f.RatioTotalToSend, f.RatioTotalToSendMean, f.DecryptCLIP50))
	for _, q := range f.Queries {
		fmt.Fprintf(w, "  queries, concurrency %d: status %7.1f/s p50 %6.2f ms p99 %6.2f ms | contract %6.1f/s p50 %7.2f ms p99 %7.2f ms | contract/status: p50 %.0fx, rate 1/%.0f\n",
			q.Concurrency, q.StatusPerS, q.StatusP50, q.StatusP99, q.ContractPerS, q.ContractP50, q.ContractP99, q.RatioP50, q.RatioRate)
	}
}

// report is what the tool prints at the end and writes as JSON.
type report struct {
	Date     string            `json:"date"`
	Commit   string            `json:"commit"`
	Machine  benchutil.Machine `json:"machine"`
	ChainID  string            `json:"chain_id"`
	Contract string            `json:"contract"`
	Worker   string            `json:"worker"`
	Endpoint string            `json:"endpoint"`
	Config   configJSON        `json:"config"`
	Rounds   []*round          `json:"rounds"`
	// Summary is the median over the rounds of each figure.
	Summary figures `json:"summary"`
	// Pooled are the sends' and commands' figures over the samples of all
	// rounds together.
	Pooled figures `json:"pooled"`
}

type configJSON struct {
	Rounds           int    `json:"rounds"`
	Sends            int    `json:"sends"`
	Commands         int    `json:"commands"`
	QueryDuration    string `json:"query_duration"`
	QueryConcurrency []int  `json:"query_concurrency"`
	Jitter           string `json:"jitter"`
	JitterMax        string `json:"jitter_max,omitempty"` // what auto resolved to
}

func newReport(net *devnet, cfg config) *report {
	return &report{Date: time.Now().UTC().Format(time.RFC3339), Commit: benchutil.GitCommit("."), Machine: benchutil.DescribeMachine(), ChainID: net.chainID,
		Config: configJSON{Rounds: cfg.rounds, Sends: cfg.sends, Commands: cfg.commands, QueryDuration: cfg.queryDuration.String(),
			QueryConcurrency: cfg.queryConcurrency, Jitter: cfg.jitter.String()}}
}

// summarize takes the median over the rounds of every figure.
func (r *report) summarize() {
	med := func(f func(x figures) float64) float64 {
		xs := make([]float64, len(r.Rounds))
		for i, rd := range r.Rounds {
			xs[i] = f(rd.Figures)
		}
		return benchutil.Median(xs)
	}
	medL := func(f func(x figures) latency) latency {
		return latency{P50: med(func(x figures) float64 { return f(x).P50 }), P90: med(func(x figures) float64 { return f(x).P90 }),
			Max: med(func(x figures) float64 { return f(x).Max }), Mean: med(func(x figures) float64 { return f(x).Mean })}
	}
	s := figures{
		SendInclusion:          medL(func(x figures) latency { return x.SendInclusion }),
		SendSubmitP50:          med(func(x figures) float64 { return x.SendSubmitP50 }),
		SendBlocksP50:          med(func(x figures) float64 { return x.SendBlocksP50 }),
		SendBlocksMax:          med(func(x figures) float64 { return x.SendBlocksMax }),
		CommandTotal:           medL(func(x figures) latency { return x.CommandTotal }),
		CommandOnChain:         medL(func(x figures) latency { return x.CommandOnChain }),
		CommandInclusion:       medL(func(x figures) latency { return x.CommandInclusion }),
		CommandRan:             medL(func(x figures) latency { return x.CommandRan }),
		CommandSubmitP50:       med(func(x figures) float64 { return x.CommandSubmitP50 }),
		DecryptCLIP50:          med(func(x figures) float64 { return x.DecryptCLIP50 }),
		ResultBlocksP50:        med(func(x figures) float64 { return x.ResultBlocksP50 }),
		ResultBlocksMax:        med(func(x figures) float64 { return x.ResultBlocksMax }),
		RatioTotalToSend:       med(func(x figures) float64 { return x.RatioTotalToSend }),
		RatioOnChainToSend:     med(func(x figures) float64 { return x.RatioOnChainToSend }),
		RatioTotalToSendMean:   med(func(x figures) float64 { return x.RatioTotalToSendMean }),
		RatioOnChainToSendMean: med(func(x figures) float64 { return x.RatioOnChainToSendMean }),
	}
	if len(r.Rounds) > 0 {
		for i, q0 := range r.Rounds[0].Figures.Queries {
			q := func(f func(q queryFigures) float64) float64 {
				return med(func(x figures) float64 {
					if i < len(x.Queries) {
						return f(x.Queries[i])
					}
					return math.NaN()
				})
			}
			s.Queries = append(s.Queries, queryFigures{Concurrency: q0.Concurrency,
				StatusPerS: q(func(q queryFigures) float64 { return q.StatusPerS }), StatusP50: q(func(q queryFigures) float64 { return q.StatusP50 }),
				StatusP99: q(func(q queryFigures) float64 { return q.StatusP99 }), ContractPerS: q(func(q queryFigures) float64 { return q.ContractPerS }),
				ContractP50: q(func(q queryFigures) float64 { return q.ContractP50 }), ContractP99: q(func(q queryFigures) float64 { return q.ContractP99 }),
				ContractFuel: uint64(q(func(q queryFigures) float64 { return float64(q.ContractFuel) })),
				RatioP50:     q(func(q queryFigures) float64 { return q.RatioP50 }), RatioRate: q(func(q queryFigures) float64 { return q.RatioRate }),
				ContractErrors: int(q(func(q queryFigures) float64 { return float64(q.ContractErrors) })),
				StatusErrors:   int(q(func(q queryFigures) float64 { return float64(q.StatusErrors) })),
			})
		}
	}
	r.Summary = s
	all := &round{}
	for _, rd := range r.Rounds {
		all.Sends = append(all.Sends, rd.Sends...)
		all.Commands = append(all.Commands, rd.Commands...)
	}
	all.summarize()
	r.Pooled = all.Figures
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "\n== confidential contracts on the devnet: medians of %d rounds (commit %s, %d CPUs, %s)\n",
		len(r.Rounds), r.Commit, r.Machine.CPUs, r.Machine.Model)
	printFigures(w, r.Summary)
	var sb, rb []int64
	for _, rd := range r.Rounds {
		for _, s := range rd.Sends {
			sb = append(sb, s.Blocks)
		}
		for _, c := range rd.Commands {
			rb = append(rb, c.ResultBlocks)
		}
	}
	fmt.Fprintf(w, "pooled over the %d sends and %d commands of all rounds:\n", len(sb), len(rb))
	printFigures(w, r.Pooled)
	fmt.Fprintf(w, "  all rounds: sends by blocks after the head at submission: %s\n", blocksHistogram(sb))
	fmt.Fprintf(w, "  all rounds: commands by blocks from the tx to its result: %s\n", blocksHistogram(rb))
}

func (r *report) write(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	bz, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(bz, '\n'), 0o644)
}

func medianMs(ds []time.Duration) float64 {
	xs := make([]float64, len(ds))
	for i, d := range ds {
		xs[i] = ms(d)
	}
	return benchutil.Median(xs)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func sdkAddress(bech32 string) (sdk.AccAddress, error) { return sdk.AccAddressFromBech32(bech32) }
