// Command phala-enclave is the trusted worker program (pRuntime's role). It
// runs inside an SGX enclave (--backend sgx, built and started with EGo; see
// docs/attestation.md) or, for development, as an INSECURE simulation
// (--backend sim). It keeps its keys sealed, follows the chain with a light
// client from a pinned anchor, and serves its sidecar (phala-worker) over a
// local Unix socket: the Enclave API of proto/phala/enclave/v1/api.proto.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/benchmark"
	"github.com/phala-cosmos/phala-cosmos/enclave/core"
	"github.com/phala-cosmos/phala-cosmos/enclave/lightclient"
	"github.com/phala-cosmos/phala-cosmos/enclave/query"
	"github.com/phala-cosmos/phala-cosmos/enclave/server"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee/sgx"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee/sim"
)

const usage = `phala-enclave: the trusted worker program.

Usage:
  phala-enclave --state-dir DIR --genesis FILE --trust-height H --trust-hash HEX [--backend sgx|sim] [--socket PATH]

The genesis file pins the chain (its chain-id and the SHA-256 of its app_state,
which the registration binds). The trust anchor is the hash of one header the
operator trusts (normally block 1; 'phalad q block 1' shows it); it is needed
on first start only, later starts resume from sealed checkpoints.

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
	fs := flag.NewFlagSet("phala-enclave", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage); fs.PrintDefaults() }
	backend := fs.String("backend", "sgx", "TEE backend: sgx (inside an EGo enclave) or sim (INSECURE simulation, development only)")
	stateDir := fs.String("state-dir", "", "directory for sealed keys and checkpoints (required)")
	socket := fs.String("socket", "", "Unix socket to serve the sidecar on (default STATE_DIR/enclave.sock)")
	genesis := fs.String("genesis", "", "the chain's genesis.json (required)")
	trustHeight := fs.Int64("trust-height", 1, "height of the trusted header (first start)")
	trustHash := fs.String("trust-hash", "", "hex hash of the trusted header (first start)")
	every := fs.Int64("checkpoint-every", 100, "blocks between checkpoints when only headers arrive")
	prodID := fs.Uint("sim-prod-id", sim.DefaultProdID, "ISVPRODID a simulated enclave reports")
	publicAddr := fs.String("public-addr", "", "serve the public encrypted query endpoint (POST /v1/query) on this TCP address, e.g. 0.0.0.0:8000; the URL workers register as their endpoint; empty: off")
	benchFor := fs.Duration("benchmark", 200*time.Millisecond, "how long the start-up benchmark runs (its score weighs the worker's rewards)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *stateDir == "" || *genesis == "" {
		fs.Usage()
		return errors.New("--state-dir and --genesis are required")
	}
	chainID, genesisHash, err := readGenesis(*genesis)
	if err != nil {
		return err
	}
	anchorHash, err := hex.DecodeString(*trustHash)
	if err != nil {
		return fmt.Errorf("--trust-hash: %w", err)
	}
	t, err := openTEE(*backend, *stateDir, uint16(*prodID))
	if err != nil {
		return err
	}
	score := benchmark.Run(*benchFor)
	e, skipped, err := core.Open(t, core.Config{
		PerformanceScore: score,
		ChainID:          chainID, GenesisHash: genesisHash, StateDir: *stateDir, CheckpointEvery: *every,
		Anchor: lightclient.TrustAnchor{ChainID: chainID, Height: *trustHeight, Hash: anchorHash},
		Light:  lightclient.DefaultOptions(),
	})
	if err != nil {
		return err
	}
	for _, s := range skipped {
		fmt.Fprintln(os.Stderr, "warning: skipped", s)
	}
	info := e.Info()
	if info.SyncedHeight == 0 && len(anchorHash) == 0 {
		return errors.New("no checkpoint to resume from: give --trust-hash (and --trust-height) of a header you trust")
	}

	path := *socket
	if path == "" {
		path = filepath.Join(*stateDir, "enclave.sock")
	}
	_ = os.Remove(path)
	lis, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("socket %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return err
	}
	srv := grpc.NewServer()
	enclaveServer := server.New(e, chainID)
	api.RegisterEnclaveServer(srv, enclaveServer)
	if *publicAddr != "" {
		public, err := net.Listen("tcp", *publicAddr)
		if err != nil {
			return fmt.Errorf("--public-addr %s: %w", *publicAddr, err)
		}
		go func() { _ = http.Serve(public, publicHandler(enclaveServer)) }()
		fmt.Printf("phala-enclave: public encrypted queries on http://%s/v1/query\n", public.Addr())
	}

	fmt.Printf("phala-enclave: backend %s, chain %s, identity %x, x25519 %x, synced height %d, performance score %d, serving %s\n",
		t.Backend(), chainID, info.IdentityPubkey, info.ECDHPubkey, info.SyncedHeight, score, path)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() { <-stop; srv.GracefulStop() }()
	return srv.Serve(lis)
}

// publicHandler serves POST /v1/query: the body is a sealed QueryRequest
// (enclave/query), the answer a sealed QueryResponse. Only ciphertext
// crosses it; CORS is open for web clients.
func publicHandler(s *server.Server) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(query.Path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		switch r.Method {
		case http.MethodOptions:
			return
		case http.MethodPost:
		default:
			http.Error(w, "POST a sealed query (enclave/query) to /v1/query", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, query.MaxRequestSize+1))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if len(body) > query.MaxRequestSize {
			http.Error(w, fmt.Sprintf("a sealed query is at most %d bytes", query.MaxRequestSize), http.StatusRequestEntityTooLarge)
			return
		}
		res, err := s.Query(r.Context(), &api.QueryEnvelope{Sealed: body})
		if err != nil {
			http.Error(w, status.Convert(err).Message(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(res.Sealed)
	})
	return mux
}

// readGenesis returns the chain-id and SHA-256 of the app_state bytes exactly
// as the file holds them (what CometBFT hands the app at InitChain).
func readGenesis(path string) (string, []byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", nil, fmt.Errorf("--genesis: %w", err)
	}
	var g struct {
		ChainID  string          `json:"chain_id"`
		AppState json.RawMessage `json:"app_state"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		return "", nil, fmt.Errorf("--genesis %s: %w", path, err)
	}
	if g.ChainID == "" || len(g.AppState) == 0 {
		return "", nil, fmt.Errorf("--genesis %s: no chain_id or app_state", path)
	}
	h := sha256.Sum256(g.AppState)
	return g.ChainID, h[:], nil
}

func openTEE(backend, stateDir string, prodID uint16) (tee.TEE, error) {
	switch backend {
	case string(tee.BackendSGX):
		return sgx.New()
	case string(tee.BackendSim):
		fmt.Fprintln(os.Stderr, "WARNING: backend sim is an INSECURE simulation: its keys and reports protect nothing. Development only.")
		m, err := sim.ExecutableMeasurement(prodID, 0)
		if err != nil {
			return nil, err
		}
		return sim.Open(stateDir, m)
	}
	return nil, fmt.Errorf("--backend %q: use sgx or sim", backend)
}
