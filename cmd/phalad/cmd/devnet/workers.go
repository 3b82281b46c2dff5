package devnet

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	gogoproto "github.com/cosmos/gogoproto/proto"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// proposalFile, in a gatekeeper's directory, records the governance proposal
// the devnet made for it, so a resumed devnet does not propose it again.
const proposalFile = "gatekeeper-proposal"

// gatekeeperDeposit is the devnet's minimum governance deposit.
var gatekeeperDeposit = sdk.NewCoin(appconfig.BondDenom, pha.MulRaw(10))

// companionBinaries finds phala-enclave and phala-worker: $PHALA_ENCLAVE and
// $PHALA_WORKER, or beside phalad (make build puts all three in build/).
func companionBinaries(phalad string) (enclave, worker string, err error) {
	find := func(env, name string) (string, error) {
		path := os.Getenv(env)
		if path == "" {
			path = filepath.Join(filepath.Dir(phalad), name)
		}
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("the devnet's workers need %s (%v): run 'make build', set %s, or create the devnet with --gatekeepers 0 --workers 0 (DEVNET_GATEKEEPERS=0 DEVNET_WORKERS=0)", name, err, env)
		}
		return path, nil
	}
	if enclave, err = find("PHALA_ENCLAVE", "phala-enclave"); err != nil {
		return "", "", err
	}
	worker, err = find("PHALA_WORKER", "phala-worker")
	return enclave, worker, err
}

// shellScript is a script that runs binary with args, for restarting a
// process by hand exactly as the devnet started it; it records the
// process's PID in pidFile (exec keeps the script's PID).
func shellScript(binary string, args []string, pidFile string) string {
	quoted := []string{shellQuote(binary)}
	for _, a := range args {
		quoted = append(quoted, shellQuote(a))
	}
	return "#!/usr/bin/env bash\n# Written by phalad devnet: restarts this process as the devnet runs it.\necho $$ > " + shellQuote(pidFile) +
		"\nexec " + strings.Join(quoted, " ") + " \"$@\"\n"
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// startCompanions starts every worker's enclave, waits for its socket, then
// starts its sidecar. Enclaves start from block 1, whose hash node0 gives.
func (s *supervisor) startCompanions(ctx context.Context) error {
	companions := s.layout.Companions()
	if len(companions) == 0 {
		return nil
	}
	enclaveBin, workerBin, err := companionBinaries(s.binary)
	if err != nil {
		return err
	}
	c, err := rpchttp.New(s.layout.RPCAddr(0), "/websocket")
	if err != nil {
		return err
	}
	one := int64(1)
	block, err := c.Block(ctx, &one)
	if err != nil {
		return fmt.Errorf("block 1 (the workers' trust anchor): %w", err)
	}
	anchor := hex.EncodeToString(block.BlockID.Hash)
	genesis := filepath.Join(s.layout.NodeHome(0), "config", "genesis.json")
	for _, comp := range companions {
		dir := s.layout.CompanionDir(comp)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		socket := filepath.Join(dir, "enclave.sock")
		enclaveArgs := []string{"--backend", "sim", "--state-dir", filepath.Join(dir, "enclave"), "--genesis", genesis,
			"--trust-height", "1", "--trust-hash", anchor, "--socket", socket,
			"--public-addr", fmt.Sprintf("127.0.0.1:%d", s.layout.EndpointPort(comp))}
		workerArgs := []string{"--enclave-socket", socket, "--chain-id", s.chainID,
			"--node", s.layout.RPCAddr(comp.Slot % s.layout.Nodes), "--home", s.layout.Home, "--from", comp.Name,
			"--keyring-backend", "test", "--endpoint", fmt.Sprintf("http://127.0.0.1:%d", s.layout.EndpointPort(comp)),
			"--metrics", fmt.Sprintf("127.0.0.1:%d", s.layout.MetricsPort(comp)),
			"--bond", sdk.NewCoin(appconfig.BondDenom, devnetWorkerBond).String()}

		enclave, err := s.startCompanion(comp, "enclave", enclaveBin, enclaveArgs)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.enclaves = append(s.enclaves, enclave)
		s.mu.Unlock()
		if err := waitForSocket(ctx, socket, enclave); err != nil {
			return err
		}
		sidecar, err := s.startCompanion(comp, "worker", workerBin, workerArgs)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.sidecars = append(s.sidecars, sidecar)
		s.mu.Unlock()
	}
	return nil
}

// startCompanion writes <dir>/run-<part>.sh and starts the process, logging
// to <dir>/<part>.log.
func (s *supervisor) startCompanion(comp Companion, part, binary string, args []string) (*node, error) {
	dir := s.layout.CompanionDir(comp)
	script := filepath.Join(dir, "run-"+part+".sh")
	pidFile := filepath.Join(dir, part+".pid")
	if err := os.WriteFile(script, []byte(shellScript(binary, args, pidFile)), 0o755); err != nil {
		return nil, err
	}
	n, err := startProcess(comp.Name+" "+part, binary, args, filepath.Join(dir, part+".log"), pidFile)
	if err != nil {
		return nil, err
	}
	n.restart = script
	return n, nil
}

// waitForSocket waits until the enclave listens on its socket.
func waitForSocket(ctx context.Context, socket string, enclave *node) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(socket); err == nil {
			return nil
		}
		select {
		case <-enclave.exited:
			return fmt.Errorf("%s exited during start-up (%v); last lines of %s:\n%s", enclave.name, enclave.err, enclave.logPath, tail(enclave.logPath, 15))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not open %s within 30s; see %s", enclave.name, socket, enclave.logPath)
		}
	}
}

// operator returns the address of the devnet account name.
func (s *supervisor) operator(name string) string {
	for _, a := range s.accounts {
		if a.Name == name {
			return a.Address
		}
	}
	return ""
}

// query runs a gRPC query over node0's ABCI.
func (s *supervisor) query(ctx context.Context, method string, req, resp gogoproto.Message) error {
	c, err := rpchttp.New(s.layout.RPCAddr(0), "/websocket")
	if err != nil {
		return err
	}
	bz, err := gogoproto.Marshal(req)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	res, err := c.ABCIQuery(ctx, method, bz)
	if err != nil {
		return err
	}
	if res.Response.Code != 0 {
		return fmt.Errorf("%s: %s", method, res.Response.Log)
	}
	return gogoproto.Unmarshal(res.Response.Value, resp)
}

// devnetWorkers returns the registered workers the devnet's companions
// operate, by companion name.
func (s *supervisor) devnetWorkers(ctx context.Context) (map[string]registrytypes.Worker, error) {
	var res registrytypes.QueryWorkersResponse
	if err := s.query(ctx, "/phala.registry.v1.Query/Workers", &registrytypes.QueryWorkersRequest{}, &res); err != nil {
		return nil, err
	}
	out := map[string]registrytypes.Worker{}
	for _, comp := range s.layout.Companions() {
		for _, w := range res.Workers {
			if w.Operator == s.operator(comp.Name) {
				out[comp.Name] = w
			}
		}
	}
	return out, nil
}

// appointGatekeepers proposes each gatekeeper companion to governance once
// its worker is registered, and votes yes with every genesis validator.
func (s *supervisor) appointGatekeepers(ctx context.Context) {
	pending := map[string]bool{}
	for _, comp := range s.layout.Companions() {
		if comp.Gatekeeper {
			if _, err := os.Stat(filepath.Join(s.layout.CompanionDir(comp), proposalFile)); errors.Is(err, os.ErrNotExist) {
				pending[comp.Name] = true
			}
		}
	}
	for len(pending) > 0 {
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
		workers, err := s.devnetWorkers(ctx)
		if err != nil {
			continue
		}
		for _, comp := range s.layout.Companions() {
			w, registered := workers[comp.Name]
			if !pending[comp.Name] || !registered {
				continue
			}
			id, err := s.proposeGatekeeper(ctx, comp, w)
			if err != nil {
				fmt.Fprintf(s.out, "\nproposing %s as gatekeeper failed (will retry): %v\n", comp.Name, err)
				continue
			}
			delete(pending, comp.Name)
			fmt.Fprintf(s.out, "\n%s (worker %x) proposed as gatekeeper in proposal %s; every validator voted yes: it takes office when the vote ends\n",
				comp.Name, w.IdentityPubkey, id)
		}
	}
}

// proposeGatekeeper submits MsgAddGatekeeper through governance with the
// devnet's own CLI, from validator0 (the worker's operator account is busy
// with its sidecar's transactions), then votes yes with every genesis
// validator.
func (s *supervisor) proposeGatekeeper(ctx context.Context, comp Companion, w registrytypes.Worker) (string, error) {
	res, err := s.cli(ctx, "tx", "registry", "add-gatekeeper", hex.EncodeToString(w.IdentityPubkey),
		"--title", "Devnet gatekeeper "+comp.Name, "--summary", "Appoint the devnet's simulated gatekeeper "+comp.Name,
		"--deposit", gatekeeperDeposit.String(), "--from", "validator0")
	if err != nil {
		return "", err
	}
	id := res.attribute("submit_proposal", "proposal_id")
	if id == "" {
		return "", errors.New("the submission's events name no proposal")
	}
	if err := os.WriteFile(filepath.Join(s.layout.CompanionDir(comp), proposalFile), []byte(id+"\n"), 0o644); err != nil {
		return "", err
	}
	for i := 0; i < s.validators; i++ {
		if _, err := s.cli(ctx, "tx", "gov", "vote", id, "yes", "--from", fmt.Sprintf("validator%d", i)); err != nil {
			return "", fmt.Errorf("validator%d's vote: %w", i, err)
		}
	}
	return id, nil
}

// txResult is the part of a transaction's JSON the devnet reads.
type txResult struct {
	TxHash string `json:"txhash"`
	Code   int    `json:"code"`
	RawLog string `json:"raw_log"`
	Events []struct {
		Type       string `json:"type"`
		Attributes []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"attributes"`
	} `json:"events"`
}

func (r txResult) attribute(event, key string) string {
	for _, e := range r.Events {
		if e.Type == event {
			for _, a := range e.Attributes {
				if a.Key == key {
					return a.Value
				}
			}
		}
	}
	return ""
}

// cli runs a phalad transaction command against the devnet and waits for
// its block; it fails unless the transaction succeeded.
func (s *supervisor) cli(ctx context.Context, args ...string) (txResult, error) {
	common := []string{"--home", s.layout.Home, "--node", s.layout.RPCAddr(0), "-o", "json"}
	run := func(args ...string) ([]byte, error) {
		out, err := exec.CommandContext(ctx, s.binary, append(args, common...)...).Output()
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			return nil, fmt.Errorf("phalad %s: %v: %s", strings.Join(args[:3], " "), err, strings.TrimSpace(string(ee.Stderr)))
		}
		return out, err
	}
	var res txResult
	out, err := run(append(args, "--keyring-backend", "test", "--chain-id", s.chainID, "-y")...)
	if err != nil {
		return res, err
	}
	if err := json.Unmarshal(out, &res); err != nil || res.Code != 0 {
		return res, fmt.Errorf("refused at check (%v): %s", err, res.RawLog)
	}
	if out, err = run("q", "wait-tx", res.TxHash, "--timeout", "30s"); err != nil {
		return res, err
	}
	if err := json.Unmarshal(out, &res); err != nil || res.Code != 0 {
		return res, fmt.Errorf("failed in its block (%v): %s", err, res.RawLog)
	}
	return res, nil
}

// workerSnapshot is the workers' part of the status line.
type workerSnapshot struct {
	registered, inService, total int
	heartbeats                   uint64
	masterKey                    bool
}

func (w workerSnapshot) String() string {
	key := "not yet published"
	if w.masterKey {
		key = "published"
	}
	return fmt.Sprintf("workers registered %d/%d, in service %d, heartbeats %d | master key %s",
		w.registered, w.total, w.inService, w.heartbeats, key)
}

// observeWorkers reads the devnet workers' state from the chain.
func (s *supervisor) observeWorkers(ctx context.Context) workerSnapshot {
	snap := workerSnapshot{total: len(s.layout.Companions())}
	if snap.total == 0 {
		return snap
	}
	workers, err := s.devnetWorkers(ctx)
	if err != nil {
		return snap
	}
	for _, w := range workers {
		snap.registered++
		var st registrytypes.QueryWorkerStatusResponse
		if err := s.query(ctx, "/phala.registry.v1.Query/WorkerStatus",
			&registrytypes.QueryWorkerStatusRequest{IdentityPubkey: hex.EncodeToString(w.IdentityPubkey)}, &st); err != nil {
			continue
		}
		if st.InService {
			snap.inService++
		}
		snap.heartbeats += st.Stats.Heartbeats
	}
	var mk registrytypes.QueryMasterKeyResponse
	snap.masterKey = s.query(ctx, "/phala.registry.v1.Query/MasterKey", &registrytypes.QueryMasterKeyRequest{}, &mk) == nil
	return snap
}
