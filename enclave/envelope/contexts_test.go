package envelope

import (
	"bytes"
	"testing"
)

func TestContextsDoNotCollide(t *testing.T) {
	a := []byte("contract")
	seen := map[string]string{}
	for name, ctx := range map[string][]byte{
		"init":                 InitContext("chain", a, []byte("alice"), []byte("n1")),
		"command":              CommandContext("chain", a, []byte("alice"), []byte("n1")),
		"command, shifted":     CommandContext("chain", a, []byte("alicen"), []byte("1")),
		"command, other chain": CommandContext("chain2", a, []byte("alice"), []byte("n1")),
		"result":               ResultContext("chain", a, 1, []byte("digest")),
		"result, other call":   ResultContext("chain", a, 2, []byte("digest")),
	} {
		if other, dup := seen[string(ctx)]; dup {
			t.Fatalf("%s and %s have the same context", name, other)
		}
		seen[string(ctx)] = name
	}
	if !bytes.Equal(Context("d", []byte("x")), []byte{0, 0, 0, 1, 'd', 0, 0, 0, 1, 'x'}) {
		t.Fatalf("layout: %x", Context("d", []byte("x")))
	}
}
