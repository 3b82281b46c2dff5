// Package sim is the simulated TEE backend: it runs on any machine and
// protects nothing. Its reports are signed by a per-installation platform key
// kept in a file, so anyone with that file (or who writes their own) can
// forge one; its sealing key derives from the same file. A chain accepts its
// reports only where the policy allows simulation (the devnet), never by
// default. The report format is documented in docs/attestation.md.
package sim

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/phala-cosmos/phala-cosmos/enclave/tee"
)

// Simulated report layout.
const (
	reportVersion = 1
	// ReportSize is the length of a simulated report.
	ReportSize = 16 + 2 + 32 + 32 + 2 + 2 + 1 + tee.ReportDataSize + ed25519.PublicKeySize + ed25519.SignatureSize
	signedSize = ReportSize - ed25519.SignatureSize

	// PlatformKeyFile is the platform key's file name in the state directory.
	PlatformKeyFile = "sim-platform-key"

	flagDebug = 0x01
)

// reportMagic starts every simulated report, so it can never be mistaken
// for an SGX quote (which starts with a little-endian version 3 or 4).
var reportMagic = [16]byte{'P', 'H', 'A', 'L', 'A', '-', 'S', 'I', 'M', '-', 'R', 'E', 'P', 'O', 'R', 'T'}

// Signer is the MRSIGNER every simulated enclave reports:
// SHA-256("phala-cosmos/tee/sim/signer/v1"). Policies allow simulated workers
// by this signer.
var Signer = sha256.Sum256([]byte("phala-cosmos/tee/sim/signer/v1"))

// DefaultProdID is the ISVPRODID simulated enclaves report unless told otherwise.
const DefaultProdID = 1

// Sim is the simulated TEE.
type Sim struct {
	platform    ed25519.PrivateKey
	measurement tee.Measurement
}

var _ tee.TEE = (*Sim)(nil)

// Open loads the platform key from dir (creating dir and a fresh key, mode
// 0600, on first use) and returns a simulated TEE with the given measurement.
func Open(dir string, m tee.Measurement) (*Sim, error) {
	path := filepath.Join(dir, PlatformKeyFile)
	seed, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		seed = make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sim: %w", err)
		}
		if err := writeFileAtomic(path, seed); err != nil {
			return nil, fmt.Errorf("sim: writing the platform key: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("sim: reading the platform key: %w", err)
	case len(seed) != ed25519.SeedSize:
		return nil, fmt.Errorf("sim: platform key %s is %d bytes, want %d", path, len(seed), ed25519.SeedSize)
	}
	return &Sim{platform: ed25519.NewKeyFromSeed(seed), measurement: m}, nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ExecutableMeasurement is the measurement of the running program as a
// simulated enclave: MRENCLAVE is the SHA-256 of its executable file, MRSIGNER
// is Signer, ISVPRODID is prodID and ISVSVN is svn.
func ExecutableMeasurement(prodID, svn uint16) (tee.Measurement, error) {
	exe, err := os.Executable()
	if err != nil {
		return tee.Measurement{}, fmt.Errorf("sim: %w", err)
	}
	f, err := os.Open(exe)
	if err != nil {
		return tee.Measurement{}, fmt.Errorf("sim: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return tee.Measurement{}, fmt.Errorf("sim: hashing %s: %w", exe, err)
	}
	m := tee.Measurement{MRSigner: Signer, ISVProdID: prodID, ISVSVN: svn}
	copy(m.MREnclave[:], h.Sum(nil))
	return m, nil
}

// Backend returns tee.BackendSim.
func (s *Sim) Backend() tee.Backend { return tee.BackendSim }

// Measurement returns the measurement given to Open.
func (s *Sim) Measurement() tee.Measurement { return s.measurement }

// PlatformKey returns the installation's public platform key.
func (s *Sim) PlatformKey() ed25519.PublicKey { return s.platform.Public().(ed25519.PublicKey) }

// Quote returns a simulated report of reportData, signed by the platform key.
func (s *Sim) Quote(reportData [tee.ReportDataSize]byte) ([]byte, error) {
	m := s.measurement
	b := make([]byte, 0, ReportSize)
	b = append(b, reportMagic[:]...)
	b = binary.LittleEndian.AppendUint16(b, reportVersion)
	b = append(b, m.MREnclave[:]...)
	b = append(b, m.MRSigner[:]...)
	b = binary.LittleEndian.AppendUint16(b, m.ISVProdID)
	b = binary.LittleEndian.AppendUint16(b, m.ISVSVN)
	var flags byte
	if m.Debug {
		flags |= flagDebug
	}
	b = append(b, flags)
	b = append(b, reportData[:]...)
	b = append(b, s.PlatformKey()...)
	return append(b, ed25519.Sign(s.platform, b)...), nil
}

// Report is a verified simulated report. It proves only that someone holding
// PlatformKey made it.
type Report struct {
	Measurement tee.Measurement
	ReportData  [tee.ReportDataSize]byte
	PlatformKey ed25519.PublicKey
}

// String describes the report, marked insecure.
func (r *Report) String() string {
	return fmt.Sprintf("INSECURE simulated report: MRENCLAVE %x MRSIGNER %x ISVPRODID %d ISVSVN %d platform key %x",
		r.Measurement.MREnclave, r.Measurement.MRSigner, r.Measurement.ISVProdID, r.Measurement.ISVSVN, []byte(r.PlatformKey))
}

// IsReport reports whether b is shaped as a simulated report (its magic),
// without verifying it.
func IsReport(b []byte) bool { return bytes.HasPrefix(b, reportMagic[:]) }

// VerifyReport checks a simulated report's layout and its signature by the
// platform key it carries. It is deterministic and reads no clock.
func VerifyReport(b []byte) (*Report, error) {
	if len(b) != ReportSize {
		return nil, fmt.Errorf("sim: report is %d bytes, want %d", len(b), ReportSize)
	}
	if !IsReport(b) {
		return nil, errors.New("sim: not a simulated report (bad magic)")
	}
	if v := binary.LittleEndian.Uint16(b[16:]); v != reportVersion {
		return nil, fmt.Errorf("sim: report version %d is not supported (want %d)", v, reportVersion)
	}
	r := &Report{}
	copy(r.Measurement.MREnclave[:], b[18:50])
	copy(r.Measurement.MRSigner[:], b[50:82])
	r.Measurement.ISVProdID = binary.LittleEndian.Uint16(b[82:])
	r.Measurement.ISVSVN = binary.LittleEndian.Uint16(b[84:])
	flags := b[86]
	if flags&^flagDebug != 0 {
		return nil, fmt.Errorf("sim: unknown report flags %#x", flags)
	}
	r.Measurement.Debug = flags&flagDebug != 0
	copy(r.ReportData[:], b[87:151])
	r.PlatformKey = bytes.Clone(b[151:183])
	if !ed25519.Verify(r.PlatformKey, b[:signedSize], b[signedSize:]) {
		return nil, errors.New("sim: report signature does not verify")
	}
	return r, nil
}

// Sealed data layout: version byte, 12-byte nonce, AES-256-GCM ciphertext.
const sealVersion = 1

// sealKey derives the sealing key from the platform key, the signer and the
// product id, like SGX's product seal key: enclave upgrades by the same
// signer keep access.
func (s *Sim) sealKey() ([]byte, error) {
	info := append([]byte("phala-cosmos/tee/sim/seal/v1"), s.measurement.MRSigner[:]...)
	info = binary.LittleEndian.AppendUint16(info, s.measurement.ISVProdID)
	return hkdf.Key(sha256.New, s.platform.Seed(), nil, string(info), 32)
}

func (s *Sim) aead() (cipher.AEAD, error) {
	key, err := s.sealKey()
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Seal encrypts plaintext with the simulated product seal key.
func (s *Sim) Seal(plaintext, additionalData []byte) ([]byte, error) {
	aead, err := s.aead()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return aead.Seal(out, out[1:], plaintext, additionalData), nil
}

// Unseal decrypts what Seal produced with the same platform key, signer and
// product id.
func (s *Sim) Unseal(sealed, additionalData []byte) ([]byte, error) {
	aead, err := s.aead()
	if err != nil {
		return nil, err
	}
	if len(sealed) < 1+aead.NonceSize()+aead.Overhead() {
		return nil, errors.New("sim: sealed data is too short")
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("sim: sealed data version %d is not supported", sealed[0])
	}
	nonce := sealed[1 : 1+aead.NonceSize()]
	plain, err := aead.Open(nil, nonce, sealed[1+aead.NonceSize():], additionalData)
	if err != nil {
		return nil, errors.New("sim: unseal: the data was tampered with, or sealed by another platform key, signer or product")
	}
	return plain, nil
}
