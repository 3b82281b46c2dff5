package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/internal/wasmbuild"
)

// testStoreCode uploads contracts/hello with the CLI (gzip-compressed, so it
// fits in a transaction) and reads it back; a file that is not a contract
// is refused by the CLI before anything is sent.
func testStoreCode(t *testing.T, d *devnet) {
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
}
