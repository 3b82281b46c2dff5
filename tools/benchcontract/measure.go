package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/query"
	"github.com/phala-cosmos/phala-cosmos/tools/internal/benchutil"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/client/cli"
	confidentialtypes "github.com/phala-cosmos/phala-cosmos/x/confidential/types"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

const (
	command      = `{"increment":{"by":1}}`
	contractInit = `{"count":0}`
	countQuery   = `{"get_count":{}}`
	sender       = "alice"
	// Waits for one step of one sample; far above anything normal.
	inclusionTimeout = 60 * time.Second
	resultTimeout    = 120 * time.Second
)

// bench is the benchmark's state on the devnet.
type bench struct {
	cfg      config
	net      *devnet
	contract string
	worker   worker
	count    uint64 // the contract's counter once every command sent so far is applied
	calls    *callLog
	// jitterMax bounds the random wait before each send and command.
	jitterMax time.Duration
}

// worker is the contract's worker as a query client needs it (from its
// registration on chain).
type worker struct {
	identity, ecdh []byte
	endpoint       string
}

func (w worker) identityHex() string { return hex.EncodeToString(w.identity) }

// setup stores the hello contract, waits for the master key, instantiates
// the contract and waits until its key is published and its init applied.
func (b *bench) setup(ctx context.Context) error {
	start := time.Now()
	deadline := start.Add(b.cfg.setupTimeout)
	fmt.Printf("storing %s with the CLI\n", b.cfg.wasm)
	res, err := b.net.sendAndWait(ctx, "confidential", "store-code", b.cfg.wasm, "--from", sender, "--gas", "auto", "--gas-adjustment", "1.3")
	if err != nil {
		return err
	}
	codeID := res.attribute("store_code", "code_id")
	if codeID == "" {
		return errors.New("store-code: the transaction has no store_code event with a code_id")
	}
	fmt.Printf("code %s stored at height %s\n", codeID, res.Height)

	lastNote := time.Time{}
	for {
		mk, err := b.net.registry.MasterKey(ctx, &registrytypes.QueryMasterKeyRequest{})
		if err == nil && len(mk.MasterKey.PublicKey) == 32 {
			fmt.Printf("master key generation %d published at height %d\n", mk.MasterKey.Generation, mk.MasterKey.PublishedHeight)
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no master key after %s (the devnet's gatekeeper publishes it about a minute after start; see %s/workers/gatekeeper0/*.log)", b.cfg.setupTimeout, b.net.home)
		}
		if time.Since(lastNote) >= 15*time.Second {
			fmt.Printf("waiting for the gatekeeper to publish the master key (height %d, %.0f s since set-up started)\n", b.net.blocks.head(), time.Since(start).Seconds())
			lastNote = time.Now()
		}
		if err := sleep(ctx, 2*time.Second); err != nil {
			return err
		}
	}

	var initTx string
	for {
		res, err = b.net.sendAndWait(ctx, "confidential", "instantiate", codeID, contractInit, "--label", "bench-counter",
			"--from", sender, "--gas", "auto", "--gas-adjustment", "1.5")
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "no registered worker is in service") || time.Now().After(deadline) {
			return err
		}
		fmt.Println("no worker is in service yet; instantiating again in 5 s")
		if err := sleep(ctx, 5*time.Second); err != nil {
			return err
		}
	}
	b.contract, initTx = res.attribute("instantiate", "contract"), res.TxHash
	if b.contract == "" {
		return errors.New("instantiate: the transaction has no instantiate event with the contract's address")
	}
	fmt.Printf("contract %s instantiated at height %s; waiting for its key and its init\n", b.contract, res.Height)

	var c *confidentialtypes.Contract
	for {
		cr, err := b.net.confidential.Contract(ctx, &confidentialtypes.QueryContractRequest{Address: b.contract})
		if err != nil {
			return fmt.Errorf("contract %s: %w", b.contract, err)
		}
		call, err := b.net.confidential.CallByTx(ctx, &confidentialtypes.QueryCallByTxRequest{TxHash: initTx})
		if err != nil {
			return fmt.Errorf("the init's call: %w", err)
		}
		if cr.Contract.Key != nil && call.Result != nil {
			if call.Result.Error != "" {
				return fmt.Errorf("the contract's init failed: %s", call.Result.Error)
			}
			c = &cr.Contract
			fmt.Printf("key published at height %d, init applied at height %d\n", c.Key.PublishedHeight, call.Result.Height)
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("contract %s: key published %v, init applied %v after %s", b.contract, cr.Contract.Key != nil, call.Result != nil, b.cfg.setupTimeout)
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
	if len(c.Workers) == 0 {
		return fmt.Errorf("contract %s is scheduled on no worker", b.contract)
	}
	wr, err := b.net.registry.Worker(ctx, &registrytypes.QueryWorkerRequest{IdentityPubkey: hex.EncodeToString(c.Workers[0])})
	if err != nil {
		return fmt.Errorf("the contract's worker %x: %w", c.Workers[0], err)
	}
	if wr.Worker.Endpoint == "" {
		return fmt.Errorf("the contract's worker %x registered no endpoint", c.Workers[0])
	}
	b.worker = worker{identity: wr.Worker.IdentityPubkey, ecdh: wr.Worker.EcdhPubkey, endpoint: wr.Worker.Endpoint}

	if b.calls, err = followCallLogs(b.net.home); err != nil {
		fmt.Fprintf(os.Stderr, "warning: %v; the time a call ran in the enclave will not be reported\n", err)
	}

	// The user's way once, to show the in-process client asks the same thing.
	out, err := b.net.cli(ctx, "q", "confidential", "query", b.contract, countQuery, "-o", "json")
	if err != nil {
		return err
	}
	var answer cli.QueryAnswer
	if err := json.Unmarshal([]byte(lastJSON(out)), &answer); err != nil {
		return fmt.Errorf("q confidential query: unreadable answer %q: %w", out, err)
	}
	fmt.Printf("worker %s at %s; q confidential query answers %s (calls applied %d)\n", answer.Worker, b.worker.endpoint, answer.Output, answer.CallsApplied)
	b.jitterMax = b.cfg.jitter.d
	if b.cfg.jitter.auto {
		b.jitterMax = time.Duration(medianMs(b.net.blocks.intervals(0)) * float64(time.Millisecond)).Round(time.Millisecond)
	}
	fmt.Printf("set-up took %.0f s; each send and command waits a random time below %s first\n", time.Since(start).Seconds(), b.jitterMax)
	return nil
}

// round runs the sends, the commands and the queries once.
func (b *bench) round(ctx context.Context, n int) (*round, error) {
	r := &round{Round: n, LoadAvg: loadAvg()}
	from := b.net.blocks.head()
	fmt.Printf("\n== round %d/%d (load average %s)\n", n, b.cfg.rounds, r.LoadAvg)
	var err error
	if r.CLIStartMs, err = b.cliStart(ctx); err != nil {
		return nil, err
	}
	fmt.Printf("phalad start-up ('phalad version'): %.0f ms (median of 5)\n", r.CLIStartMs)

	fmt.Printf("baseline: %d bank sends (alice -> bob, 1upha), one after another\n", b.cfg.sends)
	for i := 1; i <= b.cfg.sends; i++ {
		s, err := b.send(ctx)
		if err != nil {
			return nil, fmt.Errorf("send %d: %w", i, err)
		}
		r.Sends = append(r.Sends, s)
		fmt.Printf("  send %2d/%d: included at %d (+%d blocks) after %5.0f ms (CLI returned after %4.0f ms)\n",
			i, b.cfg.sends, s.Height, s.Blocks, s.InclusionMs, s.SubmitMs)
	}

	fmt.Printf("confidential commands: %d x execute %s, then q confidential result --from %s\n", b.cfg.commands, command, sender)
	for i := 1; i <= b.cfg.commands; i++ {
		c, err := b.execute(ctx)
		if err != nil {
			return nil, fmt.Errorf("command %d: %w", i, err)
		}
		r.Commands = append(r.Commands, c)
		ran := "?"
		if c.RanMs != nil {
			ran = fmt.Sprintf("%5.0f ms (proven at %d)", *c.RanMs, c.RanHeight)
		}
		fmt.Printf("  command %2d/%d: tx at %d, result at %d (+%d blocks); included %5.0f ms, ran %s, result on chain %5.0f ms, decrypted %5.0f ms (count %d)\n",
			i, b.cfg.commands, c.TxHeight, c.ResultHeight, c.ResultBlocks, c.InclusionMs, ran, c.OnChainMs, c.TotalMs, c.Count)
	}

	if b.cfg.queryDuration > 0 {
		fmt.Printf("queries to worker %s at %s, %s each\n", b.worker.identityHex()[:16], b.worker.endpoint, b.cfg.queryDuration)
		for _, c := range b.cfg.queryConcurrency {
			for _, kind := range []string{kindStatus, kindContract} {
				q, err := b.queries(ctx, kind, c)
				if err != nil {
					return nil, fmt.Errorf("%s queries at concurrency %d: %w", kind, c, err)
				}
				r.Queries = append(r.Queries, q)
				fmt.Printf("  %-8s concurrency %d: %5d queries in %4.1f s = %7.1f/s; p50 %7.2f ms, p90 %7.2f ms, p99 %7.2f ms, max %7.2f ms; %d errors\n",
					q.Kind, q.Concurrency, q.Queries, q.Seconds, q.PerS, q.P50Ms, q.P90Ms, q.P99Ms, q.MaxMs, q.Errors)
			}
		}
	}
	r.BlockIntervalMs = medianMs(b.net.blocks.intervals(from))
	r.summarize()
	return r, nil
}

// cliStart is the median wall time of `phalad version`: the CLI's process
// start-up, paid by every CLI step.
func (b *bench) cliStart(ctx context.Context) (float64, error) {
	var xs []float64
	for range 5 {
		t0 := time.Now()
		if _, err := b.net.cli(ctx, "version"); err != nil {
			return 0, err
		}
		xs = append(xs, ms(time.Since(t0)))
	}
	return benchutil.Median(xs), nil
}

// jitter waits a random time below b.jitterMax, so that submissions fall
// anywhere in the block interval rather than just after a block.
func (b *bench) jitter(ctx context.Context) error {
	if b.jitterMax <= 0 {
		return nil
	}
	return sleep(ctx, rand.N(b.jitterMax))
}

// send submits one bank send with the CLI and times it to its block.
func (b *bench) send(ctx context.Context) (sendSample, error) {
	if err := b.jitter(ctx); err != nil {
		return sendSample{}, err
	}
	head := b.net.blocks.head()
	t0 := time.Now()
	hash, err := b.net.submit(ctx, "bank", "send", sender, b.net.bob, "1upha", "--gas", "auto", "--gas-adjustment", "1.5")
	if err != nil {
		return sendSample{}, err
	}
	submitted := time.Now()
	h, at, err := b.net.blocks.txBlock(ctx, hash, inclusionTimeout)
	if err != nil {
		return sendSample{}, err
	}
	return sendSample{TxHash: hash, Height: h, Blocks: h - head, SubmitMs: ms(submitted.Sub(t0)), InclusionMs: ms(at.Sub(t0))}, nil
}

// execute sends one confidential command with the CLI, waits until its
// result is applied (polling the chain every 100 ms) and decrypts it with
// the CLI.
func (b *bench) execute(ctx context.Context) (commandSample, error) {
	if err := b.jitter(ctx); err != nil {
		return commandSample{}, err
	}
	head := b.net.blocks.head()
	t0 := time.Now()
	hash, err := b.net.submit(ctx, "confidential", "execute", b.contract, command, "--from", sender, "--gas", "auto", "--gas-adjustment", "1.5")
	if err != nil {
		return commandSample{}, err
	}
	submitted := time.Now()
	txHeight, included, err := b.net.blocks.txBlock(ctx, hash, inclusionTimeout)
	if err != nil {
		return commandSample{}, err
	}
	var result *confidentialtypes.Result
	deadline := time.Now().Add(resultTimeout)
	for {
		res, err := b.net.confidential.CallByTx(ctx, &confidentialtypes.QueryCallByTxRequest{TxHash: hash})
		if err == nil && res.Result != nil {
			result = res.Result
			if res.Contract != b.contract {
				return commandSample{}, fmt.Errorf("transaction %s queued a call of %s, not of %s", hash, res.Contract, b.contract)
			}
			break
		}
		if time.Now().After(deadline) {
			return commandSample{}, fmt.Errorf("no result for %s (included at %d) within %s (last error: %v); see %s/workers/*/worker.log",
				hash, txHeight, resultTimeout, err, b.net.home)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return commandSample{}, err
		}
	}
	seen := time.Now()
	onChain, err := b.net.blocks.blockTime(ctx, result.Height, inclusionTimeout)
	if err != nil {
		return commandSample{}, err
	}
	out, err := b.net.cli(ctx, "q", "confidential", "result", hash, "--from", sender, "-o", "json")
	if err != nil {
		return commandSample{}, err
	}
	done := time.Now()
	var dec cli.DecryptedResult
	if err := json.Unmarshal([]byte(lastJSON(out)), &dec); err != nil {
		return commandSample{}, fmt.Errorf("q confidential result: unreadable answer %q: %w", out, err)
	}
	if dec.Error != "" {
		return commandSample{}, fmt.Errorf("the command failed in the enclave: %s (%s)", dec.Error, dec.ErrorDetail)
	}
	var got struct {
		Count uint64 `json:"count"`
	}
	if err := json.Unmarshal(dec.Output, &got); err != nil {
		return commandSample{}, fmt.Errorf("decrypted output %s: %w", dec.Output, err)
	}
	if got.Count != b.count+1 {
		return commandSample{}, fmt.Errorf("decrypted count %d, want %d", got.Count, b.count+1)
	}
	b.count++
	c := commandSample{TxHash: hash, Sequence: result.Sequence, TxHeight: txHeight, ResultHeight: result.Height, Count: got.Count, FuelUsed: result.FuelUsed,
		InclusionBlocks: txHeight - head, ResultBlocks: result.Height - txHeight,
		SubmitMs: ms(submitted.Sub(t0)), InclusionMs: ms(included.Sub(t0)), OnChainMs: ms(onChain.Sub(t0)),
		SeenMs: ms(seen.Sub(t0)), DecryptCLIMs: ms(done.Sub(seen)), TotalMs: ms(done.Sub(t0))}
	if b.calls != nil {
		if ran, ok := b.calls.lookup(b.contract, result.Sequence); ok {
			x := ms(ran.at.Sub(t0))
			c.RanMs, c.RanHeight = &x, ran.height
		}
	}
	return c, nil
}

const (
	kindStatus   = "status"
	kindContract = "contract"
)

// ask seals one query to the worker, POSTs it and opens the answer, as
// `q confidential query` and `q enclave` do, and checks what it says.
func (b *bench) ask(ctx context.Context, client *http.Client, kind string) (fuel uint64, err error) {
	q := &enclaveapi.QueryRequest{Query: &enclaveapi.QueryRequest_Status{Status: &enclaveapi.StatusQuery{}}}
	if kind == kindContract {
		contract, err := sdkAddress(b.contract)
		if err != nil {
			return 0, err
		}
		q = &enclaveapi.QueryRequest{Query: &enclaveapi.QueryRequest_Contract{Contract: &enclaveapi.ContractQuery{Contract: contract, Msg: []byte(countQuery)}}}
	}
	req, err := query.NewRequest(b.net.chainID, b.worker.identity, b.worker.ecdh, q)
	if err != nil {
		return 0, err
	}
	sealed, err := query.Post(ctx, client, b.worker.endpoint, req.Bytes())
	if err != nil {
		return 0, err
	}
	resp, err := req.Open(sealed)
	if err != nil {
		return 0, err
	}
	if msg := resp.GetError(); msg != "" {
		return 0, errors.New(msg)
	}
	if kind == kindStatus {
		if st := resp.GetStatus(); st == nil || !st.Registered {
			return 0, fmt.Errorf("status answer %v: not a registered enclave's status", resp)
		}
		return 0, nil
	}
	r := resp.GetContract()
	if r == nil {
		return 0, errors.New("the worker answered something other than a contract query")
	}
	if r.Error != "" {
		return 0, fmt.Errorf("the contract refused the query: %s", r.Error)
	}
	var got struct {
		Count uint64 `json:"count"`
	}
	if err := json.Unmarshal(r.Output, &got); err != nil || got.Count != b.count {
		return 0, fmt.Errorf("query answer %s (%v), want count %d", r.Output, err, b.count)
	}
	return r.FuelUsed, nil
}

// queries runs `concurrency` clients asking the worker for cfg.queryDuration.
func (b *bench) queries(ctx context.Context, kind string, concurrency int) (queryRun, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = concurrency
	client := &http.Client{Timeout: 30 * time.Second, Transport: transport}
	defer transport.CloseIdleConnections()
	// Warm up: connections, and the worker's compiled module.
	for range 3 {
		if _, err := b.ask(ctx, client, kind); err != nil {
			return queryRun{}, err
		}
	}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		fuels     []float64
		errs      int
		firstErr  error
		wg        sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(b.cfg.queryDuration)
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				fuel, err := b.ask(ctx, client, kind)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					errs++
					if firstErr == nil {
						firstErr = err
					}
				} else {
					latencies = append(latencies, d)
					if kind == kindContract {
						fuels = append(fuels, float64(fuel))
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		return queryRun{}, ctx.Err()
	}
	if len(latencies) == 0 {
		return queryRun{}, fmt.Errorf("no query succeeded: %w", firstErr)
	}
	if firstErr != nil {
		fmt.Fprintf(os.Stderr, "  %d of %d %s queries failed; the first: %v\n", errs, errs+len(latencies), kind, firstErr)
	}
	xs := make([]float64, len(latencies))
	for i, d := range latencies {
		xs[i] = ms(d)
	}
	q := queryRun{Kind: kind, Concurrency: concurrency, Queries: len(latencies), Errors: errs, Seconds: elapsed.Seconds(),
		PerS: float64(len(latencies)) / elapsed.Seconds(), FuelUsed: uint64(benchutil.Median(fuels))}
	q.P50Ms, q.P90Ms, q.P99Ms, q.MaxMs = benchutil.Percentile(xs, 50), benchutil.Percentile(xs, 90), benchutil.Percentile(xs, 99), benchutil.Percentile(xs, 100)
	return q, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func loadAvg() string {
	bz, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(bz))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
