package e2e

import (
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
// simulated enclaves.
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
	validators := run("q", "stakingnpos", "validators", "-o", "json", "--node", d.rpcURL(0))
	if !strings.Contains(validators, "VALIDATOR_STATUS_ELECTED") || !strings.Contains(validators, `"power": "1000"`) {
		t.Fatalf("the genesis validator should be elected with power 1000: %s", validators)
	}
}
