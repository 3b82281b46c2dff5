package sim

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/enclave/tee"
)

func testMeasurement() tee.Measurement {
	return tee.Measurement{MREnclave: [32]byte{1, 2, 3}, MRSigner: Signer, ISVProdID: DefaultProdID, ISVSVN: 4}
}

func open(t *testing.T, dir string) *Sim {
	t.Helper()
	s, err := Open(dir, testMeasurement())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestQuoteVerifies(t *testing.T) {
	s := open(t, t.TempDir())
	var data [tee.ReportDataSize]byte
	copy(data[:], "bind this")
	quote, err := s.Quote(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(quote) != ReportSize || !IsReport(quote) {
		t.Fatalf("report of %d bytes, magic %v", len(quote), IsReport(quote))
	}
	r, err := VerifyReport(quote)
	if err != nil {
		t.Fatal(err)
	}
	if r.Measurement != testMeasurement() || r.ReportData != data || !bytes.Equal(r.PlatformKey, s.PlatformKey()) {
		t.Fatalf("report %+v", r)
	}
	if !strings.HasPrefix(r.String(), "INSECURE") || s.Backend().String() != "sim (INSECURE simulation)" {
		t.Fatalf("not marked insecure: %s / %s", r, s.Backend())
	}

	for i := range quote {
		bad := bytes.Clone(quote)
		bad[i] ^= 0x01
		if _, err := VerifyReport(bad); err == nil {
			t.Fatalf("byte %d flipped: accepted", i)
		}
	}
	for _, bad := range [][]byte{nil, quote[:ReportSize-1], append(bytes.Clone(quote), 0)} {
		if _, err := VerifyReport(bad); err == nil || !strings.Contains(err.Error(), "want 247") {
			t.Fatalf("%d bytes: %v", len(bad), err)
		}
	}
}

func TestPlatformKeyPersists(t *testing.T) {
	dir := t.TempDir()
	a, b := open(t, dir), open(t, dir)
	if !bytes.Equal(a.PlatformKey(), b.PlatformKey()) {
		t.Fatal("a second Open made a new platform key")
	}
	info, err := os.Stat(filepath.Join(dir, PlatformKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("platform key mode %v, want 0600", info.Mode().Perm())
	}
	if c := open(t, t.TempDir()); bytes.Equal(c.PlatformKey(), a.PlatformKey()) {
		t.Fatal("two installations share a platform key")
	}
	if err := os.WriteFile(filepath.Join(dir, PlatformKeyFile), []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, testMeasurement()); err == nil || !strings.Contains(err.Error(), "is 5 bytes, want 32") {
		t.Fatalf("truncated key file: %v", err)
	}
}

func TestSeal(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	sealed, err := s.Seal([]byte("identity key"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("identity key")) {
		t.Fatal("plaintext visible in sealed data")
	}
	// Same installation, another enclave version by the same signer: unseals.
	upgraded := testMeasurement()
	upgraded.MREnclave[0]++
	upgraded.ISVSVN++
	later, err := Open(dir, upgraded)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := later.Unseal(sealed, []byte("ad"))
	if err != nil || string(plain) != "identity key" {
		t.Fatalf("unseal after upgrade: %q, %v", plain, err)
	}
	otherProduct := testMeasurement()
	otherProduct.ISVProdID++
	other, err := Open(dir, otherProduct)
	if err != nil {
		t.Fatal(err)
	}
	for name, try := range map[string]func() ([]byte, error){
		"other additional data": func() ([]byte, error) { return s.Unseal(sealed, []byte("other")) },
		"other installation":    func() ([]byte, error) { return open(t, t.TempDir()).Unseal(sealed, []byte("ad")) },
		"other product":         func() ([]byte, error) { return other.Unseal(sealed, []byte("ad")) },
		"truncated":             func() ([]byte, error) { return s.Unseal(sealed[:10], []byte("ad")) },
		"tampered": func() ([]byte, error) {
			bad := bytes.Clone(sealed)
			bad[len(bad)-1] ^= 1
			return s.Unseal(bad, []byte("ad"))
		},
	} {
		if _, err := try(); err == nil {
			t.Errorf("%s: unsealed", name)
		}
	}
}

func TestExecutableMeasurement(t *testing.T) {
	m, err := ExecutableMeasurement(7, 3)
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.MREnclave[:], h.Sum(nil)) || m.MRSigner != Signer || m.ISVProdID != 7 || m.ISVSVN != 3 || m.Debug {
		t.Fatalf("measurement %+v", m)
	}
}

// FuzzVerifyReport checks the simulated report decoder never panics and
// accepts only reports whose signature verifies.
func FuzzVerifyReport(f *testing.F) {
	s, err := Open(f.TempDir(), testMeasurement())
	if err != nil {
		f.Fatal(err)
	}
	quote, err := s.Quote([tee.ReportDataSize]byte{1})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(quote)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := VerifyReport(b)
		if err == nil && !bytes.Equal(b, quote) && bytes.Equal(r.PlatformKey, s.PlatformKey()) {
			t.Fatal("a report other than the one signed verified under the platform key")
		}
	})
}
