package attestation

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

// The synthetic PKI below mirrors Intel's (root CA, PCK CA, PCK leaf with SGX
// extensions, TCB signing certificate) under a test root, so tests can make
// quotes the real sets do not contain: debug enclaves, version 4, revoked
// PCKs, other TCB levels.

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type testPKI struct {
	root, ca, leaf, tcbSigner             *x509.Certificate
	rootKey, caKey, leafKey, tcbSignerKey *ecdsa.PrivateKey
	attKey                                *ecdsa.PrivateKey
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func issue(t testing.TB, tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, key *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func caTemplate(cn string, serial int64) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn, Organization: []string{"Test"}},
		NotBefore: testNow.AddDate(-1, 0, 0), NotAfter: testNow.AddDate(5, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
}

var testFMSPC = [6]byte{0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00}

func sgxExtension(t testing.TB, comps [16]int, pcesvn int) pkix.Extension {
	t.Helper()
	pair := func(id asn1.ObjectIdentifier, v any) asn1Pair {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return asn1Pair{ID: id, Value: asn1.RawValue{FullBytes: b}}
	}
	var tcb []asn1Pair
	for i, c := range comps {
		tcb = append(tcb, pair(append(append(asn1.ObjectIdentifier{}, oidTCB...), i+1), c))
	}
	tcb = append(tcb, pair(append(append(asn1.ObjectIdentifier{}, oidTCB...), 17), pcesvn))
	tcb = append(tcb, pair(append(append(asn1.ObjectIdentifier{}, oidTCB...), 18), make([]byte, 16)))
	tcbDER, err := asn1.Marshal(tcb)
	if err != nil {
		t.Fatal(err)
	}
	all := []asn1Pair{
		pair(oidPPID, make([]byte, 16)),
		{ID: oidTCB, Value: asn1.RawValue{FullBytes: tcbDER}},
		pair(oidPCEID, []byte{0, 0}),
		pair(oidFMSPC, testFMSPC[:]),
	}
	der, err := asn1.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: oidSGXExtensions, Value: der}
}

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	p := &testPKI{rootKey: newKey(t), caKey: newKey(t), leafKey: newKey(t), tcbSignerKey: newKey(t), attKey: newKey(t)}
	p.root = issue(t, caTemplate("Test SGX Root CA", 1), nil, &p.rootKey.PublicKey, p.rootKey)
	p.ca = issue(t, caTemplate("Test SGX PCK Processor CA", 2), p.root, &p.caKey.PublicKey, p.rootKey)
	var comps [16]int
	for i := range comps {
		comps[i] = 5
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "Test SGX PCK Certificate"},
		NotBefore: testNow.AddDate(-1, 0, 0), NotAfter: testNow.AddDate(5, 0, 0),
		ExtraExtensions: []pkix.Extension{sgxExtension(t, comps, 10)},
	}
	p.leaf = issue(t, leaf, p.ca, &p.leafKey.PublicKey, p.caKey)
	signer := &x509.Certificate{
		SerialNumber: big.NewInt(4), Subject: pkix.Name{CommonName: "Test SGX TCB Signing"},
		NotBefore: testNow.AddDate(-1, 0, 0), NotAfter: testNow.AddDate(5, 0, 0),
	}
	p.tcbSigner = issue(t, signer, p.root, &p.tcbSignerKey.PublicKey, p.rootKey)
	return p
}

func (p *testPKI) verifier(policy Policy) *Verifier { return &Verifier{root: p.root, policy: policy} }

func pemChain(certs ...*x509.Certificate) []byte {
	var b strings.Builder
	for _, c := range certs {
		b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	return []byte(b.String())
}

func signRaw(t testing.TB, key *ecdsa.PrivateKey, msg []byte) []byte {
	t.Helper()
	digest := sha256.Sum256(msg)
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out
}

var testQEMRSigner = [32]byte{0x8c, 0x4f, 0x57}

// quoteSpec varies a synthetic quote.
type quoteSpec struct {
	version    uint16
	attributes byte // flags byte 0; 0x05 = INIT|MODE64BIT, 0x07 adds DEBUG
	qeISVSVN   uint16
	reportData [64]byte
	chain      []*x509.Certificate // default leaf, CA, root
}

func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func reportBody(attributes byte, mrSigner [32]byte, isvSVN uint16, data []byte) []byte {
	b := make([]byte, reportBodySize)
	b[48] = attributes
	for i := 64; i < 96; i++ {
		b[i] = 0xaa // MRENCLAVE
	}
	copy(b[128:160], mrSigner[:])
	copy(b[256:], le16(1)) // ISVPRODID
	copy(b[258:], le16(isvSVN))
	copy(b[320:], data)
	return b
}

// quote builds and signs a quote as an SGX platform would.
func (p *testPKI) quote(t testing.TB, s quoteSpec) []byte {
	t.Helper()
	if s.version == 0 {
		s.version = QuoteVersion3
	}
	if s.attributes == 0 {
		s.attributes = 0x05
	}
	if s.qeISVSVN == 0 {
		s.qeISVSVN = 8
	}
	if s.chain == nil {
		s.chain = []*x509.Certificate{p.leaf, p.ca, p.root}
	}
	header := append(le16(s.version), le16(AttestationKeyECDSAP256)...)
	header = append(header, le32(0)...)
	header = append(header, le16(s.qeISVSVN)...)
	header = append(header, le16(10)...)
	header = append(header, intelQEVendorID[:]...)
	header = append(header, make([]byte, 20)...)
	body := reportBody(s.attributes, [32]byte{0xbb}, 2, s.reportData[:])

	point, err := p.attKey.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	attKey := point[1:] // x||y
	authData := []byte("test auth data")
	binding := sha256.Sum256(append(append([]byte{}, attKey...), authData...))
	qeReport := reportBody(0x11, testQEMRSigner, s.qeISVSVN, binding[:])

	chain := append(pemChain(s.chain...), 0)
	inner := append(append([]byte{}, qeReport...), signRaw(t, p.leafKey, qeReport)...)
	inner = append(inner, le16(uint16(len(authData)))...)
	inner = append(inner, authData...)
	inner = append(inner, le16(certDataPCKChain)...)
	inner = append(inner, le32(uint32(len(chain)))...)
	inner = append(inner, chain...)

	sigData := append(signRaw(t, p.attKey, append(append([]byte{}, header...), body...)), attKey...)
	if s.version == QuoteVersion4 {
		sigData = append(sigData, le16(certDataQEReport)...)
		sigData = append(sigData, le32(uint32(len(inner)))...)
	}
	sigData = append(sigData, inner...)
	out := append(append(header, body...), le32(uint32(len(sigData)))...)
	return append(out, sigData...)
}

// collateralSpec varies synthetic collateral.
type collateralSpec struct {
	revokeLeaf bool
	revokeCA   bool
	pceSVN     int    // the TCB level's PCESVN; the platform has 10
	status     string // the matching platform level's status
	qeStatus   string // the QE level's status (QE SVN 8)
	issued     time.Time
}

func (p *testPKI) collateral(t testing.TB, s collateralSpec) *Collateral {
	t.Helper()
	if s.status == "" {
		s.status = "UpToDate"
	}
	if s.qeStatus == "" {
		s.qeStatus = "UpToDate"
	}
	if s.pceSVN == 0 {
		s.pceSVN = 10
	}
	if s.issued.IsZero() {
		s.issued = testNow.AddDate(0, 0, -1)
	}
	comps := func(svn int) string {
		parts := make([]string, 16)
		for i := range parts {
			parts[i] = fmt.Sprintf(`{"svn":%d}`, svn)
		}
		return strings.Join(parts, ",")
	}
	date := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	tcbInfo := fmt.Sprintf(`{"id":"SGX","version":3,"issueDate":%q,"nextUpdate":%q,"fmspc":%q,"pceId":"0000","tcbType":0,"tcbEvaluationDataNumber":17,"tcbLevels":[`+
		`{"tcb":{"sgxtcbcomponents":[%s],"pcesvn":%d},"tcbDate":"2025-01-01T00:00:00Z","tcbStatus":%q,"advisoryIDs":["INTEL-SA-00001"]},`+
		`{"tcb":{"sgxtcbcomponents":[%s],"pcesvn":1},"tcbDate":"2020-01-01T00:00:00Z","tcbStatus":"OutOfDate","advisoryIDs":["INTEL-SA-00002"]}]}`,
		date(s.issued), date(s.issued.AddDate(0, 0, 30)), strings.ToUpper(hex.EncodeToString(testFMSPC[:])), comps(5), s.pceSVN, s.status, comps(1))
	qeIdentity := fmt.Sprintf(`{"id":"QE","version":2,"issueDate":%q,"nextUpdate":%q,"tcbEvaluationDataNumber":17,"miscselect":"00000000","miscselectMask":"FFFFFFFF",`+
		`"attributes":"11000000000000000000000000000000","attributesMask":"FBFFFFFFFFFFFFFF0000000000000000","mrsigner":%q,"isvprodid":1,`+
		`"tcbLevels":[{"tcb":{"isvsvn":8},"tcbDate":"2025-01-01T00:00:00Z","tcbStatus":%q,"advisoryIDs":["INTEL-SA-00003"]},`+
		`{"tcb":{"isvsvn":1},"tcbDate":"2019-01-01T00:00:00Z","tcbStatus":"OutOfDate"}]}`,
		date(s.issued), date(s.issued.AddDate(0, 0, 30)), strings.ToUpper(hex.EncodeToString(testQEMRSigner[:])), s.qeStatus)
	crl := func(issuer *x509.Certificate, key *ecdsa.PrivateKey, revoke *x509.Certificate) []byte {
		tmpl := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: s.issued, NextUpdate: s.issued.AddDate(0, 0, 30)}
		if revoke != nil {
			tmpl.RevokedCertificateEntries = []x509.RevocationListEntry{{SerialNumber: revoke.SerialNumber, RevocationTime: s.issued}}
		}
		der, err := x509.CreateRevocationList(rand.Reader, tmpl, issuer, key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	var revokedLeaf, revokedCA *x509.Certificate
	if s.revokeLeaf {
		revokedLeaf = p.leaf
	}
	if s.revokeCA {
		revokedCA = p.ca
	}
	return &Collateral{
		TCBInfo: []byte(tcbInfo), TCBInfoSignature: signRaw(t, p.tcbSignerKey, []byte(tcbInfo)),
		TCBInfoIssuerChain: pemChain(p.tcbSigner, p.root),
		QEIdentity:         []byte(qeIdentity), QEIdentitySignature: signRaw(t, p.tcbSignerKey, []byte(qeIdentity)),
		RootCACRL:         crl(p.root, p.rootKey, revokedCA),
		PCKCRL:            crl(p.ca, p.caKey, revokedLeaf),
		PCKCRLIssuerChain: pemChain(p.ca, p.root),
	}
}
