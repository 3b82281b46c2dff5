package e2e

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const chainID = "phala-devnet-1"

// TestDevnet starts a real 4-validator devnet with scripts/devnet.sh and
// checks, in order: a bank send through the CLI, a contract upload, a governance proposal
// submitted and voted (its outcome checked near the end), refusal of bad
// input, that the chain survives a SIGKILLed validator and that the validator
// catches up when restarted, NPoS elections, rewards and downtime jailing, the
// proposal's effect, and that the devnet stops on Ctrl-C and resumes its chain.
func TestDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: runs a real devnet")
	}
	outer := t
	home := filepath.Join(t.TempDir(), "devnet")
	portBase := freePortBase(t, 4+devnetCandidates)
	d := startDevnet(t, home, portBase, 4)
	// The devnet proposes its gatekeeper and votes with every validator
	// once the gatekeeper registers; subtests vote too, so wait for it.
	waitFor(t, 90*time.Second, "the devnet to propose its gatekeeper", func() (bool, string) {
		return strings.Contains(d.Output(), "proposed as gatekeeper in proposal"), "not yet"
	})

	var sent int64 = 1_234_567
	var bob string
	// stopNode3 stops node3 after the test restarted it outside the devnet.
	stopNode3 := func() error { return nil }
	t.Run("bank send alice to bob", func(t *testing.T) {
		alice := strings.TrimSpace(d.mustPhalad(t, "keys", "show", "alice", "-a"))
		bob = strings.TrimSpace(d.mustPhalad(t, "keys", "show", "bob", "-a"))
		aliceBefore, bobBefore := balance(t, d, alice), balance(t, d, bob)

		out := d.mustPhalad(t, "tx", "bank", "send", "alice", bob, fmt.Sprintf("%dupha", sent), "-y", "-o", "json")
		var res struct {
			TxHash string `json:"txhash"`
			Code   int    `json:"code"`
			RawLog string `json:"raw_log"`
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil || res.Code != 0 {
			t.Fatalf("send refused at check: %v %+v", err, res)
		}
		included := d.mustPhalad(t, "q", "wait-tx", res.TxHash, "--timeout", "30s", "-o", "json")
		if err := json.Unmarshal([]byte(included), &res); err != nil || res.Code != 0 {
			t.Fatalf("send failed in its block: %v %+v", err, res)
		}
		if got := balance(t, d, bob) - bobBefore; got != sent {
			t.Fatalf("bob received %d upha, want %d", got, sent)
		}
		// The devnet charges no fee (minimum gas price 0), so alice pays exactly the amount.
		if got := aliceBefore - balance(t, d, alice); got != sent {
			t.Fatalf("alice paid %d upha, want %d", got, sent)
		}
	})

	var codeID string
	t.Run("store-code uploads a contract; a file that is not one is refused", func(t *testing.T) {
		codeID = testStoreCode(t, d)
	})

	// The vote runs while the other subtests do; its outcome is checked last.
	var proposal string
	t.Run("a params proposal is checked, submitted and voted", func(t *testing.T) {
		proposal = testSubmitParamsProposal(t, d)
	})

	t.Run("bad input is refused and the chain goes on", func(t *testing.T) {
		h0, err := d.height(0)
		if err != nil {
			t.Fatal(err)
		}
		// Bytes that are not a transaction.
		var res struct {
			Code int    `json:"code"`
			Log  string `json:"log"`
		}
		if err := d.rpc(0, "/broadcast_tx_sync?tx=0x0aff00ff", &res); err != nil {
			t.Fatal(err)
		}
		if res.Code == 0 || !strings.Contains(res.Log, "tx parse error") {
			t.Fatalf("garbage tx: %+v, want a tx parse error", res)
		}
		// The CLI refuses a chain-id the node does not serve, naming both.
		_, errOut, err := d.phalad("tx", "bank", "send", "alice", bob, "1upha", "--chain-id", "not-"+chainID, "-y")
		if err == nil || !strings.Contains(errOut, "wrong chain-id") || !strings.Contains(errOut, `"`+chainID+`"`) {
			t.Fatalf("wrong chain-id: err %v, stderr %q", err, errOut)
		}
		// A transaction signed for another chain and broadcast anyway is
		// refused by the node, which names its own chain-id.
		unsigned := filepath.Join(t.TempDir(), "unsigned.json")
		writeFile(t, unsigned, d.mustPhalad(t, "tx", "bank", "send", "alice", bob, "1upha", "--generate-only"))
		signed := filepath.Join(t.TempDir(), "signed.json")
		number, sequence := account(t, d, "alice")
		writeFile(t, signed, d.mustPhalad(t, "tx", "sign", unsigned, "--from", "alice", "--chain-id", "other-chain",
			"--offline", "--account-number", number, "--sequence", sequence))
		txBytes := strings.TrimSpace(d.mustPhalad(t, "tx", "encode", signed))
		if err := d.rpc(0, "/broadcast_tx_sync?tx="+hexParam(t, txBytes), &res); err != nil {
			t.Fatal(err)
		}
		if res.Code == 0 || !strings.Contains(res.Log, "signature verification failed") || !strings.Contains(res.Log, "chain-id ("+chainID+")") {
			t.Fatalf("tx for another chain: %+v, want a signature failure naming %s", res, chainID)
		}
		waitFor(t, 30*time.Second, "new blocks after the bad input", func() (bool, string) {
			h, err := d.height(0)
			return err == nil && h >= h0+3, fmt.Sprintf("height %d, err %v", h, err)
		})
	})

	var gatekeeper simWorker
	var gatekeeperProposal string
	t.Run("workers register by attestation; forged and expired evidence is refused", func(t *testing.T) {
		gatekeeper, gatekeeperProposal = testRegisterWorkers(t, d)
	})
	t.Run("a phala-enclave process registers, syncs, takes proven messages and resumes after SIGKILL", func(t *testing.T) {
		testEnclaveProcess(t, d)
	})
	t.Run("phala-worker registers its enclave, keeps it in sync and survives a restart", func(t *testing.T) {
		testWorkerSidecar(t, d)
	})
	stopWorker0 := func() {}
	t.Run("devnet workers heartbeat; a SIGKILLed one is slashed, then resumes from its checkpoint and recovers", func(t *testing.T) {
		stopWorker0 = testDevnetWorkers(t, outer, d)
	})
	var contract, instantiateTx string
	t.Run("instantiate: the init is sealed, the gatekeeper publishes a verifiable contract key, a worker is scheduled", func(t *testing.T) {
		if codeID == "" {
			t.Skip("no code was stored")
		}
		contract, instantiateTx = testInstantiate(t, d, codeID)
	})
	var executeTxs []string
	t.Run("execute: a sealed command is queued after the init; a replay and an unknown contract are refused", func(t *testing.T) {
		if contract == "" {
			t.Skip("no contract was created")
		}
		executeTxs = testExecute(t, d, contract)
	})
	t.Run("results: the worker runs the calls in order, the sender decrypts them; out-of-fuel and tampered calls fail alone; no plaintext on any node", func(t *testing.T) {
		if len(executeTxs) != 2 {
			t.Skip("the commands were not sent")
		}
		testResults(t, d, contract, instantiateTx, executeTxs)
	})
	stopMoved := func() {}
	t.Run("a worker SIGKILLed mid-stream: the contract moves to another worker, which restores the state from the chain; no command lost or applied twice", func(t *testing.T) {
		if len(executeTxs) != 2 {
			t.Skip("the contract did not run")
		}
		stopMoved = testWorkerLost(t, outer, d, contract)
	})
	var rotation string
	t.Run("governance orders a master key rotation", func(t *testing.T) {
		rotation = testOrderRotation(t, d)
	})
	t.Run("a killed validator catches up after restart", func(t *testing.T) {
		pid := readPID(t, filepath.Join(home, "node3", "phalad.pid"))
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 15*time.Second, "node3 to go down", func() (bool, string) {
			_, err := d.height(3)
			return err != nil, "node3 still answers"
		})
		hKill, err := d.height(0)
		if err != nil {
			t.Fatal(err)
		}
		// Blocks keep coming, each committed by the 3 remaining validators.
		waitFor(t, 60*time.Second, "5 blocks signed by 3 of 4 validators", func() (bool, string) {
			h, err := d.height(0)
			if err != nil || h < hKill+5 {
				return false, fmt.Sprintf("height %d (killed at %d), err %v", h, hKill, err)
			}
			n, err := d.signers(0, h)
			return err == nil && n == 3, fmt.Sprintf("block %d has %d signatures, err %v", h, n, err)
		})

		// node3 keeps running after this subtest: it belongs to TestDevnet.
		stopNode3 = startPhalad(t, outer, filepath.Join(home, "node3", "phalad.log"), "start", "--home", filepath.Join(home, "node3"))
		waitFor(t, 90*time.Second, "node3 to catch up with node0", func() (bool, string) {
			h0, err0 := d.height(0)
			h3, err3 := d.height(3)
			return err0 == nil && err3 == nil && h3 > hKill+5 && h3 >= h0-1,
				fmt.Sprintf("node0 %d (%v), node3 %d (%v)", h0, err0, h3, err3)
		})
		waitFor(t, 30*time.Second, "node3 to sign blocks again", func() (bool, string) {
			h, err := d.height(0)
			if err != nil {
				return false, err.Error()
			}
			n, err := d.signers(0, h)
			return err == nil && n == 4, fmt.Sprintf("block %d has %d signatures", h, n)
		})
	})

	t.Run("nominations elect a waiting candidate at the next era", func(t *testing.T) {
		testNominationElectsCandidate(t, d)
	})
	t.Run("era rewards are paid and add up to the payout", func(t *testing.T) {
		testRewardsAddUp(t, d)
	})
	t.Run("a killed validator is jailed, chilled and leaves the set", func(t *testing.T) {
		testDowntimeJails(t, d, home)
	})

	t.Run("the params proposal passes and changes only what it named", func(t *testing.T) {
		if proposal == "" {
			t.Skip("no proposal was submitted")
		}
		testParamsProposalPasses(t, d, proposal)
	})
	t.Run("a second gatekeeper receives the master key the devnet's gatekeeper published", func(t *testing.T) {
		if gatekeeperProposal == "" {
			t.Skip("no gatekeeper was proposed")
		}
		testSecondGatekeeper(t, d, gatekeeper, gatekeeperProposal)
	})
	t.Run("the devnet's gatekeeper rotates the master key and shares the new generation", func(t *testing.T) {
		if rotation == "" || gatekeeperProposal == "" {
			t.Skip("no rotation was ordered")
		}
		testRotation(t, d, gatekeeper, rotation)
	})

	t.Run("Ctrl-C stops every node and the chain resumes", func(t *testing.T) {
		hStop, err := d.height(0)
		if err != nil {
			t.Fatal(err)
		}
		bobBalance := balance(t, d, bob)
		// Stop node3 and the workers the tests restarted, then the devnet.
		if err := stopNode3(); err != nil {
			t.Fatal(err)
		}
		stopWorker0()
		stopMoved()
		d.stop(t)
		for i := 0; i < d.nodes; i++ {
			if _, err := d.height(i); err == nil {
				t.Fatalf("node%d still answers after the devnet stopped", i)
			}
		}
		resumed := startDevnet(t, home, portBase, 4)
		if !strings.Contains(resumed.Output(), "resuming the devnet") {
			t.Fatalf("second run did not resume:\n%s", resumed.Output())
		}
		waitFor(t, 30*time.Second, "the resumed chain to pass its old height", func() (bool, string) {
			h, err := resumed.height(0)
			return err == nil && h > hStop, fmt.Sprintf("height %d (stopped at %d)", h, hStop)
		})
		if got := balance(t, resumed, bob); got != bobBalance {
			t.Fatalf("bob's balance after resume %d, before %d", got, bobBalance)
		}
		resumed.stop(t)
	})
}

// TestDevnetCreation kills `devnet --init-only` at several points of the
// creation and checks the next run still creates a complete devnet; then
// that contradicting settings are refused and DEVNET_RESET=1 starts afresh.
func TestDevnetCreation(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: runs phalad")
	}
	home := filepath.Join(t.TempDir(), "devnet")
	script := filepath.Join(repoRoot(t), "scripts", "devnet.sh")
	env := append(os.Environ(), "PHALAD="+phaladBinary, "DEVNET_HOME="+home, "DEVNET_PORT_BASE=45000")
	for _, after := range []time.Duration{50 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond} {
		cmd := exec.Command(script, "--init-only")
		cmd.Env = env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(after)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if _, err := os.Stat(home); err == nil {
			if _, err := os.Stat(filepath.Join(home, "devnet.json")); err != nil {
				t.Fatalf("killed after %s: %s exists without its manifest (half-written)", after, home)
			}
		}
	}
	cmd := exec.Command(script, "--init-only")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("run after interrupted ones failed: %v\n%s", err, out)
	}
	for _, f := range []string{"devnet.json", "accounts.json", "node3/config/genesis.json", "node0/config/priv_validator_key.json"} {
		if _, err := os.Stat(filepath.Join(home, f)); err != nil {
			t.Fatalf("%s missing after creation: %v", f, err)
		}
	}
	if leftovers, _ := filepath.Glob(home + ".creating-*"); len(leftovers) != 0 {
		t.Fatalf("scratch directories left behind: %v", leftovers)
	}

	nodeKey := func() string {
		bz, err := os.ReadFile(filepath.Join(home, "node0", "config", "node_key.json"))
		if err != nil {
			t.Fatal(err)
		}
		return string(bz)
	}
	firstKey := nodeKey()
	cmd = exec.Command(script, "--init-only")
	cmd.Env = append(env, "DEVNET_VALIDATORS=2")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "DEVNET_RESET=1") {
		t.Fatalf("resuming a 4-validator devnet with DEVNET_VALIDATORS=2: err %v, output %q; want a refusal pointing at DEVNET_RESET=1", err, out)
	}
	if nodeKey() != firstKey {
		t.Fatal("a refused run changed the devnet")
	}
	cmd = exec.Command(script, "--init-only")
	cmd.Env = append(env, "DEVNET_RESET=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("DEVNET_RESET=1: %v\n%s", err, out)
	}
	if nodeKey() == firstKey {
		t.Fatal("DEVNET_RESET=1 kept the old devnet's keys")
	}
}

func balance(t *testing.T, d *devnet, addr string) int64 {
	t.Helper()
	var res struct {
		Balances []struct {
			Denom  string `json:"denom"`
			Amount string `json:"amount"`
		} `json:"balances"`
	}
	out := d.mustPhalad(t, "q", "bank", "balances", addr, "-o", "json")
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("balances of %s: %v (%s)", addr, err, out)
	}
	for _, b := range res.Balances {
		if b.Denom == "upha" {
			n, err := strconv.ParseInt(b.Amount, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	return 0
}

// account returns the account number and sequence of a devnet key.
func account(t *testing.T, d *devnet, key string) (number, sequence string) {
	t.Helper()
	addr := strings.TrimSpace(d.mustPhalad(t, "keys", "show", key, "-a"))
	out := d.mustPhalad(t, "q", "auth", "account", addr, "-o", "json")
	var res struct {
		Account struct {
			Value struct {
				Address       string `json:"address"`
				AccountNumber string `json:"account_number"`
				Sequence      string `json:"sequence"`
			} `json:"value"`
		} `json:"account"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Account.Value.Address != addr {
		t.Fatalf("account of %s: %v (%s)", key, err, out)
	}
	orZero := func(s string) string { // zero is omitted from the JSON
		if s == "" {
			return "0"
		}
		return s
	}
	return orZero(res.Account.Value.AccountNumber), orZero(res.Account.Value.Sequence)
}

func readPID(t *testing.T, path string) int {
	t.Helper()
	bz, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(bz)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// hexParam turns base64 tx bytes into a CometBFT RPC GET parameter (0x hex).
func hexParam(t *testing.T, b64 string) string {
	t.Helper()
	bz, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("tx encode gave %q: %v", b64, err)
	}
	return "0x" + hex.EncodeToString(bz)
}
