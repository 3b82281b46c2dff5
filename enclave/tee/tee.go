// Package tee is the enclave program's view of its trusted execution
// environment: who it is (its measurement), evidence of that for given report
// data (a quote), and sealing of its secrets to itself. Two backends implement
// TEE: sgx (Intel SGX through EGo, enclave/tee/sgx) and sim (a simulation for
// machines without SGX, enclave/tee/sim, insecure by design).
//
// The chain decides what to accept: x/registry verifies SGX quotes to Intel's
// root and admits simulated reports only where its policy allows simulation.
package tee

import "fmt"

// Backend names a TEE implementation.
type Backend string

// The backends.
const (
	// BackendSGX runs inside an Intel SGX enclave; its quotes are DCAP quotes.
	BackendSGX Backend = "sgx"
	// BackendSim runs anywhere and proves nothing: its reports are signed by
	// a key on the operator's disk. For development networks only.
	BackendSim Backend = "sim"
)

// ParseBackend reads "sgx" or "sim".
func ParseBackend(s string) (Backend, error) {
	switch Backend(s) {
	case BackendSGX, BackendSim:
		return Backend(s), nil
	}
	return "", fmt.Errorf("tee: unknown backend %q (want sgx or sim)", s)
}

// String returns the backend's name, marked insecure for simulation.
func (b Backend) String() string {
	if b == BackendSim {
		return "sim (INSECURE simulation)"
	}
	return string(b)
}

// ReportDataSize is the number of bytes an enclave report attests.
const ReportDataSize = 64

// Measurement identifies the running enclave build.
type Measurement struct {
	// MREnclave is the hash of the enclave's code and initial data.
	MREnclave [32]byte
	// MRSigner is the hash of the key that signed the enclave.
	MRSigner [32]byte
	// ISVProdID and ISVSVN are the product and security version the signer set.
	ISVProdID uint16
	ISVSVN    uint16
	// Debug is set for debug enclaves, whose memory the host can read.
	Debug bool
}

// TEE is a trusted execution environment.
type TEE interface {
	// Backend names the implementation.
	Backend() Backend
	// Measurement returns the running enclave's identity.
	Measurement() Measurement
	// Quote returns evidence that this enclave, with its measurement,
	// chose reportData: a DCAP quote for sgx, a simulated report for sim.
	Quote(reportData [ReportDataSize]byte) ([]byte, error)
	// Seal encrypts plaintext so that only an enclave with the same signer
	// and product id on the same machine can unseal it; additionalData is
	// authenticated, not encrypted.
	Seal(plaintext, additionalData []byte) ([]byte, error)
	// Unseal reverses Seal; it fails on any tampering or other additional data.
	Unseal(sealed, additionalData []byte) ([]byte, error)
}
