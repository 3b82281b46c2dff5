package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	cmttypes "github.com/cometbft/cometbft/types"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	"github.com/cosmos/cosmos-sdk/std"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	authtx "github.com/cosmos/cosmos-sdk/x/auth/tx"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	"github.com/phala-cosmos/phala-cosmos/app/txsigner"
)

// devnet is a running devnet as the benchmark sees it.
type devnet struct {
	chainID  string
	nodes    []*rpchttp.HTTP
	grpc     *grpc.ClientConn
	auth     authtypes.QueryClient
	txConfig client.TxConfig
	alice    cryptotypes.PrivKey
	bob      sdk.AccAddress
}

func openDevnet(home string) (*devnet, error) {
	appconfig.SetSDKConfig()
	var manifest struct {
		ChainID    string `json:"chain_id"`
		Validators int    `json:"validators"`
		PortBase   int    `json:"port_base"`
	}
	if err := readJSON(filepath.Join(home, "devnet.json"), &manifest); err != nil {
		return nil, fmt.Errorf("%w (is %s a devnet? start one with make devnet)", err, home)
	}
	var accounts []struct{ Name, Address, Mnemonic string }
	if err := readJSON(filepath.Join(home, "accounts.json"), &accounts); err != nil {
		return nil, err
	}
	d := &devnet{chainID: manifest.ChainID}
	for _, a := range accounts {
		switch a.Name {
		case "alice":
			seed, err := hd.Secp256k1.Derive()(a.Mnemonic, "", sdk.FullFundraiserPath)
			if err != nil {
				return nil, err
			}
			d.alice = hd.Secp256k1.Generate()(seed)
		case "bob":
			addr, err := sdk.AccAddressFromBech32(a.Address)
			if err != nil {
				return nil, err
			}
			d.bob = addr
		}
	}
	if d.alice == nil || d.bob == nil {
		return nil, errors.New("accounts.json lacks alice or bob")
	}

	ir := codectypes.NewInterfaceRegistry()
	std.RegisterInterfaces(ir)
	authtypes.RegisterInterfaces(ir)
	banktypes.RegisterInterfaces(ir)
	cdc := codec.NewProtoCodec(ir)
	d.txConfig = authtx.NewTxConfig(cdc, authtx.DefaultSignModes)

	for i := 0; i < manifest.Validators; i++ {
		c, err := rpchttp.New(fmt.Sprintf("tcp://127.0.0.1:%d", manifest.PortBase+10*i+1), "/websocket")
		if err != nil {
			return nil, err
		}
		d.nodes = append(d.nodes, c)
	}
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", manifest.PortBase+2),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(cdc.GRPCCodec())))
	if err != nil {
		return nil, err
	}
	d.grpc, d.auth = conn, authtypes.NewQueryClient(conn)
	return d, nil
}

func (d *devnet) close() { _ = d.grpc.Close() }

func readJSON(path string, v any) error {
	bz, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(bz, v)
}

// sender is a funded account that sends transactions in sequence order.
type sender struct {
	acc  txsigner.Account
	addr sdk.AccAddress
	node *rpchttp.HTTP
}

func (d *devnet) account(ctx context.Context, addr sdk.AccAddress) (accNum, seq uint64, err error) {
	res, err := d.auth.AccountInfo(ctx, &authtypes.QueryAccountInfoRequest{Address: addr.String()})
	if err != nil {
		return 0, 0, err
	}
	return res.Info.AccountNumber, res.Info.Sequence, nil
}

// fund creates n new accounts with 1 PHA each in one multi-send from alice.
func (d *devnet) fund(ctx context.Context, n int) ([]*sender, error) {
	aliceAddr := sdk.AccAddress(d.alice.PubKey().Address())
	accNum, seq, err := d.account(ctx, aliceAddr)
	if err != nil {
		return nil, fmt.Errorf("alice's account: %w", err)
	}
	each := sdk.NewCoins(sdk.NewCoin(appconfig.BondDenom, sdkmath.NewInt(1_000_000)))
	senders := make([]*sender, n)
	outputs := make([]banktypes.Output, n)
	for i := range senders {
		key := secp256k1.GenPrivKey()
		senders[i] = &sender{acc: txsigner.Account{Key: key}, addr: sdk.AccAddress(key.PubKey().Address()), node: d.nodes[i%len(d.nodes)]}
		outputs[i] = banktypes.NewOutput(senders[i].addr, each)
	}
	total := sdk.NewCoins(sdk.NewCoin(appconfig.BondDenom, sdkmath.NewInt(1_000_000*int64(n))))
	msg := banktypes.NewMsgMultiSend(banktypes.NewInput(aliceAddr, total), outputs)
	bz, err := txsigner.Sign(d.txConfig, txsigner.Options{ChainID: d.chainID, GasLimit: uint64(100_000 + 30_000*n)},
		txsigner.Account{Key: d.alice, AccountNumber: accNum, Sequence: seq}, msg)
	if err != nil {
		return nil, err
	}
	res, err := d.nodes[0].BroadcastTxSync(ctx, bz)
	if err != nil {
		return nil, err
	}
	if res.Code != 0 {
		return nil, fmt.Errorf("funding tx refused: %s", res.Log)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		tx, err := d.nodes[0].Tx(ctx, res.Hash, false)
		if err == nil {
			if tx.TxResult.Code != 0 {
				return nil, fmt.Errorf("funding tx failed: %s", tx.TxResult.Log)
			}
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("funding tx %X not committed in 30s", res.Hash)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, s := range senders {
		if s.acc.AccountNumber, s.acc.Sequence, err = d.account(ctx, s.addr); err != nil {
			return nil, err
		}
	}
	return senders, nil
}

// blockSeen is a committed block holding benchmark transactions.
type blockSeen struct {
	time     time.Time // the block's consensus time
	benchTxs int
}

// measure funds fresh senders, then submits bank sends for duration, as
// fast as CheckTx accepts them (rate 0) or at rate tx/s, and reports what
// was committed and how long inclusion took.
func (d *devnet) measure(ctx context.Context, nSenders int, duration time.Duration, rate float64) (result, error) {
	senders, err := d.fund(ctx, nSenders)
	if err != nil {
		return result{}, err
	}
	ws := d.nodes[0]
	if !ws.IsRunning() {
		if err := ws.Start(); err != nil {
			return result{}, err
		}
	}
	subCtx, cancelSub := context.WithCancel(ctx)
	defer cancelSub()
	events, err := ws.Subscribe(subCtx, "benchchain", "tm.event='NewBlock'", 1000)
	if err != nil {
		return result{}, err
	}
	defer func() { _ = ws.UnsubscribeAll(context.Background(), "benchchain") }()

	var (
		submitted sync.Map // tx hash (string) -> submit time
		nSubmit   atomic.Int64
		nReject   atomic.Int64
		nResent   atomic.Int64
		reasons   sync.Map // first words of each rejection reason -> *atomic.Int64
	)
	reject := func(reason string) {
		nReject.Add(1)
		if len(reason) > 80 {
			reason = reason[:80]
		}
		n, _ := reasons.LoadOrStore(reason, new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
	}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		blocks    []blockSeen
	)
	watcherDone := make(chan struct{})
	stopWatch := make(chan struct{})
	go func() {
		defer close(watcherDone)
		for {
			select {
			case <-stopWatch:
				return
			case ev := <-events:
				nb, ok := ev.Data.(cmttypes.EventDataNewBlock)
				if !ok {
					continue
				}
				now := time.Now()
				seen := blockSeen{time: nb.Block.Time}
				mu.Lock()
				for _, tx := range nb.Block.Txs {
					if t0, ok := submitted.LoadAndDelete(string(tx.Hash())); ok {
						latencies = append(latencies, now.Sub(t0.(time.Time)))
						seen.benchTxs++
					}
				}
				if seen.benchTxs > 0 {
					blocks = append(blocks, seen)
				}
				mu.Unlock()
			}
		}
	}()

	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	for i, s := range senders {
		wg.Add(1)
		go func(i int, s *sender) {
			defer wg.Done()
			var tick *time.Ticker
			if rate > 0 {
				interval := time.Duration(float64(time.Second) * float64(len(senders)) / rate)
				time.Sleep(interval * time.Duration(i) / time.Duration(len(senders))) // spread the senders
				tick = time.NewTicker(interval)
				defer tick.Stop()
			}
			msg := banktypes.NewMsgSend(s.addr, d.bob, sdk.NewCoins(sdk.NewCoin(appconfig.BondDenom, sdkmath.OneInt())))
			for time.Now().Before(deadline) {
				if tick != nil {
					<-tick.C
				}
				bz, err := txsigner.Sign(d.txConfig, txsigner.Options{ChainID: d.chainID, GasLimit: 150_000}, s.acc, msg)
				if err != nil {
					reject(err.Error())
					return
				}
				hash := string(cmttypes.Tx(bz).Hash())
				submitted.Store(hash, time.Now())
				res, err := s.node.BroadcastTxSync(ctx, bz)
				if err == nil && res.Code == 0 {
					nSubmit.Add(1)
					s.acc.Sequence++
					continue
				}
				submitted.Delete(hash)
				switch {
				case err == nil && res.Code == sdkerrors.ErrMempoolIsFull.ABCICode(), err != nil && strings.Contains(err.Error(), "mempool is full"):
					time.Sleep(50 * time.Millisecond) // back off, then resend this sequence
				case err == nil && res.Code == sdkerrors.ErrWrongSequence.ABCICode():
					// CometBFT may drop a transaction it accepted when its mempool
					// fills at the same moment; resend from the sequence the node expects.
					var expected, got uint64
					if _, scanErr := fmt.Sscanf(res.Log, "account sequence mismatch, expected %d, got %d", &expected, &got); scanErr != nil || expected >= got {
						reject(res.Log)
						return
					}
					nResent.Add(int64(got - expected))
					s.acc.Sequence = expected
				default:
					if err != nil {
						reject(err.Error())
					} else {
						reject(res.Log)
					}
					return
				}
			}
		}(i, s)
	}
	wg.Wait()
	// Let the mempool drain: wait until every accepted tx is committed or 30s pass.
	drainUntil := time.Now().Add(30 * time.Second)
	for time.Now().Before(drainUntil) {
		pending := 0
		submitted.Range(func(any, any) bool { pending++; return pending == 1 })
		if pending == 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	close(stopWatch)
	<-watcherDone

	mu.Lock()
	defer mu.Unlock()
	r := result{OfferedRate: rate, Submitted: int(nSubmit.Load()), Committed: len(latencies),
		Rejected: int(nReject.Load()), DroppedAndResent: int(nResent.Load())}
	reasons.Range(func(k, v any) bool {
		fmt.Printf("  rejected %d× at CheckTx: %s\n", v.(*atomic.Int64).Load(), k)
		return true
	})
	// Sustained throughput: bench txs committed after the first block that
	// held any, over the consensus time from that block to the last one. Under
	// saturation the mempool never runs dry in between, so this is the rate
	// the chain processes transactions at.
	if len(blocks) < 2 {
		return r, fmt.Errorf("benchmark transactions landed in %d blocks; need at least 2 to measure a rate", len(blocks))
	}
	txs := 0
	for _, b := range blocks[1:] {
		txs += b.benchTxs
	}
	for _, b := range blocks {
		r.MaxPerBlock = max(r.MaxPerBlock, b.benchTxs)
	}
	r.Blocks = len(blocks)
	r.Throughput = float64(txs) / blocks[len(blocks)-1].time.Sub(blocks[0].time).Seconds()
	r.Throughput = math.Round(r.Throughput*10) / 10
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	r.LatencyP50 = percentile(latencies, 50).Round(time.Millisecond)
	r.LatencyP90 = percentile(latencies, 90).Round(time.Millisecond)
	r.LatencyP99 = percentile(latencies, 99).Round(time.Millisecond)
	return r, nil
}
