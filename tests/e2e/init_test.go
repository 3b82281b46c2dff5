package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSingleNodeFromInit follows the path of a real network's operator:
// init, keys, genesis account, genesis validator, validate, start. The node
// must produce blocks, and its default attestation policy must refuse
// simulated enclaves (a simulated worker's registration fails); a second operator then bonds and declares itself a
// candidate after genesis.
func TestSingleNodeFromInit(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: runs phalad")
	}
	home := filepath.Join(t.TempDir(), "node")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(phaladBinary, append(args, "--home", home)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("phalad %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("init", "solo", "--chain-id", "phala-solo-1")
	run("keys", "add", "operator", "--keyring-backend", "test")
	run("genesis", "add-genesis-account", "operator", "5000000000upha", "--keyring-backend", "test")

	// Refusals leave the genesis as it was.
	genesisFile := filepath.Join(home, "config", "genesis.json")
	before, err := os.ReadFile(genesisFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		bond, want string
	}{
		{"6000000000upha", "cannot bond"},
		{"1000000000uatom", "bond denom"},
		{"10upha", "min_validator_bond"},
	} {
		out, err := exec.Command(phaladBinary, "genesis", "add-genesis-validator", "operator", tc.bond,
			"--keyring-backend", "test", "--home", home).CombinedOutput()
		if err == nil || !strings.Contains(string(out), tc.want) {
			t.Fatalf("bond %s: err %v, output %q; want a refusal mentioning %q", tc.bond, err, out, tc.want)
		}
	}
	if after, _ := os.ReadFile(genesisFile); string(after) != string(before) {
		t.Fatal("a refused add-genesis-validator changed genesis.json")
	}

	run("genesis", "add-genesis-validator", "operator", "1000000000upha", "--keyring-backend", "test", "--commission", "0.1")
	run("genesis", "validate")

	base := freePortBase(t, 1)
	startPhalad(t, t, filepath.Join(home, "phalad.log"), "start", "--home", home,
		"--p2p.laddr", fmt.Sprintf("tcp://127.0.0.1:%d", base),
		"--rpc.laddr", fmt.Sprintf("tcp://127.0.0.1:%d", base+1),
		"--grpc.address", fmt.Sprintf("127.0.0.1:%d", base+2),
		"--api.address", fmt.Sprintf("tcp://127.0.0.1:%d", base+3),
	)

	d := &devnet{home: home, portBase: base, nodes: 1}
	waitFor(t, 60*time.Second, "the single node to commit 3 blocks", func() (bool, string) {
		h, err := d.height(0)
		return err == nil && h >= 3, fmt.Sprintf("height %d, err %v", h, err)
	})
	policy := run("q", "registry", "params", "-o", "json", "--node", d.rpcURL(0))
	if strings.Contains(policy, `"allow_simulation": true`) || strings.Contains(policy, `"allow_simulation":true`) {
		t.Fatalf("phalad init must refuse simulated enclaves by default: %s", policy)
	}
	// The registration a devnet accepts is refused here, before anything is
	// signed, naming the policy.
	w := newSimWorker(t, func(args ...string) string { return run(append(args, "--node", d.rpcURL(0))...) },
		strings.TrimSpace(run("keys", "show", "operator", "-a", "--keyring-backend", "test")))
	out, err := exec.Command(phaladBinary, append(w.args("operator"), "--home", home, "--keyring-backend", "test",
		"--chain-id", "phala-solo-1", "--node", d.rpcURL(0), "--gas", "auto", "-y")...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "allow_simulation false") {
		t.Fatalf("a simulated registration on a chain that forbids simulation: err %v, output %s", err, out)
	}
	validators := run("q", "stakingnpos", "validators", "-o", "json", "--node", d.rpcURL(0))
	if !strings.Contains(validators, "VALIDATOR_STATUS_ELECTED") || !strings.Contains(validators, `"power": "1000"`) {
		t.Fatalf("the genesis validator should be elected with power 1000: %s", validators)
	}

	// After genesis, a second operator becomes a candidate with the commands
	// the README gives: bond, then validate with the consensus key of its own
	// node. The node asks for a minimum gas price, so fees are paid.
	tx := func(args ...string) {
		t.Helper()
		// Output, not CombinedOutput: --gas auto prints its estimate on stderr.
		cmd := exec.Command(phaladBinary, append(append([]string{"tx"}, args...), "--home", home, "--keyring-backend", "test",
			"--chain-id", "phala-solo-1", "--node", d.rpcURL(0), "--gas", "auto", "--gas-adjustment", "1.5",
			"--gas-prices", "0.0025upha", "-y", "-o", "json")...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var res txResult
		if err != nil || json.Unmarshal(out, &res) != nil || res.Code != 0 {
			t.Fatalf("tx %s refused: %v %s %s", strings.Join(args, " "), err, out, stderr.String())
		}
		out = []byte(run("q", "wait-tx", res.TxHash, "--timeout", "30s", "-o", "json", "--node", d.rpcURL(0)))
		if err := json.Unmarshal(out, &res); err != nil || res.Code != 0 {
			t.Fatalf("tx %s failed in its block: %v %s", strings.Join(args, " "), err, out)
		}
	}
	run("keys", "add", "second", "--keyring-backend", "test")
	second := strings.TrimSpace(run("keys", "show", "second", "-a", "--keyring-backend", "test"))
	tx("bank", "send", "operator", second, "2000000000upha")
	secondHome := filepath.Join(t.TempDir(), "second")
	if out, err := exec.Command(phaladBinary, "init", "second", "--chain-id", "phala-solo-1", "--home", secondHome).CombinedOutput(); err != nil {
		t.Fatalf("phalad init second: %v\n%s", err, out)
	}
	pubkey, err := exec.Command(phaladBinary, "comet", "show-validator", "--home", secondHome).Output()
	if err != nil {
		t.Fatalf("phalad comet show-validator: %v", err)
	}
	tx("stakingnpos", "bond", "1500000000upha", "--from", "second")
	tx("stakingnpos", "validate", strings.TrimSpace(string(pubkey)), "0.05", "--description", `{"moniker":"second"}`, "--from", "second")

	var list struct {
		Validators []validatorInfo `json:"validators"`
	}
	if err := json.Unmarshal([]byte(run("q", "stakingnpos", "validators", "-o", "json", "--node", d.rpcURL(0))), &list); err != nil {
		t.Fatal(err)
	}
	var key struct {
		Key string `json:"key"`
	}
	if err := json.Unmarshal(pubkey, &key); err != nil {
		t.Fatalf("show-validator printed %q: %v", pubkey, err)
	}
	found := false
	for _, v := range list.Validators {
		if v.Validator.Description.Moniker == "second" {
			found = true
			if v.Status != "VALIDATOR_STATUS_WAITING" || v.Validator.ConsensusPubkey.Value != key.Key {
				t.Fatalf("the new candidate should wait for the next election with its node's key %s: %+v", key.Key, v)
			}
		}
	}
	if !found {
		t.Fatalf("the new candidate is not listed: %+v", list.Validators)
	}
}
