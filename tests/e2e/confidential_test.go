package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	"github.com/phala-cosmos/phala-cosmos/enclave/contractkey"
	"github.com/phala-cosmos/phala-cosmos/internal/wasmbuild"
)

// testStoreCode uploads contracts/hello with the CLI (gzip-compressed, so it
// fits in a transaction) and reads it back; a file that is not a contract
// is refused by the CLI before anything is sent.
func testStoreCode(t *testing.T, d *devnet) (codeID string) {
	module := wasmbuild.Build(t, "../../contracts/hello")
	file := filepath.Join(t.TempDir(), "hello.wasm")
	if err := os.WriteFile(file, module, 0o644); err != nil {
		t.Fatal(err)
	}
	res := d.sendTx(t, "confidential", "store-code", file, "--from", "alice", "--gas", "auto", "--gas-adjustment", "1.3")
	id := res.attribute("store_code", "code_id")
	if id == "" {
		t.Fatalf("no store_code event: %+v", res.Events)
	}
	hash := sha256.Sum256(module)
	var code struct {
		Code struct {
			CodeHash   string `json:"code_hash"`
			Size       string `json:"size"`
			StoredSize string `json:"stored_size"`
			Gzip       bool   `json:"gzip"`
		} `json:"code"`
	}
	d.queryJSON(t, &code, "q", "confidential", "code", id)
	if code.Code.CodeHash != base64.StdEncoding.EncodeToString(hash[:]) || !code.Code.Gzip || num(code.Code.Size) != int64(len(module)) ||
		num(code.Code.StoredSize) >= int64(len(module))/2 {
		t.Fatalf("code %s on chain: %+v; want hash %x, %d bytes, gzip", id, code.Code, hash, len(module))
	}

	notContract := filepath.Join(t.TempDir(), "script.wasm")
	if err := os.WriteFile(notContract, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := d.phalad("tx", "confidential", "store-code", notContract, "--from", "alice", "-y")
	if err == nil || !strings.Contains(errOut, "invalid contract code") || !strings.Contains(errOut, "script.wasm") {
		t.Fatalf("a file that is not a contract: err %v, stderr %q", err, errOut)
	}
	var codes struct {
		Codes []struct{} `json:"codes"`
	}
	d.queryJSON(t, &codes, "q", "confidential", "codes")
	if len(codes.Codes) != 1 {
		t.Fatalf("%d codes on chain, want 1", len(codes.Codes))
	}
	return id
}

// testInstantiate creates a contract with the CLI: the init goes sealed to
// the master key, the devnet's gatekeeper enclave publishes the contract's
// key with a signature that verifies against its identity, and the
// contract is scheduled on one of the devnet's (non-gatekeeper) workers.
func testInstantiate(t *testing.T, d *devnet, codeID string) (contract string) {
	const init = `{"count":41}`
	res := d.sendTx(t, "confidential", "instantiate", codeID, init, "--label", "counter", "--from", "alice", "--gas", "auto", "--gas-adjustment", "1.5")
	addr := res.attribute("instantiate", "contract")
	if addr == "" {
		t.Fatalf("no instantiate event: %+v", res.Events)
	}
	rawTx := d.mustPhalad(t, "q", "tx", res.TxHash, "-o", "json")
	if strings.Contains(rawTx, `"count":41`) || strings.Contains(rawTx, `count\":41`) || strings.Contains(rawTx, base64.StdEncoding.EncodeToString([]byte(init))) {
		t.Fatal("the init's plaintext is in the transaction")
	}

	var c struct {
		Contract struct {
			Key *struct {
				PublicKey  []byte `json:"public_key"`
				Gatekeeper []byte `json:"gatekeeper"`
				Signature  []byte `json:"signature"`
				Generation uint32 `json:"generation"`
			} `json:"key"`
			Workers [][]byte `json:"workers"`
		} `json:"contract"`
	}
	waitFor(t, 90*time.Second, "the gatekeeper to publish the contract key", func() (bool, string) {
		d.queryJSON(t, &c, "q", "confidential", "contract", addr)
		return c.Contract.Key != nil, "not yet"
	})
	key := c.Contract.Key
	gatekeeper := devnetWorkerIdentity(t, d, "gatekeeper0")
	if hex.EncodeToString(key.Gatekeeper) != gatekeeper {
		t.Fatalf("key published by %x, want gatekeeper0 %s", key.Gatekeeper, gatekeeper)
	}
	raw, err := sdk.GetFromBech32(addr, appconfig.AccountAddressPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if !contractkey.Verify(key.Gatekeeper, chainID, raw, key.PublicKey, key.Generation, key.Signature) {
		t.Fatal("the contract key's signature does not verify against the gatekeeper's identity")
	}
	workers := map[string]bool{devnetWorkerIdentity(t, d, "worker0"): true, devnetWorkerIdentity(t, d, "worker1"): true}
	if len(c.Contract.Workers) != 1 || !workers[hex.EncodeToString(c.Contract.Workers[0])] {
		t.Fatalf("scheduled on %x, want one of worker0 and worker1", c.Contract.Workers)
	}
	return addr
}

// testExecute sends a command with the CLI (sealed after it checked the
// contract key's signature chain): it is queued as call 2, after the init,
// without its plaintext on chain. The same signed command sent again in a
// new transaction (a replay) is refused, and so is a command to a contract
// that does not exist.
func testExecute(t *testing.T, d *devnet, contract string) {
	const command = `{"increment":{"by":7}}`
	res := d.sendTx(t, "confidential", "execute", contract, command, "--from", "alice", "--gas", "auto", "--gas-adjustment", "1.5")
	if seq := res.attribute("execute", "sequence"); seq != "2" {
		t.Fatalf("command queued as call %q, want 2 (after the init)", seq)
	}
	rawTx := d.mustPhalad(t, "q", "tx", res.TxHash, "-o", "json")
	if strings.Contains(rawTx, "increment") || strings.Contains(rawTx, base64.StdEncoding.EncodeToString([]byte(command))) {
		t.Fatal("the command's plaintext is in the transaction")
	}

	var call struct {
		Contract string `json:"contract"`
		Sequence string `json:"sequence"`
	}
	d.queryJSON(t, &call, "q", "confidential", "call-by-tx", res.TxHash)
	if call.Contract != contract || call.Sequence != "2" {
		t.Fatalf("call by tx %s: %+v, want call 2 of %s", res.TxHash, call, contract)
	}

	// One sealed command, signed into two transactions.
	unsigned := filepath.Join(t.TempDir(), "execute.json")
	writeFile(t, unsigned, d.mustPhalad(t, "tx", "confidential", "execute", contract, command, "--from", "alice", "--gas", "400000", "--generate-only"))
	for i, want := range []string{"", "nonce already used"} {
		signed := filepath.Join(t.TempDir(), "signed.json")
		writeFile(t, signed, d.mustPhalad(t, "tx", "sign", unsigned, "--from", "alice"))
		var sent txResult
		d.queryJSON(t, &sent, "tx", "broadcast", signed)
		if sent.Code != 0 {
			t.Fatalf("transaction %d refused at check: %+v", i, sent)
		}
		d.queryJSON(t, &sent, "q", "wait-tx", sent.TxHash, "--timeout", "30s")
		if want == "" && sent.Code != 0 {
			t.Fatalf("first send failed: %s", sent.RawLog)
		}
		if want != "" && (sent.Code == 0 || !strings.Contains(sent.RawLog, want)) {
			t.Fatalf("replayed command: code %d, log %q; want it refused with %q", sent.Code, sent.RawLog, want)
		}
	}

	_, errOut, err := d.phalad("tx", "confidential", "execute", devnetAccount(t, d, "bob"), command, "--from", "alice", "-y")
	if err == nil || !strings.Contains(errOut, "no such contract") {
		t.Fatalf("command to an account that is no contract: err %v, stderr %q", err, errOut)
	}
}

func devnetAccount(t *testing.T, d *devnet, name string) string {
	return strings.TrimSpace(d.mustPhalad(t, "keys", "show", name, "-a"))
}
