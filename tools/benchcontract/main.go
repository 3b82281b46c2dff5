// Command benchcontract measures confidential contracts end to end on a
// running devnet (scripts/bench-contract.sh starts a fresh one and runs it):
//
//  1. the baseline: bank sends through the CLI, one after another, from
//     submission to the committed block;
//  2. confidential commands to the hello contract through the CLI, from
//     submitting `tx confidential execute` to `q confidential result --from`
//     printing the decrypted output;
//  3. encrypted queries to the contract's worker (POST /v1/query), sealed and
//     opened in process with enclave/query as the CLI does, against status
//     queries to the same endpoint as the baseline.
//
// All three run in every round on the same devnet; medians over the rounds
// are reported.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/phala-cosmos/phala-cosmos/tools/internal/benchutil"
)

const usage = `benchcontract: confidential contracts on a running devnet, end to end.

Usage:
  benchcontract --home DEVNET [--rounds 2] [--sends 20] [--commands 20]
                [--query-duration 10s] [--query-concurrency 1,4] [--json FILE]

It needs a devnet made by 'phalad devnet' with a gatekeeper and at least one
worker (make bench-contract starts a fresh one under build/bench-contract), and
build/contracts/hello.wasm (make contracts).

Set-up, with the CLI (phalad --home DEVNET ...), as a user would:
  store-code the hello contract, wait for the master key, instantiate it
  ({"count":0}) and wait until its key is published and its init is applied.

Then, in every round, one after another on the same devnet:
  sends     N 'tx bank send alice BOB 1upha' (the baseline): time from starting
            the CLI to the block holding the transaction being committed
            (node0's websocket), and that block's height minus the head at
            submission.
  commands  N 'tx confidential execute CONTRACT {"increment":{"by":1}}': time
            from starting the CLI until 'q confidential result TXHASH --from
            alice' has printed the decrypted output (the tool polls the chain
            over gRPC every 100 ms and runs that CLI as soon as the result is
            applied); blocks = the height that applied the result minus the
            height that included the transaction. The decrypted count is checked.
            Phases on the way: the CLI returned, the tx's block, the sidecar's
            "ran call" line (workers/*/worker.log, read every 10 ms), the
            result's block.
  queries   for each concurrency: a status query (the baseline: no contract
            runtime), then the contract query {"get_count":{}}, each for
            --query-duration, POSTed to the endpoint the contract's worker
            registered; requests are sealed and answers opened in process with
            enclave/query, exactly as 'q confidential query' does (one reused
            HTTP connection per client instead of a process per query).
Each send and command first waits a random time in [0, --jitter): with the
default, auto, --jitter is the median block interval seen during set-up, so
that submissions fall uniformly over the block interval (each one starts
right after the previous one finished, just after some block).

Times are wall-clock on this machine; percentiles are nearest-rank over the
round's samples. The summary is the median over the rounds of each figure;
the same figures pooled over all rounds' samples follow it.

Flags:
`

func main() {
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "benchcontract:", err)
		os.Exit(1)
	}
}

// config holds the flags.
type config struct {
	home             string
	phalad           string
	wasm             string
	rounds           int
	sends            int
	commands         int
	queryDuration    time.Duration
	queryConcurrency benchutil.Ints
	jitter           jitterFlag
	setupTimeout     time.Duration
	out              string
}

func run(args []string) error {
	cfg := config{queryConcurrency: benchutil.Ints{1, 4}, jitter: jitterFlag{auto: true}}
	fs := flag.NewFlagSet("benchcontract", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage); fs.PrintDefaults() }
	fs.StringVar(&cfg.home, "home", "build/bench-contract", "the running devnet's directory (devnet.json, accounts.json, the CLI's keyring)")
	fs.StringVar(&cfg.phalad, "phalad", "build/phalad", "the phalad binary the CLI steps run")
	fs.StringVar(&cfg.wasm, "wasm", "build/contracts/hello.wasm", "the hello contract (make contracts)")
	fs.IntVar(&cfg.rounds, "rounds", 2, "rounds of sends, commands and queries (medians are reported)")
	fs.IntVar(&cfg.sends, "sends", 20, "bank sends per round (the latency baseline)")
	fs.IntVar(&cfg.commands, "commands", 20, "confidential commands per round")
	fs.DurationVar(&cfg.queryDuration, "query-duration", 10*time.Second, "length of each query run (per kind and concurrency); 0 skips the queries")
	fs.Var(&cfg.queryConcurrency, "query-concurrency", "comma-separated numbers of concurrent query clients")
	fs.Var(&cfg.jitter, "jitter", "random wait of up to this long before each send and command: a duration (0: none) or auto (one block interval)")
	fs.DurationVar(&cfg.setupTimeout, "setup-timeout", 5*time.Minute, "how long to wait for the master key, the workers and the contract's init")
	fs.StringVar(&cfg.out, "json", "", "write the results as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.rounds < 1 || cfg.sends < 1 || cfg.commands < 1 || cfg.queryDuration < 0 {
		return errors.New("--rounds, --sends and --commands must be positive, --query-duration not negative")
	}
	if cfg.queryDuration > 0 && len(cfg.queryConcurrency) == 0 {
		return errors.New("--query-concurrency is empty")
	}
	if _, err := os.Stat(cfg.wasm); err != nil {
		return fmt.Errorf("the hello contract: %w (build it with make contracts)", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	net, err := openDevnet(ctx, cfg.home, cfg.phalad)
	if err != nil {
		return err
	}
	defer net.close()
	b := &bench{cfg: cfg, net: net}
	defer func() {
		if b.calls != nil {
			b.calls.stop()
		}
	}()
	rep := newReport(net, cfg)
	fmt.Printf("devnet %s (chain %s, node0 RPC %s), phalad %s\n", net.home, net.chainID, net.rpcAddr, net.phalad)
	if err := b.setup(ctx); err != nil {
		return fmt.Errorf("set-up: %w", err)
	}
	rep.Contract, rep.Worker, rep.Endpoint = b.contract, b.worker.identityHex(), b.worker.endpoint
	rep.Config.JitterMax = b.jitterMax.String()
	for r := 1; r <= cfg.rounds; r++ {
		rd, err := b.round(ctx, r)
		if err != nil {
			return fmt.Errorf("round %d: %w", r, err)
		}
		rep.Rounds = append(rep.Rounds, rd)
		rd.print(os.Stdout)
	}
	rep.summarize()
	rep.print(os.Stdout)
	if cfg.out != "" {
		if err := rep.write(cfg.out); err != nil {
			return err
		}
		fmt.Printf("results written to %s\n", cfg.out)
	}
	return nil
}

// jitterFlag is a duration or "auto".
type jitterFlag struct {
	auto bool
	d    time.Duration
}

func (j *jitterFlag) String() string {
	if j.auto {
		return "auto"
	}
	return j.d.String()
}

func (j *jitterFlag) Set(s string) error {
	if s == "auto" {
		*j = jitterFlag{auto: true}
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("%q is neither auto nor a duration of at least 0", s)
	}
	*j = jitterFlag{d: d}
	return nil
}
