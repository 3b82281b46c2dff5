package envelope

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"testing"
)

func key(t testing.TB) *ecdh.PrivateKey {
	t.Helper()
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	bob := key(t)
	ad := []byte("chain-id|contract|sender|nonce")
	sealed, err := Seal(bob.PublicKey().Bytes(), []byte("secret bid: 42"), ad)
	if err != nil {
		t.Fatal(err)
	}
	if len(sealed) != len("secret bid: 42")+Overhead || bytes.Contains(sealed, []byte("secret")) {
		t.Fatalf("sealed %d bytes: %x", len(sealed), sealed)
	}
	plain, err := Open(bob, sealed, ad)
	if err != nil || string(plain) != "secret bid: 42" {
		t.Fatalf("open: %q %v", plain, err)
	}
	again, _ := Seal(bob.PublicKey().Bytes(), []byte("secret bid: 42"), ad)
	if bytes.Equal(again, sealed) {
		t.Fatal("two envelopes of one message are equal (no fresh ephemeral key or nonce)")
	}

	for name, try := range map[string]func() ([]byte, error){
		"another recipient":     func() ([]byte, error) { return Open(key(t), sealed, ad) },
		"other associated data": func() ([]byte, error) { return Open(bob, sealed, []byte("chain-id|contract|mallory|nonce")) },
		"truncated":             func() ([]byte, error) { return Open(bob, sealed[:Overhead-1], ad) },
		"tag cut":               func() ([]byte, error) { return Open(bob, sealed[:len(sealed)-1], ad) },
		"unknown version":       func() ([]byte, error) { b := bytes.Clone(sealed); b[0] = 2; return Open(bob, b, ad) },
		"ephemeral key replaced": func() ([]byte, error) {
			b := bytes.Clone(sealed)
			copy(b[1:], key(t).PublicKey().Bytes())
			return Open(bob, b, ad)
		},
	} {
		if _, err := try(); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: %v, want ErrOpen", name, err)
		}
	}
	for i := range sealed {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		if _, err := Open(bob, b, ad); err == nil {
			t.Fatalf("byte %d flipped: opened", i)
		}
	}
	if _, err := Seal([]byte("short"), nil, nil); err == nil {
		t.Fatal("sealed to a malformed key")
	}
}

// FuzzOpen: nothing may panic, and nothing but real envelopes opens.
func FuzzOpen(f *testing.F) {
	bob := key(f)
	sealed, err := Seal(bob.PublicKey().Bytes(), []byte("m"), []byte("ad"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed, []byte("ad"))
	f.Fuzz(func(t *testing.T, b, ad []byte) {
		if plain, err := Open(bob, b, ad); err == nil && !(bytes.Equal(b, sealed) && string(ad) == "ad" && string(plain) == "m") {
			t.Fatalf("forged envelope opened: %q", plain)
		}
	})
}
