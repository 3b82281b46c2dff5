package e2e

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/egress"
	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
	"github.com/phala-cosmos/phala-cosmos/enclave/masterkey"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee/sim"
)

// simWorker is a simulated enclave's registration: fresh keys and a
// simulated report bound to one chain and operator.
type simWorker struct {
	identity, ecdh string // hex public keys
	evidence       string // file holding the simulated report
	key            ed25519.PrivateKey
	x              *ecdh.PrivateKey
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
	w := simWorker{identity: hex.EncodeToString(idPub), ecdh: hex.EncodeToString(x.PublicKey().Bytes()), key: idKey, x: x}
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

	return w, proposeAndVote(t, d, "registry", "add-gatekeeper", w.identity, "--title", "Second gatekeeper")
}

// testSecondGatekeeper waits for the proposal making w a gatekeeper to pass.
// The devnet's gatekeeper0 (a real phala-enclave, appointed first) has
// published the master key; its enclave now shares it with w through the
// chain, and w (its X25519 key held here) opens the share from its ingress
// queue and finds the published key. Then w's egress channel: a forged
// signature is refused, a replica's identical submission is a duplicate, a
// second message under the same number is refused.
func testSecondGatekeeper(t *testing.T, d *devnet, w simWorker, proposal string) {
	waitFor(t, 120*time.Second, "the gatekeeper proposal to pass", func() (bool, string) {
		var res struct {
			Gatekeepers []struct {
				Operator string `json:"operator"`
			} `json:"gatekeepers"`
		}
		d.queryJSON(t, &res, "q", "registry", "gatekeepers")
		return len(res.Gatekeepers) == 2, fmt.Sprintf("%d gatekeepers (proposal %s)", len(res.Gatekeepers), proposal)
	})
	// The first generation (a rotation may have followed meanwhile).
	var mk struct {
		History []struct {
			PublicKey   []byte `json:"public_key"`
			PublishedBy []byte `json:"published_by"`
		} `json:"history"`
	}
	d.queryJSON(t, &mk, "q", "registry", "master-key")
	identity, _ := hex.DecodeString(w.identity)
	if len(mk.History) == 0 || len(mk.History[0].PublicKey) != 32 || bytes.Equal(mk.History[0].PublishedBy, identity) {
		t.Fatalf("master key history %+v: want generation 1 published by the devnet's gatekeeper", mk.History)
	}
	first := mk.History[0]
	share := waitForShare(t, d, identity, 1)
	if !bytes.Equal(share.From, first.PublishedBy) || !bytes.Equal(share.MasterPublicKey, first.PublicKey) {
		t.Fatalf("share from %x with key %x; want from %x with %x", share.From, share.MasterPublicKey, first.PublishedBy, first.PublicKey)
	}
	master, err := masterkey.Receive(x25519Opener{w.x}, chainID, identity, share.MasterPublicKey, share.Share)
	if err != nil || !bytes.Equal(master.Public(), first.PublicKey) {
		t.Fatalf("the second gatekeeper cannot take the master key: %v", err)
	}
	// Another key cannot open it.
	stranger, _ := ecdh.X25519().GenerateKey(rand.Reader)
	if _, err := masterkey.Receive(x25519Opener{stranger}, chainID, identity, share.MasterPublicKey, share.Share); err == nil {
		t.Fatal("a stranger opened the master key share")
	}

	submit := func(seq uint64, score uint64, sign func([]byte) []byte) []string {
		payload, err := (&enclaveapi.EgressMessage{Body: &enclaveapi.EgressMessage_BenchmarkResult{
			BenchmarkResult: &enclaveapi.BenchmarkResult{PerformanceScore: score}}}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "payload.bin")
		writeFile(t, file, string(payload))
		sig := sign(egress.SignBytes(chainID, identity, seq, payload))
		return []string{"tx", "registry", "submit-egress", w.identity, fmt.Sprint(seq), file, hex.EncodeToString(sig), "--from", "bob"}
	}
	honest := func(b []byte) []byte { return ed25519.Sign(w.key, b) }
	_, strangerKey, _ := ed25519.GenerateKey(rand.Reader)
	forged := submit(1, 77, func(b []byte) []byte { return ed25519.Sign(strangerKey, b) })
	out, errOut, err := d.phalad(append(forged, "--keyring-backend", "test", "--gas", "auto", "-y")...)
	if err == nil || !strings.Contains(errOut, "egress signature does not verify") {
		t.Fatalf("forged egress: err %v, output %q %q", err, out, errOut)
	}
	accepted := submit(1, 77, honest)
	d.sendTx(t, accepted[1:]...)
	var st struct {
		Stats struct {
			PerformanceScore string `json:"performance_score"`
		} `json:"stats"`
	}
	d.queryJSON(t, &st, "q", "registry", "worker-status", w.identity)
	if st.Stats.PerformanceScore != "77" {
		t.Fatalf("benchmark through egress: %+v", st)
	}
	dup := d.sendTx(t, accepted[1:]...)
	if dup.attribute("egress", "duplicate") != "true" {
		t.Fatalf("a replica's identical submission: %+v", dup.Events)
	}
	out, errOut, err = d.phalad(append(submit(1, 78, honest), "--keyring-backend", "test", "--gas", "auto", "-y")...)
	if err == nil || !strings.Contains(errOut, "egress message already used") {
		t.Fatalf("another message 1: err %v, output %q %q", err, out, errOut)
	}
}

// x25519Opener opens envelopes to a key the test holds, as an enclave would.
type x25519Opener struct{ k *ecdh.PrivateKey }

func (o x25519Opener) OpenEnvelope(sealed, associatedData []byte) ([]byte, error) {
	return envelope.Open(o.k, sealed, associatedData)
}

// waitForShare waits for a master key share of generation in the queue of
// the enclave identity and returns it.
func waitForShare(t *testing.T, d *devnet, identity []byte, generation uint32) *enclaveapi.MasterKeyShare {
	t.Helper()
	var share *enclaveapi.MasterKeyShare
	waitFor(t, 60*time.Second, fmt.Sprintf("the share of generation %d in the gatekeeper's queue", generation), func() (bool, string) {
		for _, m := range ingressQueue(t, d, identity) {
			if s := m.GetMasterKeyShare(); s != nil && s.Generation == generation {
				share = s
				return true, ""
			}
		}
		return false, "no share yet"
	})
	return share
}

// ingressQueue reads every message the chain queued for an enclave.
func ingressQueue(t *testing.T, d *devnet, identity []byte) []*enclaveapi.IngressMessage {
	t.Helper()
	node, err := rpchttp.New(d.rpcURL(0), "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := node.ABCIQuery(ctx, "/store/registry/key", ingress.LengthKey(identity))
	if err != nil || len(res.Response.Value) != 8 {
		return nil
	}
	var out []*enclaveapi.IngressMessage
	for seq := uint64(1); seq <= binary.BigEndian.Uint64(res.Response.Value); seq++ {
		res, err := node.ABCIQuery(ctx, "/store/registry/key", ingress.MessageKey(identity, seq))
		if err != nil {
			t.Fatal(err)
		}
		var m enclaveapi.IngressMessage
		if err := m.Unmarshal(res.Response.Value); err != nil {
			t.Fatalf("ingress %d: %v", seq, err)
		}
		out = append(out, &m)
	}
	return out
}

// testOrderRotation waits for the devnet's master key, then proposes a
// rotation (every validator votes yes) and returns the proposal id; the
// outcome is checked later by testRotation, while other subtests run.
func testOrderRotation(t *testing.T, d *devnet) string {
	waitFor(t, 120*time.Second, "the devnet's master key", func() (bool, string) {
		_, _, err := d.phalad("q", "registry", "master-key")
		return err == nil, fmt.Sprint(err)
	})
	return proposeAndVote(t, d, "registry", "rotate-master-key", "--title", "Rotate the master key")
}

// testRotation waits for the rotation governance ordered: the devnet's
// gatekeeper enclave generates generation 2 and publishes it, the first is
// kept in the history, and the second gatekeeper w opens the new
// generation's share from its queue.
func testRotation(t *testing.T, d *devnet, w simWorker, proposal string) {
	type key struct {
		PublicKey   []byte `json:"public_key"`
		PublishedBy []byte `json:"published_by"`
		Generation  int    `json:"generation"`
	}
	var res struct {
		MasterKey key   `json:"master_key"`
		History   []key `json:"history"`
	}
	waitFor(t, 150*time.Second, "generation 2 of the master key", func() (bool, string) {
		d.queryJSON(t, &res, "q", "registry", "master-key")
		return res.MasterKey.Generation == 2, fmt.Sprintf("generation %d (proposal %s)", res.MasterKey.Generation, proposal)
	})
	if len(res.History) != 2 || res.History[0].Generation != 1 || bytes.Equal(res.History[0].PublicKey, res.MasterKey.PublicKey) ||
		!bytes.Equal(res.History[0].PublishedBy, res.MasterKey.PublishedBy) {
		t.Fatalf("after the rotation: %+v", res)
	}
	identity, _ := hex.DecodeString(w.identity)
	share := waitForShare(t, d, identity, 2)
	master, err := masterkey.Receive(x25519Opener{w.x}, chainID, identity, share.MasterPublicKey, share.Share)
	if err != nil || !bytes.Equal(master.Public(), res.MasterKey.PublicKey) {
		t.Fatalf("the second gatekeeper cannot take generation 2: %v", err)
	}
}
