package keys

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/enclave/tee"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee/sim"
)

func simTEE(t *testing.T, platformDir string, prod uint16) tee.TEE {
	t.Helper()
	s, err := sim.Open(platformDir, tee.Measurement{MRSigner: sim.Signer, ISVProdID: prod})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoadOrCreate(t *testing.T) {
	platform, state := t.TempDir(), t.TempDir()
	k, err := LoadOrCreate(simTEE(t, platform, 1), state)
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrCreate(simTEE(t, platform, 1), state)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.IdentityPublic(), again.IdentityPublic()) || !bytes.Equal(k.ECDHPublic(), again.ECDHPublic()) {
		t.Fatal("a restart changed the keys")
	}
	sealed, err := os.ReadFile(filepath.Join(state, SealedFile))
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(filepath.Join(state, SealedFile)); info.Mode().Perm() != 0o600 {
		t.Fatalf("sealed keys mode %v", info.Mode().Perm())
	}
	// Nothing secret on disk or in formatted output.
	for _, secret := range [][]byte{k.identity.Seed(), k.ecdh.Bytes()} {
		if bytes.Contains(sealed, secret) {
			t.Fatal("a secret key is in the sealed file in the clear")
		}
		for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
			if strings.Contains(fmt.Sprintf(format, k), fmt.Sprintf("%x", secret)) {
				t.Fatalf("%s prints a secret key", format)
			}
		}
	}

	// Signatures and agreement work with the public halves.
	sig := k.Sign([]byte("egress"))
	if !ed25519.Verify(k.IdentityPublic(), []byte("egress"), sig) {
		t.Fatal("signature does not verify")
	}
	peer, _ := ecdh.X25519().GenerateKey(rand.Reader)
	mine, err := k.SharedSecret(peer.PublicKey().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := ecdh.X25519().NewPublicKey(k.ECDHPublic())
	theirs, _ := peer.ECDH(pub)
	if !bytes.Equal(mine, theirs) {
		t.Fatal("X25519 agreement differs")
	}

	// Another platform or product cannot unseal, and the file is kept.
	for name, other := range map[string]tee.TEE{"platform": simTEE(t, t.TempDir(), 1), "product": simTEE(t, platform, 2)} {
		if _, err := LoadOrCreate(other, state); err == nil || !strings.Contains(err.Error(), "does not unseal here") {
			t.Fatalf("another %s: %v", name, err)
		}
	}
	sealed[len(sealed)-1] ^= 1
	if err := os.WriteFile(filepath.Join(state, SealedFile), sealed, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(simTEE(t, platform, 1), state); err == nil {
		t.Fatal("tampered sealed keys loaded")
	}
	if after, _ := os.ReadFile(filepath.Join(state, SealedFile)); !bytes.Equal(after, sealed) {
		t.Fatal("a sealed file that did not unseal was replaced")
	}
}
