package checkpoint

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/enclave/internal/testchain"
	"github.com/phala-cosmos/phala-cosmos/enclave/lightclient"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee/sim"
)

func simTEE(t *testing.T, dir string) tee.TEE {
	t.Helper()
	s, err := sim.Open(dir, tee.Measurement{MRSigner: sim.Signer, ISVProdID: 1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSaveAndResume(t *testing.T) {
	platform, dir := t.TempDir(), t.TempDir()
	store, err := NewStore(dir, simTEE(t, platform), 3)
	if err != nil {
		t.Fatal(err)
	}
	vals := testchain.NewValSet(t, 10, 10, 10)
	chain := testchain.Chain(t, 50, vals, vals, 0)
	destA, destB := bytes.Repeat([]byte{0xbb}, 32), bytes.Repeat([]byte{0xaa}, 32)
	for _, h := range []int{10, 20, 30, 40} {
		st := State{Trusted: chain[h-1], Queues: []Queue{{Destination: destA, Next: uint64(h)}, {Destination: destB, Next: 2}},
			EgressNext: uint64(h / 10), App: []byte{byte(h)}}
		if err := store.Save(st); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Fatalf("%d checkpoint files, want the newest 3", len(entries))
	}
	st, skipped, err := store.Latest()
	if err != nil || len(skipped) != 0 {
		t.Fatalf("latest: %v %v", err, skipped)
	}
	if st.Trusted.Height != 40 || !bytes.Equal(st.Trusted.Hash(), chain[39].Hash()) || st.EgressNext != 4 || !bytes.Equal(st.App, []byte{40}) ||
		len(st.Queues) != 2 || !bytes.Equal(st.Queues[0].Destination, destB) || st.Queues[1].Next != 40 {
		t.Fatalf("resumed %+v", st)
	}
	// The light client resumes from it and goes on verifying.
	c, err := lightclient.Resume(testchain.ChainID, st.Trusted, lightclient.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Update(chain[40]); err != nil {
		t.Fatalf("header 41 after resuming at 40: %v", err)
	}
	if _, err := lightclient.Resume("other-chain", st.Trusted, lightclient.DefaultOptions()); !errors.Is(err, lightclient.ErrWrongChain) {
		t.Fatalf("resuming for another chain: %v", err)
	}

	// Corrupt the newest: the one before is used, and the damage reported.
	newest := filepath.Join(dir, "checkpoint-00000000000000000040.sealed")
	b, _ := os.ReadFile(newest)
	b[len(b)/2] ^= 1
	if err := os.WriteFile(newest, b, 0o600); err != nil {
		t.Fatal(err)
	}
	st, skipped, err = store.Latest()
	if err != nil || st.Trusted.Height != 30 || len(skipped) != 1 {
		t.Fatalf("after corrupting 40: height %d, skipped %v, err %v", st.Trusted.Height, skipped, err)
	}
	// A checkpoint renamed to another height does not unseal.
	if err := os.Rename(filepath.Join(dir, "checkpoint-00000000000000000030.sealed"), filepath.Join(dir, "checkpoint-00000000000000000035.sealed")); err != nil {
		t.Fatal(err)
	}
	st, skipped, err = store.Latest()
	if err != nil || st.Trusted.Height != 20 || len(skipped) != 2 {
		t.Fatalf("after renaming 30: height %d, skipped %v, err %v", st.Trusted.Height, skipped, err)
	}
	// Another platform cannot use any of them.
	other, _ := NewStore(dir, simTEE(t, t.TempDir()), 3)
	if _, skipped, err := other.Latest(); !errors.Is(err, ErrNone) || len(skipped) != 3 {
		t.Fatalf("another platform: %v %v", err, skipped)
	}
	if _, err := NewStore(dir, simTEE(t, platform), 1); err == nil {
		t.Fatal("keep 1 accepted: nothing to fall back on")
	}
}

func TestDecodeRejectsGarbage(t *testing.T) {
	vals := testchain.NewValSet(t, 10)
	good, err := encode(State{Trusted: testchain.Chain(t, 1, vals, vals, 0)[0], Queues: []Queue{{Destination: []byte{1}, Next: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decode(good); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(good); n++ {
		if _, err := decode(good[:n]); err == nil {
			t.Fatalf("truncated to %d bytes: decoded", n)
		}
	}
	if _, err := decode(append(bytes.Clone(good), 0)); err == nil {
		t.Fatal("trailing byte accepted")
	}
}

// FuzzDecode: the checkpoint decoder never panics on any plaintext.
func FuzzDecode(f *testing.F) {
	vals := testchain.NewValSet(f, 10)
	good, err := encode(State{Trusted: testchain.Chain(f, 1, vals, vals, 0)[0], Queues: []Queue{{Destination: []byte{1}, Next: 1}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Fuzz(func(t *testing.T, b []byte) {
		if st, err := decode(b); err == nil && st.Trusted == nil {
			t.Fatal("decoded a checkpoint without a block")
		}
	})
}
