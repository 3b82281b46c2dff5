package contractkey

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
	"github.com/phala-cosmos/phala-cosmos/enclave/masterkey"
)

type opener struct{ k *ecdh.PrivateKey }

func (o opener) OpenEnvelope(sealed, ad []byte) ([]byte, error) {
	return envelope.Open(o.k, sealed, ad)
}

func mustMaster(t *testing.T) *masterkey.Master {
	m, err := masterkey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDeriveIsPerChainAndContract(t *testing.T) {
	m := mustMaster(t)
	addr := bytes.Repeat([]byte{1}, 32)
	a, err := Derive(m, "chain-1", addr)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Derive(m, "chain-1", addr)
	if !a.Equal(again) {
		t.Fatal("the same master key derived two keys for one contract")
	}
	otherChain, _ := Derive(m, "chain-2", addr)
	otherContract, _ := Derive(m, "chain-1", bytes.Repeat([]byte{2}, 32))
	otherMaster, _ := Derive(mustMaster(t), "chain-1", addr)
	for name, k := range map[string]*ecdh.PrivateKey{"other chain": otherChain, "other contract": otherContract, "other master key": otherMaster} {
		if k.Equal(a) {
			t.Errorf("%s: same key", name)
		}
	}
}

func TestVerify(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	addr, key := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{7}, 32)
	sig := ed25519.Sign(priv, SignBytes("chain-1", addr, key, 1))
	if !Verify(pub, "chain-1", addr, key, 1, sig) {
		t.Fatal("a valid signature was refused")
	}
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	for name, ok := range map[string]bool{
		"other chain":      Verify(pub, "chain-2", addr, key, 1, sig),
		"other contract":   Verify(pub, "chain-1", key, key, 1, sig),
		"other key":        Verify(pub, "chain-1", addr, addr, 1, sig),
		"other generation": Verify(pub, "chain-1", addr, key, 2, sig),
		"other signer":     Verify(otherPub, "chain-1", addr, key, 1, sig),
		"short signature":  Verify(pub, "chain-1", addr, key, 1, sig[:63]),
		"short key":        Verify(pub, "chain-1", addr, key[:31], 1, sig),
	} {
		if ok {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestShare(t *testing.T) {
	m := mustMaster(t)
	addr, worker := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{3}, 32)
	key, _ := Derive(m, "chain-1", addr)
	workerKey, _ := ecdh.X25519().GenerateKey(rand.Reader)
	share, err := ShareTo(key, "chain-1", addr, worker, workerKey.PublicKey().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(share, key.Bytes()) {
		t.Fatal("the share carries the secret key in the clear")
	}
	got, err := Receive(opener{workerKey}, "chain-1", addr, worker, key.PublicKey().Bytes(), share)
	if err != nil || !got.Equal(key) {
		t.Fatalf("receive: %v", err)
	}
	stranger, _ := ecdh.X25519().GenerateKey(rand.Reader)
	other, _ := Derive(m, "chain-1", worker)
	for name, receive := range map[string]func() (*ecdh.PrivateKey, error){
		"another worker's key": func() (*ecdh.PrivateKey, error) {
			return Receive(opener{stranger}, "chain-1", addr, worker, key.PublicKey().Bytes(), share)
		},
		"another identity": func() (*ecdh.PrivateKey, error) {
			return Receive(opener{workerKey}, "chain-1", addr, addr, key.PublicKey().Bytes(), share)
		},
		"another contract": func() (*ecdh.PrivateKey, error) {
			return Receive(opener{workerKey}, "chain-1", worker, worker, key.PublicKey().Bytes(), share)
		},
		"another published key": func() (*ecdh.PrivateKey, error) {
			return Receive(opener{workerKey}, "chain-1", addr, worker, other.PublicKey().Bytes(), share)
		},
		"tampered": func() (*ecdh.PrivateKey, error) {
			bad := append([]byte(nil), share...)
			bad[len(bad)-1] ^= 1
			return Receive(opener{workerKey}, "chain-1", addr, worker, key.PublicKey().Bytes(), bad)
		},
	} {
		if _, err := receive(); !errors.Is(err, ErrShare) {
			t.Errorf("%s: err %v, want ErrShare", name, err)
		}
	}
}
