// Command phala-worker is the untrusted sidecar of a phala-enclave (pherry's
// role): it registers the worker with the enclave's own attestation, follows
// the node, feeds the enclave headers and its ingress messages with proofs,
// and submits the enclave's signed egress as transactions signed by the
// operator key. It holds no secret of the enclave; the enclave verifies all
// it is given, so a misbehaving sidecar can only delay.
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

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	cryptocodec "github.com/cosmos/cosmos-sdk/crypto/codec"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	"github.com/cosmos/cosmos-sdk/std"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtx "github.com/cosmos/cosmos-sdk/x/auth/tx"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/attestation"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

const usage = `phala-worker: the sidecar of a phala-enclave.

Usage:
  phala-worker --enclave-socket PATH --chain-id ID --node URL --home DIR --from KEY --endpoint URL

It registers the worker (once), then loops: headers to the enclave, the
enclave's ingress messages with proofs, the enclave's egress to the chain.
Progress goes to standard output; Ctrl-C stops it (the enclave keeps its state).

Flags:
`

func main() {
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("phala-worker", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage); fs.PrintDefaults() }
	socket := fs.String("enclave-socket", "", "the enclave's Unix socket (required)")
	chainID := fs.String("chain-id", "", "the chain (required)")
	node := fs.String("node", "tcp://127.0.0.1:26657", "CometBFT RPC of a node")
	home := fs.String("home", "", "directory holding the operator's keyring (required)")
	from := fs.String("from", "", "operator key name in the keyring (required)")
	backend := fs.String("keyring-backend", "test", "keyring backend: test or file")
	endpoint := fs.String("endpoint", "", "the worker's public API URL, registered on chain (required)")
	gas := fs.Uint64("gas", 400_000, "gas limit per transaction")
	gasPrices := fs.String("gas-prices", "0upha", "gas price paid for the operator's transactions")
	interval := fs.Duration("interval", time.Second, "how often to look for new blocks")
	once := fs.Bool("once", false, "register and catch up once, then exit")
	bondFlag := fs.String("bond", "", "stake to keep bonded to the worker (for example 1000000000upha); bonded after registering and topped up at each start; empty: bond by hand")
	fetchers := fs.Int("fetch-concurrency", defaultFetchConcurrency, "light blocks fetched from the node at once while catching up (1: one at a time)")
	collateralFile := fs.String("collateral", "", "Intel collateral for the registration (dcap-qvl JSON, see docs/attestation.md); empty: the chain uses collateral stored with 'phalad tx registry submit-collateral' for this platform")
	metricsAddr := fs.String("metrics", "", "serve Prometheus metrics on this address at /metrics (for example 127.0.0.1:26680); empty: off")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *socket == "" || *chainID == "" || *home == "" || *from == "" || *endpoint == "" {
		fs.Usage()
		return errors.New("--enclave-socket, --chain-id, --home, --from and --endpoint are required")
	}
	var collateral *registrytypes.Collateral
	if *collateralFile != "" {
		bz, err := os.ReadFile(*collateralFile)
		if err != nil {
			return fmt.Errorf("--collateral: %w", err)
		}
		parsed, err := attestation.ParseCollateralJSON(bz)
		if err != nil {
			return fmt.Errorf("--collateral %s: %w", *collateralFile, err)
		}
		c := registrytypes.NewCollateral(parsed)
		collateral = &c
	}
	appconfig.SetSDKConfig()
	ir := codectypes.NewInterfaceRegistry()
	std.RegisterInterfaces(ir)
	cryptocodec.RegisterInterfaces(ir)
	registrytypes.RegisterInterfaces(ir)
	cdc := codec.NewProtoCodec(ir)
	key, err := operatorKey(cdc, *home, *backend, *from)
	if err != nil {
		return err
	}
	price, err := sdk.ParseDecCoin(*gasPrices)
	if err != nil {
		return fmt.Errorf("--gas-prices: %w", err)
	}
	var bond sdk.Coin
	if *bondFlag != "" {
		if bond, err = sdk.ParseCoinNormalized(*bondFlag); err != nil {
			return fmt.Errorf("--bond: %w", err)
		}
	}
	fee := sdk.NewCoins(sdk.NewCoin(price.Denom, price.Amount.MulInt64(int64(*gas)).Ceil().TruncateInt()))
	c, err := newChain(*chainID, *node, authtx.NewTxConfig(cdc, authtx.DefaultSignModes), key, *gas, fee, *fetchers)
	if err != nil {
		return err
	}
	conn, err := grpc.NewClient("unix://"+*socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	s := &sidecar{chain: c, enclave: api.NewEnclaveClient(conn), endpoint: *endpoint, bond: bond, collateral: collateral, log: os.Stdout, started: time.Now(), metrics: newMetrics()}
	if *metricsAddr != "" {
		addr, err := s.metrics.serve(*metricsAddr)
		if err != nil {
			return err
		}
		fmt.Printf("metrics on http://%s/metrics\n", addr)
	}

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	if err := retry(ctx, s.register); err != nil {
		return err
	}
	if *once {
		return s.step(ctx)
	}
	return s.loop(ctx, *interval)
}

// loop steps until stopped, with backoff on failures (a restarting node or
// enclave) and a status line every ten seconds.
func (s *sidecar) loop(ctx context.Context, interval time.Duration) error {
	backoff := interval
	lastReport, lastSynced := time.Now(), s.synced
	for {
		err := s.step(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			s.metrics.errors.Inc()
			fmt.Fprintln(os.Stderr, "retrying after error:", err)
			backoff = min(2*backoff, 30*time.Second)
		default:
			backoff = interval
		}
		if time.Since(lastReport) >= 10*time.Second {
			head, _ := s.chain.height(ctx)
			rate := float64(s.synced-lastSynced) / time.Since(lastReport).Seconds()
			fmt.Fprintf(s.log, "%s  node height %d | enclave synced %d | lag %d | %.1f blocks/s\n",
				time.Now().Format("15:04:05"), head, s.synced, head-s.synced, rate)
			lastReport, lastSynced = time.Now(), s.synced
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
	}
}

// retry runs f until it succeeds, backing off up to 30 s.
func retry(ctx context.Context, f func(context.Context) error) error {
	backoff := time.Second
	for {
		err := f(ctx)
		if err == nil || ctx.Err() != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "retrying after error:", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// operatorKey reads the operator's private key from the SDK keyring.
func operatorKey(cdc codec.Codec, home, backend, name string) (cryptotypes.PrivKey, error) {
	kr, err := keyring.New("phala", backend, home, os.Stdin, cdc)
	if err != nil {
		return nil, fmt.Errorf("keyring in %s: %w", home, err)
	}
	rec, err := kr.Key(name)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", name, err)
	}
	local := rec.GetLocal()
	if local == nil {
		return nil, fmt.Errorf("key %q is not a local key", name)
	}
	var key cryptotypes.PrivKey
	if err := cdc.UnpackAny(local.PrivKey, &key); err != nil {
		return nil, fmt.Errorf("key %q: %w", name, err)
	}
	return key, nil
}
