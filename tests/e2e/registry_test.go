package e2e

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/egress"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee/sim"
)

// simWorker is a simulated enclave's registration: fresh keys and a
// simulated report bound to one chain and operator.
type simWorker struct {
	identity, ecdh string // hex public keys
	evidence       string // file holding the simulated report
	key            ed25519.PrivateKey
}

// newSimWorker makes enclave keys and asks the chain (through the CLI) what
// their report data must be, then has a simulated TEE attest it. run runs
// phalad with the chain's home and node flags.
func newSimWorker(t *testing.T, run func(args ...string) string, operator string) simWorker {
	t.Helper()
	idPub, idKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	x, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	w := simWorker{identity: hex.EncodeToString(idPub), ecdh: hex.EncodeToString(x.PublicKey().Bytes()), key: idKey}
	var res struct {
		ReportData string `json:"report_data"`
	}
	out := run("q", "registry", "report-data", operator, w.identity, w.ecdh, "-o", "json")
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("report-data: %v\n%s", err, out)
	}
	var data [64]byte
	if n, err := hex.Decode(data[:], []byte(res.ReportData)); err != nil || n != 64 {
		t.Fatalf("report data %q: %v", res.ReportData, err)
	}
	measurement, err := sim.ExecutableMeasurement(sim.DefaultProdID, 0)
	if err != nil {
		t.Fatal(err)
	}
	tee, err := sim.Open(t.TempDir(), measurement)
	if err != nil {
		t.Fatal(err)
	}
	report, err := tee.Quote(data)
	if err != nil {
		t.Fatal(err)
	}
	w.evidence = filepath.Join(t.TempDir(), "sim-report.bin")
	writeFile(t, w.evidence, string(report))
	return w
}

// args are the register-worker arguments for w.
func (w simWorker) args(from string) []string {
	return []string{"tx", "registry", "register-worker", w.evidence, "--identity-pubkey", w.identity,
		"--ecdh-pubkey", w.ecdh, "--endpoint", "http://127.0.0.1:8000", "--from", from}
}

// testRegisterWorkers registers a simulated worker on the devnet, refuses
// one whose report data was made for another operator and a real Intel quote
// whose collateral has expired, bonds the worker into service, and proposes
// it as a gatekeeper (every validator votes yes). It returns the worker and
// the proposal id.
func testRegisterWorkers(t *testing.T, d *devnet) (simWorker, string) {
	alice := strings.TrimSpace(d.mustPhalad(t, "keys", "show", "alice", "-a", "--keyring-backend", "test"))
	bob := strings.TrimSpace(d.mustPhalad(t, "keys", "show", "bob", "-a", "--keyring-backend", "test"))
	run := func(args ...string) string { return d.mustPhalad(t, args...) }
	refused := func(args []string, want string) {
		t.Helper()
		// --gas auto simulates first, so the refusal comes before signing.
		out, errOut, err := d.phalad(append(args, "--keyring-backend", "test", "--gas", "auto", "-y")...)
		if err == nil || !strings.Contains(errOut, want) {
			t.Fatalf("%s: err %v, output %q %q; want a refusal mentioning %q", strings.Join(args[:3], " "), err, out, errOut, want)
		}
	}

	// Report data made for bob, submitted by alice.
	forged := newSimWorker(t, run, bob)
	refused(forged.args("alice"), "report data does not commit to this registration")

	// A real quote from Intel hardware, with collateral long expired.
	quote := newSimWorker(t, run, alice)
	quote.evidence = "../../enclave/attestation/testdata/phala/sgx_quote.bin"
	refused(append(quote.args("alice"), "--collateral", "../../enclave/attestation/testdata/phala/sgx_quote_collateral.json"),
		"attestation: root ca crl: the CRL expired at 2026-04-03T11:21:57Z")

	w := newSimWorker(t, run, alice)
	d.sendTx(t, w.args("alice")[1:]...)
	var res struct {
		Worker struct {
			Operator  string `json:"operator"`
			Backend   string `json:"backend"`
			MrSigner  string `json:"mr_signer"`
			TcbStatus string `json:"tcb_status"`
			Endpoint  string `json:"endpoint"`
		} `json:"worker"`
	}
	d.queryJSON(t, &res, "q", "registry", "worker", w.identity)
	if res.Worker.Operator != alice || res.Worker.Backend != "sim" || res.Worker.MrSigner != hex.EncodeToString(sim.Signer[:]) ||
		res.Worker.TcbStatus != "Simulated (INSECURE)" || res.Worker.Endpoint != "http://127.0.0.1:8000" {
		t.Fatalf("registered worker %+v", res.Worker)
	}
	refused(w.args("alice"), "worker already registered")
	identity, err := hex.DecodeString(w.identity)
	if err != nil {
		t.Fatal(err)
	}
	proveWorkerRecord(t, d, identity)

	// Out of service until bonded at least min_worker_bond (1,000 PHA).
	var status struct {
		InService bool `json:"in_service"`
		Worker    struct {
			Bond struct {
				Amount string `json:"amount"`
			} `json:"bond"`
		} `json:"worker"`
	}
	d.queryJSON(t, &status, "q", "registry", "worker", w.identity)
	if status.InService {
		t.Fatal("an unbonded worker is in service")
	}
	refused([]string{"tx", "registry", "bond-worker", w.identity, "5uatom", "--from", "alice"}, "wrong bond denom")
	refused([]string{"tx", "registry", "bond-worker", w.identity, "1000000000upha", "--from", "bob"}, "signer is not the worker's operator")
	d.sendTx(t, "registry", "bond-worker", w.identity, "1000000000upha", "--from", "alice")
	d.queryJSON(t, &status, "q", "registry", "worker", w.identity)
	if !status.InService || status.Worker.Bond.Amount != "1000000000" {
		t.Fatalf("after bonding 1,000 PHA: %+v", status)
	}

	submitted := d.sendTx(t, "registry", "add-gatekeeper", w.identity, "--title", "First gatekeeper", "--summary", "e2e",
		"--deposit", "10000000upha", "--from", "alice")
	id := submitted.attribute("submit_proposal", "proposal_id")
	if id == "" {
		t.Fatalf("no proposal_id in the submission's events: %+v", submitted.Events)
	}
	for i := 0; i < 4; i++ {
		d.sendTx(t, "gov", "vote", id, "yes", "--from", fmt.Sprintf("validator%d", i))
	}
	return w, id
}

// testMasterKeyPublished waits for the gatekeeper proposal to pass, then has
// the gatekeeper's enclave (its identity key, held here) publish a master
// public key through the egress channel, submitted by bob: the chain stores
// it; a replica's identical submission is a duplicate; a forged signature
// and a second message under the same number are refused.
func testMasterKeyPublished(t *testing.T, d *devnet, w simWorker, proposal string) {
	waitFor(t, 90*time.Second, "the gatekeeper proposal to pass", func() (bool, string) {
		var res struct {
			Gatekeepers []struct {
				Operator string `json:"operator"`
			} `json:"gatekeepers"`
		}
		d.queryJSON(t, &res, "q", "registry", "gatekeepers")
		return len(res.Gatekeepers) == 1, fmt.Sprintf("%d gatekeepers (proposal %s)", len(res.Gatekeepers), proposal)
	})
	master, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	submit := func(seq uint64, publicKey []byte, sign func([]byte) []byte) []string {
		payload, err := (&enclaveapi.EgressMessage{Body: &enclaveapi.EgressMessage_MasterKeyPublished{
			MasterKeyPublished: &enclaveapi.MasterKeyPublished{PublicKey: publicKey}}}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "payload.bin")
		writeFile(t, file, string(payload))
		worker := w.key.Public().(ed25519.PublicKey)
		sig := sign(egress.SignBytes(chainID, worker, seq, payload))
		return []string{"tx", "registry", "submit-egress", w.identity, fmt.Sprint(seq), file, hex.EncodeToString(sig), "--from", "bob"}
	}
	honest := func(b []byte) []byte { return ed25519.Sign(w.key, b) }
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	forged := submit(1, master.PublicKey().Bytes(), func(b []byte) []byte { return ed25519.Sign(stranger, b) })
	out, errOut, err := d.phalad(append(forged, "--keyring-backend", "test", "--gas", "auto", "-y")...)
	if err == nil || !strings.Contains(errOut, "egress signature does not verify") {
		t.Fatalf("forged egress: err %v, output %q %q", err, out, errOut)
	}
	first := submit(1, master.PublicKey().Bytes(), honest)
	d.sendTx(t, first[1:]...)
	var res struct {
		MasterKey struct {
			PublicKey   string `json:"public_key"`
			PublishedBy string `json:"published_by"`
		} `json:"master_key"`
	}
	d.queryJSON(t, &res, "q", "registry", "master-key")
	if res.MasterKey.PublicKey != base64.StdEncoding.EncodeToString(master.PublicKey().Bytes()) {
		t.Fatalf("master key %+v", res.MasterKey)
	}
	dup := d.sendTx(t, first[1:]...)
	if dup.attribute("egress", "duplicate") != "true" {
		t.Fatalf("a replica's identical submission: %+v", dup.Events)
	}
	other, _ := ecdh.X25519().GenerateKey(rand.Reader)
	out, errOut, err = d.phalad(append(submit(1, other.PublicKey().Bytes(), honest), "--keyring-backend", "test", "--gas", "auto", "-y")...)
	if err == nil || !strings.Contains(errOut, "egress message already used") {
		t.Fatalf("another message 1: err %v, output %q %q", err, out, errOut)
	}
}
