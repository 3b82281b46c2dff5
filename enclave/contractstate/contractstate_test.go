package contractstate

import (
	"bytes"
	"errors"
	"testing"
)

func keysFor(t *testing.T, secret byte, contract string) *Keys {
	t.Helper()
	k, err := Derive(bytes.Repeat([]byte{secret}, 32), "phala-devnet", []byte(contract))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := keysFor(t, 1, "contract-a")
	id, sealed, err := k.Seal([]byte("balance/alice"), []byte(`{"amount":"42"}`))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("alice")) || bytes.Contains(sealed, []byte("42")) || bytes.Contains(id, []byte("alice")) {
		t.Fatal("plaintext in the sealed entry")
	}
	key, value, err := k.Open(id, sealed)
	if err != nil || string(key) != "balance/alice" || string(value) != `{"amount":"42"}` {
		t.Fatalf("Open = %q %q %v", key, value, err)
	}
	// Deleted keys' values may be empty; an empty value still opens.
	id2, sealed2, _ := k.Seal([]byte("k"), nil)
	if key, value, err := k.Open(id2, sealed2); err != nil || string(key) != "k" || len(value) != 0 {
		t.Fatalf("empty value: %q %q %v", key, value, err)
	}

	cases := map[string]struct {
		keys   *Keys
		id     []byte
		sealed []byte
	}{
		"tampered":       {k, id, flip(sealed, len(sealed)-1)},
		"tampered nonce": {k, id, flip(sealed, 0)},
		"other id":       {k, id2, sealed},
		"other contract": {keysFor(t, 1, "contract-b"), id, sealed},
		"other secret":   {keysFor(t, 2, "contract-a"), id, sealed},
		"too short":      {k, id, sealed[:20]},
		"empty":          {k, id, nil},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if _, _, err := c.keys.Open(c.id, c.sealed); !errors.Is(err, ErrOpen) {
				t.Fatalf("Open = %v, want ErrOpen", err)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 1
	return out
}

func TestDerivationsAgreeAndSeparate(t *testing.T) {
	a, b := keysFor(t, 1, "c"), keysFor(t, 1, "c")
	if !bytes.Equal(a.ID([]byte("x")), b.ID([]byte("x"))) || a.Seed(7) != b.Seed(7) ||
		!bytes.Equal(a.Digest([]byte("1"), []byte("2")), b.Digest([]byte("1"), []byte("2"))) {
		t.Fatal("two holders of one key derive differently")
	}
	if a.Seed(7) == a.Seed(8) {
		t.Fatal("the seed does not depend on the sequence")
	}
	if bytes.Equal(a.Digest([]byte("12"), []byte("3")), a.Digest([]byte("1"), []byte("23"))) {
		t.Fatal("digest fields are not length-prefixed")
	}
	other := keysFor(t, 1, "d")
	if bytes.Equal(a.ID([]byte("x")), other.ID([]byte("x"))) || a.Seed(7) == other.Seed(7) {
		t.Fatal("two contracts share derived keys")
	}
	if _, err := Derive(make([]byte, 31), "c", nil); err == nil {
		t.Fatal("a short secret was accepted")
	}
}

func FuzzOpen(f *testing.F) {
	k, err := Derive(bytes.Repeat([]byte{1}, 32), "phala-devnet", []byte("c"))
	if err != nil {
		f.Fatal(err)
	}
	id, sealed, _ := k.Seal([]byte("key"), []byte("value"))
	f.Add(id, sealed)
	f.Fuzz(func(t *testing.T, id, sealed []byte) {
		key, _, err := k.Open(id, sealed)
		if err == nil && !bytes.Equal(k.ID(key), id) {
			t.Fatal("opened an entry under the wrong id")
		}
	})
}
