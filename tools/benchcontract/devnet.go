package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	cmttypes "github.com/cometbft/cometbft/types"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	confidentialtypes "github.com/phala-cosmos/phala-cosmos/x/confidential/types"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// devnet is the running devnet as the benchmark uses it: the CLI for what a
// user would type, node0's gRPC for polling, node0's websocket for blocks.
type devnet struct {
	home    string
	phalad  string
	chainID string
	rpcAddr string
	bob     string // bob's address, the bank sends' recipient

	grpc         *grpc.ClientConn
	confidential confidentialtypes.QueryClient
	registry     registrytypes.QueryClient
	blocks       *blockWatch
}

func openDevnet(ctx context.Context, home, phalad string) (*devnet, error) {
	appconfig.SetSDKConfig()
	home, err := filepath.Abs(home)
	if err != nil {
		return nil, err
	}
	if phalad, err = filepath.Abs(phalad); err != nil {
		return nil, err
	}
	if _, err := os.Stat(phalad); err != nil {
		return nil, fmt.Errorf("phalad: %w (build it with make build)", err)
	}
	var manifest struct {
		ChainID     string `json:"chain_id"`
		PortBase    int    `json:"port_base"`
		Gatekeepers int    `json:"gatekeepers"`
		Workers     int    `json:"workers"`
	}
	if err := readJSON(filepath.Join(home, "devnet.json"), &manifest); err != nil {
		return nil, fmt.Errorf("%w (is %s a devnet? scripts/bench-contract.sh starts one)", err, home)
	}
	if manifest.ChainID == "" || manifest.PortBase == 0 {
		return nil, fmt.Errorf("%s/devnet.json lacks chain_id or port_base", home)
	}
	if manifest.Gatekeepers < 1 || manifest.Workers < 1 {
		return nil, fmt.Errorf("the devnet at %s runs %d gatekeepers and %d workers; contracts need at least one of each (DEVNET_GATEKEEPERS, DEVNET_WORKERS)",
			home, manifest.Gatekeepers, manifest.Workers)
	}
	var accounts []struct{ Name, Address string }
	if err := readJSON(filepath.Join(home, "accounts.json"), &accounts); err != nil {
		return nil, err
	}
	d := &devnet{home: home, phalad: phalad, chainID: manifest.ChainID,
		rpcAddr: fmt.Sprintf("tcp://127.0.0.1:%d", manifest.PortBase+1)}
	for _, a := range accounts {
		if a.Name == "bob" {
			d.bob = a.Address
		}
	}
	if d.bob == "" {
		return nil, errors.New("accounts.json lacks bob")
	}
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	d.grpc, err = grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", manifest.PortBase+2),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(cdc.GRPCCodec())))
	if err != nil {
		return nil, err
	}
	d.confidential, d.registry = confidentialtypes.NewQueryClient(d.grpc), registrytypes.NewQueryClient(d.grpc)
	if d.blocks, err = watchBlocks(ctx, d.rpcAddr); err != nil {
		d.grpc.Close()
		return nil, fmt.Errorf("watching node0's blocks at %s: %w (is the devnet running?)", d.rpcAddr, err)
	}
	return d, nil
}

func (d *devnet) close() {
	d.blocks.stop()
	_ = d.grpc.Close()
}

func readJSON(path string, v any) error {
	bz, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(bz, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// cli runs `phalad --home HOME args...` and returns its standard output; a
// failure carries its standard error.
func (d *devnet) cli(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, d.phalad, append([]string{"--home", d.home}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("phalad %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// txResponse is the part of a CLI transaction answer (-o json) read here.
type txResponse struct {
	TxHash string `json:"txhash"`
	Code   int    `json:"code"`
	RawLog string `json:"raw_log"`
	Height string `json:"height"`
	Events []struct {
		Type       string `json:"type"`
		Attributes []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"attributes"`
	} `json:"events"`
}

// attribute is the value of the first attribute key of an event of type typ.
func (r txResponse) attribute(typ, key string) string {
	for _, e := range r.Events {
		if e.Type != typ {
			continue
		}
		for _, a := range e.Attributes {
			if a.Key == key {
				return a.Value
			}
		}
	}
	return ""
}

// submit runs a `phalad tx ... -y -o json` and returns the accepted
// transaction's hash; a refusal at CheckTx is an error.
func (d *devnet) submit(ctx context.Context, args ...string) (string, error) {
	out, err := d.cli(ctx, append(append([]string{"tx"}, args...), "-y", "-o", "json")...)
	if err != nil {
		return "", err
	}
	var res txResponse
	if err := json.Unmarshal([]byte(lastJSON(out)), &res); err != nil {
		return "", fmt.Errorf("phalad tx %s: unreadable answer %q: %w", strings.Join(args, " "), out, err)
	}
	if res.Code != 0 || res.TxHash == "" {
		return "", fmt.Errorf("phalad tx %s: refused (code %d): %s", strings.Join(args, " "), res.Code, res.RawLog)
	}
	return res.TxHash, nil
}

// sendAndWait submits a transaction with the CLI and waits with
// `q wait-tx` until it is in a block, failing if it failed there.
func (d *devnet) sendAndWait(ctx context.Context, args ...string) (txResponse, error) {
	hash, err := d.submit(ctx, args...)
	if err != nil {
		return txResponse{}, err
	}
	out, err := d.cli(ctx, "q", "wait-tx", hash, "--timeout", "60s", "-o", "json")
	if err != nil {
		return txResponse{}, err
	}
	var res txResponse
	if err := json.Unmarshal([]byte(lastJSON(out)), &res); err != nil {
		return res, fmt.Errorf("phalad q wait-tx %s: unreadable answer: %w", hash, err)
	}
	if res.Code != 0 {
		return res, fmt.Errorf("phalad tx %s: failed in its block (code %d): %s", strings.Join(args, " "), res.Code, res.RawLog)
	}
	return res, nil
}

// lastJSON is the last line of out that looks like a JSON object (the CLI
// may print notes before it).
func lastJSON(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(strings.TrimSpace(lines[i]), "{") {
			return strings.Join(lines[i:], "\n")
		}
	}
	return out
}

// blockWatch records when each block was reported committed by node0's
// websocket and which transactions it held.
type blockWatch struct {
	client *rpchttp.HTTP
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	latest  int64
	seen    map[int64]time.Time // height -> when the NewBlock event arrived
	txs     map[string]int64    // upper-case hex tx hash -> height
	changed chan struct{}       // closed and replaced at every block
	err     error               // the subscription ended
}

func watchBlocks(ctx context.Context, addr string) (*blockWatch, error) {
	c, err := rpchttp.New(addr, "/websocket")
	if err != nil {
		return nil, err
	}
	st, err := c.Status(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, err
	}
	subCtx, cancel := context.WithCancel(context.Background())
	events, err := c.Subscribe(subCtx, "benchcontract", "tm.event='NewBlock'", 100)
	if err != nil {
		cancel()
		_ = c.Stop()
		return nil, err
	}
	w := &blockWatch{client: c, cancel: cancel, done: make(chan struct{}), latest: st.SyncInfo.LatestBlockHeight,
		seen: map[int64]time.Time{}, txs: map[string]int64{}, changed: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			select {
			case <-subCtx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					w.fail(errors.New("node0's websocket closed the block subscription"))
					return
				}
				nb, ok := ev.Data.(cmttypes.EventDataNewBlock)
				if !ok {
					continue
				}
				w.add(nb.Block, time.Now())
			}
		}
	}()
	return w, nil
}

func (w *blockWatch) add(b *cmttypes.Block, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen[b.Height] = at
	for _, tx := range b.Txs {
		w.txs[strings.ToUpper(hex.EncodeToString(tx.Hash()))] = b.Height
	}
	w.latest = max(w.latest, b.Height)
	close(w.changed)
	w.changed = make(chan struct{})
}

func (w *blockWatch) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.err = err
	close(w.changed)
	w.changed = make(chan struct{})
}

func (w *blockWatch) stop() {
	w.cancel()
	<-w.done
	_ = w.client.UnsubscribeAll(context.Background(), "benchcontract")
	_ = w.client.Stop()
}

// head is the latest committed height seen.
func (w *blockWatch) head() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.latest
}

// waitFor waits until found (called under the lock) reports true, or the
// timeout passes.
func (w *blockWatch) waitFor(ctx context.Context, timeout time.Duration, what string, found func() bool) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		ok, err, changed := found(), w.err, w.changed
		w.mu.Unlock()
		switch {
		case ok:
			return nil
		case err != nil:
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("%s: not seen within %s", what, timeout)
		case <-changed:
		}
	}
}

// txBlock waits until a block holding the transaction is committed and
// returns its height and when node0 reported it.
func (w *blockWatch) txBlock(ctx context.Context, hash string, timeout time.Duration) (int64, time.Time, error) {
	var h int64
	var at time.Time
	err := w.waitFor(ctx, timeout, "transaction "+hash+" in a block", func() bool {
		var ok bool
		if h, ok = w.txs[strings.ToUpper(hash)]; ok {
			at = w.seen[h]
		}
		return ok
	})
	return h, at, err
}

// blockTime waits until block height is committed and returns when node0
// reported it.
func (w *blockWatch) blockTime(ctx context.Context, height int64, timeout time.Duration) (time.Time, error) {
	var at time.Time
	err := w.waitFor(ctx, timeout, fmt.Sprintf("block %d", height), func() bool {
		var ok bool
		at, ok = w.seen[height]
		return ok
	})
	return at, err
}

// intervals are the times between consecutive blocks seen from height from on.
func (w *blockWatch) intervals(from int64) []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []time.Duration
	for h := from + 1; h <= w.latest; h++ {
		a, okA := w.seen[h-1]
		b, okB := w.seen[h]
		if okA && okB {
			out = append(out, b.Sub(a))
		}
	}
	return out
}

// callLog follows the devnet's sidecar logs (workers/*/worker.log) and
// records when each "ran call N of contract C at height H" line appeared:
// the sidecar prints it as soon as its enclave has run the call.
type callLog struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu  sync.Mutex
	ran map[string]ranCall // "contract/sequence" -> when and at which height
}

type ranCall struct {
	at     time.Time
	height int64 // the height the call was proven at
}

var ranLine = regexp.MustCompile(`^ran call (\d+) of contract (\S+) at height (\d+)`)

// followCallLogs starts following every sidecar log under home/workers; it
// reads what the files hold already, then polls them every 10 ms.
func followCallLogs(home string) (*callLog, error) {
	paths, err := filepath.Glob(filepath.Join(home, "workers", "*", "worker.log"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no sidecar logs under %s/workers", home)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &callLog{cancel: cancel, done: make(chan struct{}), ran: map[string]ranCall{}}
	offsets := make([]int64, len(paths))
	partial := make([]string, len(paths))
	go func() {
		defer close(l.done)
		buf := make([]byte, 64<<10)
		for ctx.Err() == nil {
			for i, p := range paths {
				f, err := os.Open(p)
				if err != nil {
					continue
				}
				for {
					n, _ := f.ReadAt(buf, offsets[i])
					if n == 0 {
						break
					}
					offsets[i] += int64(n)
					lines := strings.Split(partial[i]+string(buf[:n]), "\n")
					partial[i] = lines[len(lines)-1]
					l.add(lines[:len(lines)-1], time.Now())
				}
				f.Close()
			}
			_ = sleep(ctx, 10*time.Millisecond)
		}
	}()
	return l, nil
}

func (l *callLog) add(lines []string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range lines {
		if m := ranLine.FindStringSubmatch(line); m != nil {
			h, _ := strconv.ParseInt(m[3], 10, 64)
			l.ran[m[2]+"/"+m[1]] = ranCall{at: at, height: h}
		}
	}
}

// lookup is when the sidecar reported having run call seq of contract.
func (l *callLog) lookup(contract string, seq uint64) (ranCall, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.ran[fmt.Sprintf("%s/%d", contract, seq)]
	return r, ok
}

func (l *callLog) stop() {
	l.cancel()
	<-l.done
}
