// Package sgx is the Intel SGX TEE backend, on EGo (github.com/edgelesssys/ego).
// It compiles with plain Go (cgo) but works only inside an enclave started
// with `ego run`; outside one, New fails, so nothing is ever sealed with the
// all-zero key EGo's sealing returns there. Build, sign and run:
// docs/attestation.md.
package sgx

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/edgelesssys/ego/ecrypto"
	"github.com/edgelesssys/ego/enclave"

	"github.com/phala-cosmos/phala-cosmos/enclave/attestation"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee"
)

// SGX is the hardware TEE.
type SGX struct {
	measurement tee.Measurement
	platform    platform
}

var _ tee.TEE = (*SGX)(nil)

// platform is the part of EGo this backend uses; tests replace it.
type platform interface {
	selfReport() (tee.Measurement, error)
	remoteReport(reportData []byte) ([]byte, error)
	seal(plaintext, additionalData []byte) ([]byte, error)
	unseal(sealed, additionalData []byte) ([]byte, error)
}

// ErrNotInEnclave is returned by New outside an SGX enclave.
var ErrNotInEnclave = errors.New("sgx: not running inside an SGX enclave (build with ego-go, sign with `ego sign`, start with `ego run`; or use the sim backend)")

// New returns the SGX backend of the enclave this program runs in.
func New() (*SGX, error) { return newSGX(egoPlatform{}) }

func newSGX(p platform) (*SGX, error) {
	m, err := p.selfReport()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotInEnclave, err)
	}
	return &SGX{measurement: m, platform: p}, nil
}

// Backend returns tee.BackendSGX.
func (s *SGX) Backend() tee.Backend { return tee.BackendSGX }

// Measurement returns the enclave's own MRENCLAVE, MRSIGNER, ISVPRODID,
// ISVSVN and debug flag.
func (s *SGX) Measurement() tee.Measurement { return s.measurement }

// Quote returns a DCAP quote of reportData. It parses what the platform
// returned and checks it carries this enclave's measurement and reportData,
// so a misconfigured quote provider fails here and not on chain.
func (s *SGX) Quote(reportData [tee.ReportDataSize]byte) ([]byte, error) {
	report, err := s.platform.remoteReport(reportData[:])
	if err != nil {
		return nil, fmt.Errorf("sgx: remote report: %w", err)
	}
	quote, err := QuoteFromOEReport(report)
	if err != nil {
		return nil, err
	}
	q, err := attestation.ParseQuote(quote)
	if err != nil {
		return nil, fmt.Errorf("sgx: the platform's quote: %w", err)
	}
	if q.Report.ReportData != reportData || q.Report.MREnclave != s.measurement.MREnclave || q.Report.MRSigner != s.measurement.MRSigner {
		return nil, errors.New("sgx: the platform's quote is not of this enclave and report data")
	}
	return quote, nil
}

// Seal encrypts with the product seal key (bound to MRSIGNER, ISVPRODID and
// the CPU), so later versions of the same enclave can unseal.
func (s *SGX) Seal(plaintext, additionalData []byte) ([]byte, error) {
	return s.platform.seal(plaintext, additionalData)
}

// Unseal decrypts what Seal produced on this CPU.
func (s *SGX) Unseal(sealed, additionalData []byte) ([]byte, error) {
	plain, err := s.platform.unseal(sealed, additionalData)
	if err != nil {
		return nil, fmt.Errorf("sgx: unseal: %w", err)
	}
	return plain, nil
}

// Open Enclave report header (oe_report_header_t): version, enclave type,
// report size, then the report, which for a remote SGX report is the quote.
const (
	oeHeaderSize     = 16
	oeReportVersion  = 1
	oeEnclaveTypeSGX = 2
	maxQuoteFromOE   = 1 << 20
)

// QuoteFromOEReport extracts the DCAP quote from the remote report EGo's
// GetRemoteReport returns.
func QuoteFromOEReport(report []byte) ([]byte, error) {
	if len(report) < oeHeaderSize {
		return nil, fmt.Errorf("sgx: remote report of %d bytes has no header", len(report))
	}
	if v := binary.LittleEndian.Uint32(report[0:]); v != oeReportVersion {
		return nil, fmt.Errorf("sgx: remote report header version %d, want %d", v, oeReportVersion)
	}
	if t := binary.LittleEndian.Uint32(report[4:]); t != oeEnclaveTypeSGX {
		return nil, fmt.Errorf("sgx: remote report enclave type %d is not SGX (%d)", t, oeEnclaveTypeSGX)
	}
	size := binary.LittleEndian.Uint64(report[8:])
	if size > maxQuoteFromOE || size != uint64(len(report)-oeHeaderSize) {
		return nil, fmt.Errorf("sgx: remote report header says %d bytes, %d follow", size, len(report)-oeHeaderSize)
	}
	return report[oeHeaderSize:], nil
}

// egoPlatform calls EGo.
type egoPlatform struct{}

func (egoPlatform) selfReport() (tee.Measurement, error) {
	r, err := enclave.GetSelfReport()
	if err != nil {
		return tee.Measurement{}, err
	}
	var m tee.Measurement
	if len(r.UniqueID) != 32 || len(r.SignerID) != 32 || len(r.ProductID) < 2 {
		return m, errors.New("malformed self report")
	}
	copy(m.MREnclave[:], r.UniqueID)
	copy(m.MRSigner[:], r.SignerID)
	m.ISVProdID = binary.LittleEndian.Uint16(r.ProductID)
	m.ISVSVN = uint16(r.SecurityVersion)
	m.Debug = r.Debug
	return m, nil
}

func (egoPlatform) remoteReport(reportData []byte) ([]byte, error) {
	return enclave.GetRemoteReport(reportData)
}

func (egoPlatform) seal(plaintext, additionalData []byte) ([]byte, error) {
	return ecrypto.SealWithProductKey(plaintext, additionalData)
}

func (egoPlatform) unseal(sealed, additionalData []byte) ([]byte, error) {
	return ecrypto.Unseal(sealed, additionalData)
}
