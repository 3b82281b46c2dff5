package egress

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"
)

func TestVerify(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	sig := ed25519.Sign(priv, SignBytes("phala-1", pub, 7, []byte("payload")))
	if !Verify("phala-1", pub, 7, []byte("payload"), sig) {
		t.Fatal("signature does not verify")
	}
	for name, ok := range map[string]bool{
		"another chain":    Verify("phala-2", pub, 7, []byte("payload"), sig),
		"another sequence": Verify("phala-1", pub, 8, []byte("payload"), sig),
		"another payload":  Verify("phala-1", pub, 7, []byte("payloaD"), sig),
		"another worker":   Verify("phala-1", other, 7, []byte("payload"), sig),
		"short signature":  Verify("phala-1", pub, 7, []byte("payload"), sig[:63]),
		"short worker key": Verify("phala-1", pub[:31], 7, []byte("payload"), sig),
		"field boundaries": Verify("phala-1p", pub, 7, []byte("ayload"), sig),
	} {
		if ok {
			t.Errorf("%s: verified", name)
		}
	}
}
