package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/phala-cosmos/phala-cosmos/tools/internal/benchutil"
)

// Benchmarks of enclave/lightclient read from the baseline file.
const (
	benchEd25519 = "BenchmarkEd25519Verify"
	benchUpdate4 = "BenchmarkUpdateAdjacent/validators=4"
)

// targetBlocksPerS is the target for header sync on this devnet.
const targetBlocksPerS = 1000

// baseline holds the median ns/op of each benchmark in a `go test -bench` output.
type baseline map[string]float64

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([0-9.]+) ns/op`)

// readBaseline parses `go test -bench` output and keeps each benchmark's
// median ns/op over its -count repetitions.
func readBaseline(path string) (baseline, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseBaseline(f)
}

func parseBaseline(r io.Reader) (baseline, error) {
	all := map[string][]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		ns, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return nil, err
		}
		all[m[1]] = append(all[m[1]], ns)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	b := baseline{}
	for name, xs := range all {
		b[name] = benchutil.Median(xs)
	}
	for _, need := range []string{benchEd25519, benchUpdate4} {
		if _, ok := b[need]; !ok {
			return nil, fmt.Errorf("the baseline lacks %s", need)
		}
	}
	return b, nil
}

// report is what `benchsync measure` prints and writes as JSON.
type report struct {
	Date    string            `json:"date"`
	Commit  string            `json:"commit"`
	Machine benchutil.Machine `json:"machine"`
	ChainID string            `json:"chain_id"`

	Validators       int          `json:"validators"`
	SignaturesNeeded int          `json:"signatures_needed_per_header"`
	Ed25519VerifyNs  float64      `json:"ed25519_verify_ns"`             // one bare verification, median, one core
	SignatureLimit   float64      `json:"signature_limit_headers_per_s"` // 1 s / (needed × one verification)
	LightClientNs    float64      `json:"light_client_update_ns"`        // enclave light client alone, in process, 4 validators
	LightClientPerS  float64      `json:"light_client_headers_per_s"`
	TargetBlocksPerS float64      `json:"target_blocks_per_s"`
	Extrapolated     bool         `json:"catch_up_10000_extrapolated"` // the chain was shorter than 10,000 blocks
	Runs             []catchUpRun `json:"runs"`
	Summary          []stats      `json:"summary"`
}

// stats are the medians of the runs at one fetch concurrency.
type stats struct {
	Concurrency      int        `json:"fetch_concurrency"`
	Runs             int        `json:"runs"`
	Head             int64      `json:"head"`
	HeadersPerS      float64    `json:"headers_per_s"`
	BlocksPerS       float64    `json:"blocks_per_s_with_messages"`
	HeaderS          float64    `json:"headers_s"`
	CatchUpS         float64    `json:"catch_up_s"`
	CatchUp10kS      float64    `json:"catch_up_10000_blocks_s"` // 10,000 / BlocksPerS
	MessageS         float64    `json:"message_s"`               // median over the runs sampled between the last header and the delivery
	MessageRuns      int        `json:"message_timed_runs"`
	RatioToSigLimit  float64    `json:"ratio_to_signature_limit"`
	RatioToLightCli  float64    `json:"ratio_to_light_client"`
	SpeedupVsOne     float64    `json:"speedup_vs_concurrency_1,omitempty"`
	MeetsTarget      bool       `json:"meets_target"`
	CPU              cpu        `json:"cpu_s"`
	HeadersPerSRange [2]float64 `json:"headers_per_s_range"`
}

func newReport(net *devnet, base baseline, needed, validators int) *report {
	r := &report{
		Date: time.Now().UTC().Format(time.RFC3339), Commit: benchutil.GitCommit(net.home), Machine: benchutil.DescribeMachine(),
		ChainID: net.chainID, Validators: validators, SignaturesNeeded: needed,
		Ed25519VerifyNs: base[benchEd25519], LightClientNs: base[benchUpdate4], TargetBlocksPerS: targetBlocksPerS,
	}
	r.SignatureLimit = 1e9 / (float64(needed) * r.Ed25519VerifyNs)
	r.LightClientPerS = 1e9 / r.LightClientNs
	return r
}

func (r *report) add(x catchUpRun) { r.Runs = append(r.Runs, x) }

// summarize computes the medians per concurrency, in the order first run.
func (r *report) summarize() {
	r.Summary = nil
	var order []int
	byC := map[int][]catchUpRun{}
	for _, x := range r.Runs {
		if _, ok := byC[x.Concurrency]; !ok {
			order = append(order, x.Concurrency)
		}
		byC[x.Concurrency] = append(byC[x.Concurrency], x)
	}
	for _, c := range order {
		r.Summary = append(r.Summary, r.stats(c, byC[c]))
	}
	var one float64
	for _, s := range r.Summary {
		if s.Concurrency == 1 {
			one = s.BlocksPerS
		}
	}
	for i := range r.Summary {
		if one > 0 && r.Summary[i].Concurrency != 1 {
			r.Summary[i].SpeedupVsOne = r.Summary[i].BlocksPerS / one
		}
	}
}

func (r *report) stats(c int, runs []catchUpRun) stats {
	pick := func(f func(catchUpRun) float64) float64 {
		xs := make([]float64, len(runs))
		for i, x := range runs {
			xs[i] = f(x)
		}
		return benchutil.Median(xs)
	}
	hps := make([]float64, len(runs))
	for i, x := range runs {
		hps[i] = x.HeadersPerS
	}
	s := stats{Concurrency: c, Runs: len(runs),
		Head:        int64(pick(func(x catchUpRun) float64 { return float64(x.Head) })),
		HeadersPerS: pick(func(x catchUpRun) float64 { return x.HeadersPerS }),
		BlocksPerS:  pick(func(x catchUpRun) float64 { return x.BlocksPerS }),
		HeaderS:     pick(func(x catchUpRun) float64 { return x.HeaderS }),
		CatchUpS:    pick(func(x catchUpRun) float64 { return x.CatchUpS }),
		CPU: cpu{
			Sidecar: pick(func(x catchUpRun) float64 { return x.CPU.Sidecar }),
			Enclave: pick(func(x catchUpRun) float64 { return x.CPU.Enclave }),
			Nodes:   pick(func(x catchUpRun) float64 { return x.CPU.Nodes }),
		},
		HeadersPerSRange: [2]float64{slices.Min(hps), slices.Max(hps)},
	}
	var msgs []float64
	for _, x := range runs {
		if x.MessageS != nil {
			msgs = append(msgs, *x.MessageS)
		}
	}
	s.MessageS, s.MessageRuns = benchutil.Median(msgs), len(msgs)
	s.CatchUp10kS = 10000 / s.BlocksPerS
	if s.Head < 10000 {
		r.Extrapolated = true
	}
	s.RatioToSigLimit = s.HeadersPerS / r.SignatureLimit
	s.RatioToLightCli = s.HeadersPerS / r.LightClientPerS
	s.MeetsTarget = s.BlocksPerS >= targetBlocksPerS
	return s
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "\n== enclave header sync through phala-worker (medians of %d runs each; %d validators, %d signatures per header)\n",
		len(r.Runs)/max(1, len(r.Summary)), r.Validators, r.SignaturesNeeded)
	fmt.Fprintf(w, "bare ed25519 verification %.2f µs -> signature limit %.0f headers/s (one core); light client alone %.1f µs -> %.0f headers/s\n",
		r.Ed25519VerifyNs/1e3, r.SignatureLimit, r.LightClientNs/1e3, r.LightClientPerS)
	fmt.Fprintf(w, "%-11s %8s %12s %18s %13s %13s %10s %9s %8s %s\n",
		"concurrency", "head", "headers/s", "blocks/s (1 msg)", "catch-up", "10k blocks", "vs sigs", "vs 1", "target", "cpu s sidecar/enclave/nodes")
	for _, s := range r.Summary {
		speedup := "-"
		if s.SpeedupVsOne > 0 {
			speedup = fmt.Sprintf("%.2fx", s.SpeedupVsOne)
		}
		meets := "below"
		if s.MeetsTarget {
			meets = "meets"
		}
		fmt.Fprintf(w, "%-11d %8d %12.1f %18.1f %11.2f s %11.2f s %9.3fx %9s %8s %.2f/%.2f/%.2f\n",
			s.Concurrency, s.Head, s.HeadersPerS, s.BlocksPerS, s.CatchUpS, s.CatchUp10kS, s.RatioToSigLimit, speedup, meets,
			s.CPU.Sidecar, s.CPU.Enclave, s.CPU.Nodes)
	}
	for _, s := range r.Summary {
		if s.MessageRuns > 0 {
			fmt.Fprintf(w, "concurrency %d: the ingress message was delivered with its proofs %.1f ms after the last header (median of %d sampled runs)\n",
				s.Concurrency, s.MessageS*1e3, s.MessageRuns)
		}
	}
	fmt.Fprintf(w, "target: %d blocks/s\n", targetBlocksPerS)
	if r.Extrapolated {
		fmt.Fprintln(w, "EXTRAPOLATED: the chain had fewer than 10,000 blocks; \"10k blocks\" is 10,000 / the measured blocks/s")
	}
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
