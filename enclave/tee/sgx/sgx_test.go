package sgx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/enclave/attestation"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee"
)

// TestNewOutsideEnclave runs the real EGo calls on a machine without SGX:
// New must refuse, so nothing is sealed with EGo's all-zero outside key.
func TestNewOutsideEnclave(t *testing.T) {
	_, err := New()
	if !errors.Is(err, ErrNotInEnclave) || !strings.Contains(err.Error(), "ego run") {
		t.Fatalf("New outside an enclave: %v", err)
	}
}

// fakePlatform stands in for EGo with a real quote from Intel hardware.
type fakePlatform struct {
	m      tee.Measurement
	report []byte
	sealed map[string][]byte
}

func (f *fakePlatform) selfReport() (tee.Measurement, error)           { return f.m, nil }
func (f *fakePlatform) remoteReport(reportData []byte) ([]byte, error) { return f.report, nil }
func (f *fakePlatform) seal(p, ad []byte) ([]byte, error) {
	key := string(ad) + "|" + string(p)
	f.sealed[key] = p
	return []byte(key), nil
}
func (f *fakePlatform) unseal(s, ad []byte) ([]byte, error) {
	p, ok := f.sealed[string(s)]
	if !ok || !strings.HasPrefix(string(s), string(ad)+"|") {
		return nil, errors.New("OE_CRYPTO_ERROR")
	}
	return p, nil
}

func oeReport(quote []byte) []byte {
	h := binary.LittleEndian.AppendUint32(nil, oeReportVersion)
	h = binary.LittleEndian.AppendUint32(h, oeEnclaveTypeSGX)
	h = binary.LittleEndian.AppendUint64(h, uint64(len(quote)))
	return append(h, quote...)
}

func TestQuote(t *testing.T) {
	quote, err := os.ReadFile("../../attestation/testdata/phala/sgx_quote.bin")
	if err != nil {
		t.Fatal(err)
	}
	q, err := attestation.ParseQuote(quote)
	if err != nil {
		t.Fatal(err)
	}
	m := tee.Measurement{MREnclave: q.Report.MREnclave, MRSigner: q.Report.MRSigner}
	s, err := newSGX(&fakePlatform{m: m, report: oeReport(quote), sealed: map[string][]byte{}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Backend() != tee.BackendSGX || s.Measurement() != m {
		t.Fatalf("backend %s, measurement %+v", s.Backend(), s.Measurement())
	}
	var data [tee.ReportDataSize]byte
	copy(data[:], "Hello, world!")
	got, err := s.Quote(data)
	if err != nil || !bytes.Equal(got, quote) {
		t.Fatalf("quote: %v", err)
	}
	copy(data[:], "other data")
	if _, err := s.Quote(data); err == nil || !strings.Contains(err.Error(), "not of this enclave") {
		t.Fatalf("quote of other report data: %v", err)
	}
	other := m
	other.MREnclave[0]++
	s2, _ := newSGX(&fakePlatform{m: other, report: oeReport(quote)})
	copy(data[:], "Hello, world!\x00\x00\x00")
	if _, err := s2.Quote(data); err == nil {
		t.Fatal("a quote of another enclave was returned")
	}

	sealed, err := s.Seal([]byte("secret"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := s.Unseal(sealed, []byte("ad")); err != nil || string(p) != "secret" {
		t.Fatalf("unseal: %q %v", p, err)
	}
	if _, err := s.Unseal(sealed, []byte("other")); err == nil || !strings.HasPrefix(err.Error(), "sgx: unseal") {
		t.Fatalf("unseal with other data: %v", err)
	}
}

func TestQuoteFromOEReport(t *testing.T) {
	quote := []byte("quote bytes")
	good := oeReport(quote)
	if q, err := QuoteFromOEReport(good); err != nil || !bytes.Equal(q, quote) {
		t.Fatalf("%q %v", q, err)
	}
	for _, tc := range []struct {
		name string
		edit func([]byte) []byte
		want string
	}{
		{"short", func(b []byte) []byte { return b[:10] }, "has no header"},
		{"version", func(b []byte) []byte { b[0] = 2; return b }, "header version 2"},
		{"type", func(b []byte) []byte { b[4] = 1; return b }, "not SGX"},
		{"size", func(b []byte) []byte { return b[:len(b)-1] }, "header says 11 bytes, 10 follow"},
		{"padding", func(b []byte) []byte { return append(b, 0) }, "12 follow"},
	} {
		_, err := QuoteFromOEReport(tc.edit(bytes.Clone(good)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
