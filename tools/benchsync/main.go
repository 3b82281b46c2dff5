// Command benchsync times enclave header sync through the real sidecar on a
// running devnet: a fresh phala-enclave (sim backend) anchored at block 1
// is caught up to the node's head by `phala-worker --once`, which fetches
// light blocks over CometBFT RPC, sends them to the enclave in batches and
// delivers the worker's ingress message with its proof.
//
// scripts/bench-sync.sh runs it in two steps on a fresh devnet:
//
//	benchsync prepare --home D ...   # early: the enclave's identity, registered on chain
//	benchsync measure --home D ...   # once the chain is long: the timed catch-ups
//
// prepare creates the enclave's sealed keys once (the "pristine" state
// directory) and registers that identity through the sidecar, so the
// registration's ingress message lies early in the chain. Every measured run
// starts a new enclave process from a copy of the pristine state: same
// identity, nothing synced, one ingress message waiting.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/phala-cosmos/phala-cosmos/tools/internal/benchutil"
)

const usage = `benchsync: time enclave header sync through phala-worker on a devnet.

Usage:
  benchsync prepare --home DEVNET [flags]
  benchsync measure --home DEVNET --baseline FILE [--runs N] [--concurrency 1,8] [--json FILE] [flags]

Flags:
`

func main() {
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "benchsync:", err)
		os.Exit(1)
	}
}

// config holds the flags of both subcommands.
type config struct {
	home        string
	enclaveBin  string
	workerBin   string
	from        string
	node        int
	runs        int
	concurrency benchutil.Ints
	baseline    string
	minBlocks   int64
	out         string
}

func run(args []string) error {
	if len(args) == 0 || (args[0] != "prepare" && args[0] != "measure") {
		fmt.Fprint(os.Stderr, usage)
		return errors.New("the first argument must be prepare or measure")
	}
	cmd := args[0]
	cfg := config{concurrency: benchutil.Ints{1, 8}}
	fs := flag.NewFlagSet("benchsync "+cmd, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage); fs.PrintDefaults() }
	fs.StringVar(&cfg.home, "home", "build/bench-sync", "the running devnet's directory")
	fs.StringVar(&cfg.enclaveBin, "enclave", "build/phala-enclave", "phala-enclave binary")
	fs.StringVar(&cfg.workerBin, "worker", "build/phala-worker", "phala-worker binary")
	fs.StringVar(&cfg.from, "from", "carol", "operator key (devnet keyring) that registers the worker")
	fs.IntVar(&cfg.node, "node", 0, "index of the node whose RPC the sidecar uses")
	fs.IntVar(&cfg.runs, "runs", 3, "measure: timed catch-ups per concurrency (medians are reported)")
	fs.Var(&cfg.concurrency, "concurrency", "measure: comma-separated --fetch-concurrency values to compare (1 = one light block at a time)")
	fs.StringVar(&cfg.baseline, "baseline", "", "measure: `go test -bench` output of enclave/lightclient from the same session (ed25519 and light-client baselines)")
	fs.Int64Var(&cfg.minBlocks, "min-blocks", 10000, "measure: refuse a chain shorter than this")
	fs.StringVar(&cfg.out, "json", "", "measure: write the results as JSON to this file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if cfg.runs < 1 || len(cfg.concurrency) == 0 {
		return errors.New("--runs and --concurrency must be positive")
	}
	net, err := openDevnet(cfg.home, cfg.node)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	b := &bench{cfg: cfg, net: net, work: filepath.Join(net.home, "enclaves")}
	if cmd == "prepare" {
		return b.prepare(ctx)
	}
	return b.measure(ctx)
}

// devnet is the running devnet as the benchmark uses it.
type devnet struct {
	home    string
	chainID string
	rpc     string // the sidecar's node, tcp://127.0.0.1:port
	rpcHTTP string // the same, http://
	genesis string
	pidDir  []string // node homes, each holding phalad.pid
}

func openDevnet(home string, node int) (*devnet, error) {
	home, err := filepath.Abs(home)
	if err != nil {
		return nil, err
	}
	var manifest struct {
		ChainID    string `json:"chain_id"`
		Validators int    `json:"validators"`
		Candidates int    `json:"candidates"`
		PortBase   int    `json:"port_base"`
	}
	bz, err := os.ReadFile(filepath.Join(home, "devnet.json"))
	if err != nil {
		return nil, fmt.Errorf("%w (is %s a devnet?)", err, home)
	}
	if err := json.Unmarshal(bz, &manifest); err != nil {
		return nil, err
	}
	nodes := manifest.Validators + manifest.Candidates
	if node < 0 || node >= nodes {
		return nil, fmt.Errorf("--node %d: the devnet has nodes 0..%d", node, nodes-1)
	}
	port := manifest.PortBase + 10*node + 1
	d := &devnet{home: home, chainID: manifest.ChainID,
		rpc: fmt.Sprintf("tcp://127.0.0.1:%d", port), rpcHTTP: fmt.Sprintf("http://127.0.0.1:%d", port),
		genesis: filepath.Join(home, "node0", "config", "genesis.json")}
	for i := range nodes {
		d.pidDir = append(d.pidDir, filepath.Join(home, fmt.Sprintf("node%d", i)))
	}
	return d, nil
}

// nodePIDs are the pids of the devnet's running nodes.
func (d *devnet) nodePIDs() []int {
	var pids []int
	for _, dir := range d.pidDir {
		bz, err := os.ReadFile(filepath.Join(dir, "phalad.pid"))
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(bz))); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// bench runs the enclave and the sidecar against the devnet.
type bench struct {
	cfg  config
	net  *devnet
	work string // state directories of the enclaves
}

func (b *bench) pristine() string { return filepath.Join(b.work, "pristine") }

// prepare creates the pristine enclave state (sealed keys, nothing synced)
// and registers its identity through the sidecar.
func (b *bench) prepare(ctx context.Context) error {
	if err := os.RemoveAll(b.work); err != nil {
		return err
	}
	anchor, err := b.net.blockHash(ctx, 1)
	if err != nil {
		return err
	}
	e, err := startEnclave(ctx, b.cfg.enclaveBin, b.pristine(), b.net, anchor)
	if err != nil {
		return err
	}
	fmt.Printf("enclave identity %s (state in %s)\n", e.identity, b.pristine())
	if err := e.stop(); err != nil {
		return err
	}
	r, err := b.catchUp(ctx, "register", 1, anchor)
	if err != nil {
		return err
	}
	fmt.Printf("registered through the sidecar and caught up to %d in %.1f s; its ingress message 1 is on chain\n", r.Head, r.TotalS)
	return nil
}

// measure runs the timed catch-ups, round-robin over the concurrencies so
// that drift in the machine's load spreads over all of them.
func (b *bench) measure(ctx context.Context) error {
	if b.cfg.baseline == "" {
		return errors.New("--baseline is required")
	}
	base, err := readBaseline(b.cfg.baseline)
	if err != nil {
		return err
	}
	if _, err := os.Stat(b.pristine()); err != nil {
		return fmt.Errorf("no prepared enclave (%w); run benchsync prepare first", err)
	}
	head, err := b.net.height(ctx)
	if err != nil {
		return err
	}
	if head < b.cfg.minBlocks {
		return fmt.Errorf("the chain is at %d, shorter than --min-blocks %d", head, b.cfg.minBlocks)
	}
	needed, total, err := b.net.signaturesNeeded(ctx, head)
	if err != nil {
		return err
	}
	anchor, err := b.net.blockHash(ctx, 1)
	if err != nil {
		return err
	}
	rep := newReport(b.net, base, needed, total)
	fmt.Printf("%d validators, %d signatures needed per header; bare ed25519 limit %.0f headers/s on one core\n",
		total, needed, rep.SignatureLimit)
	for round := 1; round <= b.cfg.runs; round++ {
		for _, c := range b.cfg.concurrency {
			r, err := b.catchUp(ctx, fmt.Sprintf("run-c%d-%d", c, round), c, anchor)
			if err != nil {
				return fmt.Errorf("run %d, concurrency %d: %w", round, c, err)
			}
			fmt.Printf("run %d  concurrency %-3d %6d headers in %6.2f s = %7.1f headers/s | catch-up %6.2f s = %7.1f blocks/s with 1 message | cpu s: sidecar %.2f enclave %.2f nodes %.2f\n",
				round, c, r.Head, r.HeaderS, r.HeadersPerS, r.CatchUpS, r.BlocksPerS, r.CPU.Sidecar, r.CPU.Enclave, r.CPU.Nodes)
			rep.add(r)
		}
	}
	rep.summarize()
	rep.print(os.Stdout)
	if b.cfg.out != "" {
		if err := rep.write(b.cfg.out); err != nil {
			return err
		}
		fmt.Printf("results written to %s\n", b.cfg.out)
	}
	return nil
}

// catchUp starts an enclave from a copy of the pristine state and times
// `phala-worker --once` bringing it from nothing to the node's head.
func (b *bench) catchUp(ctx context.Context, name string, concurrency int, anchor string) (catchUpRun, error) {
	dir := filepath.Join(b.work, name)
	if err := os.RemoveAll(dir); err != nil {
		return catchUpRun{}, err
	}
	if err := copyDir(b.pristine(), dir); err != nil {
		return catchUpRun{}, err
	}
	defer os.RemoveAll(dir)
	e, err := startEnclave(ctx, b.cfg.enclaveBin, dir, b.net, anchor)
	if err != nil {
		return catchUpRun{}, err
	}
	defer e.stop()
	return timeSidecar(ctx, b.cfg.workerBin, b.net, b.cfg.from, e, concurrency)
}

// waitCtx sleeps for d unless ctx ends first.
func waitCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
