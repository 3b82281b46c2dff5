package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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
func testInstantiate(t *testing.T, d *devnet, codeID string) (contract, txHash string) {
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
	return addr, res.TxHash
}

// testExecute sends a command with the CLI (sealed after it checked the
// contract key's signature chain): it is queued as call 2, after the init,
// without its plaintext on chain. The same signed command sent again in a
// new transaction (a replay) is refused, and so is a command to a contract
// that does not exist.
func testExecute(t *testing.T, d *devnet, contract string) (txHashes []string) {
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
	txHashes = append(txHashes, res.TxHash)

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
		if want == "" {
			txHashes = append(txHashes, sent.TxHash)
		}
		if want != "" && (sent.Code == 0 || !strings.Contains(sent.RawLog, want)) {
			t.Fatalf("replayed command: code %d, log %q; want it refused with %q", sent.Code, sent.RawLog, want)
		}
	}

	_, errOut, err := d.phalad("tx", "confidential", "execute", devnetAccount(t, d, "bob"), command, "--from", "alice", "-y")
	if err == nil || !strings.Contains(errOut, "no such contract") {
		t.Fatalf("command to an account that is no contract: err %v, stderr %q", err, errOut)
	}
	return txHashes
}

func devnetAccount(t *testing.T, d *devnet, name string) string {
	return strings.TrimSpace(d.mustPhalad(t, "keys", "show", name, "-a"))
}

// decryptedResult is what `q confidential result` prints.
type decryptedResult struct {
	Sequence    uint64          `json:"sequence"`
	Worker      string          `json:"worker"`
	FuelUsed    uint64          `json:"fuel_used"`
	FeePaid     string          `json:"fee_paid"`
	Error       string          `json:"error"`
	ErrorDetail string          `json:"error_detail"`
	Output      json.RawMessage `json:"output"`
}

// result waits for the result of a transaction's call and decrypts it as
// from.
func result(t *testing.T, d *devnet, txHash, from string) decryptedResult {
	t.Helper()
	var r decryptedResult
	if err := json.Unmarshal([]byte(d.mustPhalad(t, "q", "confidential", "result", txHash, "--from", from, "--wait", "90s", "-o", "json")), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func count(t *testing.T, r decryptedResult) uint64 {
	t.Helper()
	var out struct {
		Count uint64 `json:"count"`
	}
	if r.Error != "" || json.Unmarshal(r.Output, &out) != nil {
		t.Fatalf("call %d: error %q (%s), output %s", r.Sequence, r.Error, r.ErrorDetail, r.Output)
	}
	return out.Count
}

// testResults reads the results of the calls testInstantiate and
// testExecute sent: the scheduled worker ran them in order and the sender
// decrypts each (41, +7, +7). A command out of fuel and a tampered
// ciphertext each fail with the same public error the enclave gives
// everywhere and leave the count alone; only the sender can decrypt; an
// encrypted query to the worker reads the count; the plaintexts are nowhere
// in the devnet's blocks, events or data dirs.
func testResults(t *testing.T, d *devnet, contract, instantiateTx string, executeTxs []string) {
	if r := result(t, d, instantiateTx, "alice"); r.Sequence != 1 || r.Error != "" || r.FuelUsed == 0 || r.Worker == "" {
		t.Fatalf("init result %+v", r)
	}
	for i, want := range []uint64{48, 55} {
		if got := count(t, result(t, d, executeTxs[i], "alice")); got != want {
			t.Fatalf("call %d: count %d, want %d", i+2, got, want)
		}
	}
	_, errOut, err := d.phalad("q", "confidential", "result", executeTxs[0], "--from", "bob")
	if err == nil || !strings.Contains(errOut, "only its sender can decrypt") {
		t.Fatalf("another account decrypting: err %v, stderr %q", err, errOut)
	}

	starved := d.sendTx(t, "confidential", "execute", contract, `{"increment":{"by":1000}}`, "--fuel", "1000", "--from", "alice", "--gas", "400000")
	if r := result(t, d, starved.TxHash, "alice"); r.Error != "out of fuel" || !strings.Contains(r.ErrorDetail, "out of fuel") || r.FuelUsed != 1000 {
		t.Fatalf("starved command: %+v", r)
	}

	// A tampered ciphertext: the chain cannot tell, the enclave refuses it.
	unsigned := filepath.Join(t.TempDir(), "execute.json")
	writeFile(t, unsigned, tamperSealed(t, d.mustPhalad(t, "tx", "confidential", "execute", contract, `{"increment":{"by":500}}`,
		"--from", "alice", "--gas", "400000", "--generate-only")))
	signed := filepath.Join(t.TempDir(), "signed.json")
	writeFile(t, signed, d.mustPhalad(t, "tx", "sign", unsigned, "--from", "alice"))
	var sent txResult
	d.queryJSON(t, &sent, "tx", "broadcast", signed)
	if r := result(t, d, sent.TxHash, "alice"); r.Error != "the call does not open with the contract key" || r.Output != nil {
		t.Fatalf("tampered command: %+v", r)
	}

	after := d.sendTx(t, "confidential", "execute", contract, `{"increment":{"by":1}}`, "--from", "alice", "--gas", "400000")
	if got := count(t, result(t, d, after.TxHash, "alice")); got != 56 {
		t.Fatalf("count after the failed calls and +1: %d, want 56 (the failures changed nothing)", got)
	}

	// Queries go straight to the worker, sealed to its attested key.
	var answer struct {
		Worker       string          `json:"worker"`
		CallsApplied uint64          `json:"calls_applied"`
		Output       json.RawMessage `json:"output"`
	}
	d.queryJSON(t, &answer, "q", "confidential", "query", contract, `{"get_count":{}}`)
	var got struct {
		Count uint64 `json:"count"`
	}
	if json.Unmarshal(answer.Output, &got) != nil || got.Count != 56 || answer.CallsApplied != 6 || answer.Worker == "" {
		t.Fatalf("query answer %+v", answer)
	}
	for q, want := range map[string]string{`{"explode":{}}`: "the contract refused the query", `{"get_count"`: "not valid JSON"} {
		if _, errOut, err := d.phalad("q", "confidential", "query", contract, q); err == nil || !strings.Contains(errOut, want) {
			t.Fatalf("query %s: err %v, stderr %q; want %q", q, err, errOut, want)
		}
	}

	secrets := [][]byte{[]byte(`{"increment":{"by":7}}`), []byte(`{"count":41}`), []byte(`"count":48`), []byte(`"count":55`), []byte(`"count":56`)}
	searchPlaintext(t, d.home, secrets)
}

// tamperSealed flips a byte of the sealed command in an unsigned execute
// transaction (JSON, as --generate-only prints it).
func tamperSealed(t *testing.T, tx string) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(tx), &doc); err != nil {
		t.Fatal(err)
	}
	msg := doc["body"].(map[string]any)["messages"].([]any)[0].(map[string]any)
	sealed, err := base64.StdEncoding.DecodeString(msg["sealed"].(string))
	if err != nil {
		t.Fatal(err)
	}
	sealed[len(sealed)-1] ^= 1
	msg["sealed"] = base64.StdEncoding.EncodeToString(sealed)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// searchPlaintext fails if any file under dir (every node's and worker's
// data, logs and checkpoints) holds one of the secrets.
func searchPlaintext(t *testing.T, dir string, secrets [][]byte) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil // a file removed while walking (compaction)
		}
		files++
		for _, s := range secrets {
			if bytes.Contains(b, s) {
				t.Errorf("%s holds the plaintext %q", path, s)
			}
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("searched %d files: %v", files, err)
	}
}

// testWorkerLost SIGKILLs the enclave and sidecar of the worker the
// contract runs on while commands stream in: the chain marks the worker
// unresponsive, takes it off the contract and schedules the devnet's other
// worker, whose enclave receives the contract key from the gatekeeper,
// rebuilds the state from the chain (proven) and runs the calls the lost
// worker had not: every command is applied exactly once, in order, none
// lost. The killed worker is restarted with its scripts (it is told the
// contract moved). It returns a function stopping the restarted processes.
func testWorkerLost(t, outer *testing.T, d *devnet, contract string) (stop func()) {
	var c struct {
		Contract struct {
			Workers [][]byte `json:"workers"`
		} `json:"contract"`
	}
	d.queryJSON(t, &c, "q", "confidential", "contract", contract)
	names := map[string]string{devnetWorkerIdentity(t, d, "worker0"): "worker0", devnetWorkerIdentity(t, d, "worker1"): "worker1"}
	if len(c.Contract.Workers) != 1 || names[hex.EncodeToString(c.Contract.Workers[0])] == "" {
		t.Fatalf("contract workers %x", c.Contract.Workers)
	}
	lost := hex.EncodeToString(c.Contract.Workers[0])
	var other string
	for id := range names {
		if id != lost {
			other = id
		}
	}
	base := count(t, result(t, d, d.sendTx(t, "confidential", "execute", contract, `{"increment":{"by":1}}`, "--from", "alice", "--gas", "400000").TxHash, "alice"))

	// Two commands, then the kill as soon as they are in a block, then two
	// more while the worker is gone.
	var txs []string
	for i := 0; i < 2; i++ {
		txs = append(txs, d.sendTx(t, "confidential", "execute", contract, `{"increment":{"by":1}}`, "--from", "alice", "--gas", "400000").TxHash)
	}
	dir := filepath.Join(d.home, "workers", names[lost])
	for _, part := range []string{"worker", "enclave"} {
		if err := syscall.Kill(readPID(t, filepath.Join(dir, part+".pid")), syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 2; i++ {
		txs = append(txs, d.sendTx(t, "confidential", "execute", contract, `{"increment":{"by":1}}`, "--from", "alice", "--gas", "400000").TxHash)
	}

	waitFor(t, 240*time.Second, "the contract to move to the other worker", func() (bool, string) {
		// Fresh each time: decoding into old elements would keep fields
		// the JSON now omits (false, empty).
		var workers struct {
			Workers []struct {
				IdentityPubkey []byte `json:"identity_pubkey"`
				InService      bool   `json:"in_service"`
				AwaitingKey    bool   `json:"awaiting_key"`
			} `json:"workers"`
		}
		d.queryJSON(t, &workers, "q", "confidential", "contract-workers", contract)
		return len(workers.Workers) == 1 && hex.EncodeToString(workers.Workers[0].IdentityPubkey) == other && !workers.Workers[0].AwaitingKey,
			fmt.Sprintf("%+v", workers)
	})
	var r decryptedResult
	for i, tx := range txs {
		out := d.mustPhalad(t, "q", "confidential", "result", tx, "--from", "alice", "--wait", "180s", "-o", "json")
		r = decryptedResult{}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if got, want := count(t, r), base+uint64(i)+1; got != want {
			t.Fatalf("command %d of the stream (call %d, by worker %s): count %d, want %d", i+1, r.Sequence, r.Worker, got, want)
		}
	}
	if r.Worker != other {
		t.Fatalf("the last command ran on worker %s, want the new worker %s", r.Worker, other)
	}
	var answer struct {
		Worker       string          `json:"worker"`
		CallsApplied uint64          `json:"calls_applied"`
		Output       json.RawMessage `json:"output"`
	}
	d.queryJSON(t, &answer, "q", "confidential", "query", contract, `{"get_count":{}}`)
	var got struct {
		Count uint64 `json:"count"`
	}
	if json.Unmarshal(answer.Output, &got) != nil || answer.Worker != other || answer.CallsApplied != r.Sequence || got.Count != base+4 {
		t.Fatalf("query after the move: worker %s, calls applied %d, output %s; want worker %s, count %d after call %d",
			answer.Worker, answer.CallsApplied, answer.Output, other, base+4, r.Sequence)
	}
	if bz, _ := os.ReadFile(filepath.Join(d.home, "workers", names[other], "worker.log")); !strings.Contains(string(bz), "restored contract "+contract) {
		t.Fatal("the new worker's sidecar did not log a restore")
	}
	// The state the new worker restored and keeps is sealed everywhere.
	searchPlaintext(t, d.home, [][]byte{[]byte(fmt.Sprintf(`"count":%d`, base+4))})

	// The lost worker comes back; its enclave is told the contract moved.
	enclaveLog := filepath.Join(dir, "enclave.log")
	logged, _ := os.ReadFile(enclaveLog)
	stopEnclave := startCommand(t, outer, enclaveLog, filepath.Join(dir, "run-enclave.sh"))
	waitFor(t, 30*time.Second, "the restarted enclave's start line", func() (bool, string) {
		bz, _ := os.ReadFile(enclaveLog)
		return strings.Contains(string(bz[len(logged):]), "serving"), "not started"
	})
	stopWorker := startCommand(t, outer, filepath.Join(dir, "worker.log"), filepath.Join(dir, "run-worker.sh"))
	return func() { _ = stopWorker(); _ = stopEnclave() }
}
