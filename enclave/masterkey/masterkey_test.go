package masterkey

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/enclave/keys"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee/sim"
)

func gatekeeper(t *testing.T) (*keys.Keys, tee.TEE) {
	t.Helper()
	s, err := sim.Open(t.TempDir(), tee.Measurement{MRSigner: sim.Signer, ISVProdID: 1})
	if err != nil {
		t.Fatal(err)
	}
	k, err := keys.LoadOrCreate(s, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return k, s
}

func TestHandOver(t *testing.T) {
	m, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if strings.Contains(fmt.Sprintf(format, m), fmt.Sprintf("%x", m.x.Bytes())) {
			t.Fatalf("%s prints the master secret", format)
		}
	}
	second, secondTEE := gatekeeper(t)
	third, _ := gatekeeper(t)
	id := second.IdentityPublic()
	share, err := m.ShareTo("phala-1", id, second.ECDHPublic())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(share, m.x.Bytes()) {
		t.Fatal("the share carries the secret in the clear")
	}
	got, err := Receive(second, "phala-1", id, m.Public(), share)
	if err != nil || !bytes.Equal(got.Public(), m.Public()) {
		t.Fatalf("receive: %v", err)
	}
	for name, try := range map[string]func() error{
		"another chain": func() error { _, err := Receive(second, "phala-2", id, m.Public(), share); return err },
		"another recipient": func() error {
			_, err := Receive(third, "phala-1", third.IdentityPublic(), m.Public(), share)
			return err
		},
		"claimed for another identity": func() error {
			_, err := Receive(second, "phala-1", third.IdentityPublic(), m.Public(), share)
			return err
		},
		"another published key": func() error {
			other, _ := Generate()
			_, err := Receive(second, "phala-1", id, other.Public(), share)
			return err
		},
		"a different key shared": func() error {
			other, _ := Generate()
			s, _ := other.ShareTo("phala-1", id, second.ECDHPublic())
			_, err := Receive(second, "phala-1", id, m.Public(), s)
			return err
		},
	} {
		if err := try(); err == nil {
			t.Errorf("%s: received", name)
		}
	}

	sealed, err := got.Seal(secondTEE)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unseal(secondTEE, sealed)
	if err != nil || !bytes.Equal(back.Public(), m.Public()) {
		t.Fatalf("unseal: %v", err)
	}
	if _, otherTEE := gatekeeper(t); true {
		if _, err := Unseal(otherTEE, sealed); err == nil {
			t.Fatal("another platform unsealed the master key")
		}
	}

	a, _ := m.Derive("contract", []byte("phala1contract"))
	b, _ := back.Derive("contract", []byte("phala1contract"))
	c, _ := m.Derive("contract", []byte("phala1other"))
	d, _ := m.Derive("state", []byte("phala1contract"))
	if !bytes.Equal(a, b) || bytes.Equal(a, c) || bytes.Equal(a, d) || len(a) != 32 {
		t.Fatal("derived keys: same inputs must agree, different labels or contexts must not")
	}
}
