// Command benchchain measures bank-send throughput and inclusion latency on
// a running devnet. It signs every transaction offline (no CLI per tx),
// spreads many senders over the validators' RPC endpoints, and watches
// committed blocks over node0's websocket.
//
// Usage (scripts/bench-chain.sh starts a fresh devnet and runs this):
//
//	go run ./tools/benchchain --home .devnet --runs 3 --duration 30s
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.home, "home", ".devnet", "devnet directory (holds devnet.json and accounts.json)")
	flag.IntVar(&cfg.senders, "senders", 40, "number of sending accounts (funded by alice at start)")
	flag.DurationVar(&cfg.duration, "duration", 30*time.Second, "length of each measured run")
	flag.IntVar(&cfg.runs, "runs", 3, "saturation runs (the median is reported)")
	flag.Var(&cfg.pacedRates, "paced-rates", "comma-separated offered loads (tx/s) of the latency runs after the saturation runs (default 20,200; empty skips them)")
	flag.StringVar(&cfg.out, "json", "", "write the results as JSON to this file")
	cfg.pacedRates = rates{20, 200}
	flag.Parse()
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "benchchain:", err)
		os.Exit(1)
	}
}

type config struct {
	home       string
	senders    int
	duration   time.Duration
	runs       int
	pacedRates rates
	out        string
}

// rates is a comma-separated list of transaction rates.
type rates []float64

func (r *rates) String() string {
	parts := make([]string, len(*r))
	for i, x := range *r {
		parts[i] = strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strings.Join(parts, ",")
}

func (r *rates) Set(s string) error {
	*r = nil
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		x, err := strconv.ParseFloat(part, 64)
		if err != nil || x <= 0 {
			return fmt.Errorf("rate %q is not a positive number", part)
		}
		*r = append(*r, x)
	}
	return nil
}

func run(cfg config) error {
	if cfg.senders < 1 || cfg.runs < 1 || cfg.duration <= 0 {
		return fmt.Errorf("senders, runs and duration must be positive")
	}
	net, err := openDevnet(cfg.home)
	if err != nil {
		return err
	}
	defer net.close()
	ctx := context.Background()

	var results []result
	for i := 0; i < cfg.runs; i++ {
		fmt.Printf("saturation run %d/%d: %d senders, %s\n", i+1, cfg.runs, cfg.senders, cfg.duration)
		r, err := net.measure(ctx, cfg.senders, cfg.duration, 0)
		if err != nil {
			return err
		}
		r.print()
		results = append(results, r)
	}
	summary := summarize(results)
	for _, rate := range cfg.pacedRates {
		fmt.Printf("paced run: %.0f tx/s offered, %s\n", rate, cfg.duration)
		r, err := net.measure(ctx, cfg.senders, cfg.duration, rate)
		if err != nil {
			return err
		}
		r.print()
		summary.Paced = append(summary.Paced, r)
	}
	fmt.Printf("\nmedian of %d saturation runs: %.1f tx/s, inclusion latency p50 %s\n",
		len(results), summary.MedianThroughput, summary.MedianLatencyP50)
	for _, p := range summary.Paced {
		fmt.Printf("paced %.0f tx/s: %.1f tx/s committed, inclusion latency p50 %s, p90 %s\n",
			p.OfferedRate, p.Throughput, p.LatencyP50, p.LatencyP90)
	}
	if cfg.out != "" {
		if err := os.MkdirAll(filepath.Dir(cfg.out), 0o755); err != nil {
			return err
		}
		bz, err := json.MarshalIndent(summary, "", "  ")
		if err != nil {
			return err
		}
		return os.WriteFile(cfg.out, append(bz, '\n'), 0o644)
	}
	return nil
}
