package cmd

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/phala-cosmos/phala-cosmos/enclave/attestation"
)

// Flags of `tools verify-quote`.
const (
	flagQuote            = "quote"
	flagCollateral       = "collateral"
	flagTCBInfo          = "tcb-info"
	flagTCBInfoChain     = "tcb-info-chain"
	flagQEIdentity       = "qe-identity"
	flagQEIdentityChain  = "qe-identity-chain"
	flagPCKCRL           = "pck-crl"
	flagRootCACRL        = "root-ca-crl"
	flagTime             = "time"
	flagAllowMissingCRL  = "allow-missing-crl"
	flagAllowDebug       = "allow-debug"
	flagMaxCollateralAge = "max-collateral-age"
)

// verifyQuoteOutput is the JSON printed for a verified quote.
type verifyQuoteOutput struct {
	Status      string   `json:"status"`
	TCBStatus   string   `json:"tcb_status"`
	AdvisoryIDs []string `json:"advisory_ids"`
	MREnclave   string   `json:"mr_enclave"`
	MRSigner    string   `json:"mr_signer"`
	ISVProdID   uint16   `json:"isv_prod_id"`
	ISVSVN      uint16   `json:"isv_svn"`
	Debug       bool     `json:"debug"`
	ReportData  string   `json:"report_data"`
	FMSPC       string   `json:"fmspc"`
}

func verifyQuoteCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify-quote --quote FILE (--collateral FILE | --tcb-info FILE --tcb-info-chain FILE --qe-identity FILE ...)",
		Short: "Verify an Intel SGX DCAP quote and its collateral, as the chain does",
		Long: `Verifies an SGX ECDSA quote (version 3 or 4) with the same code x/registry runs at block
time: the PCK chain to the pinned Intel SGX Root CA, the root CA and PCK CRLs, the QE report
and its binding of the attestation key, the enclave report signature, the signed QE identity,
the signed TCB info and the platform's TCB level, the collateral age and the debug flag.

The quote file is binary, or hex text. Collateral comes either in one JSON file
(--collateral, Phala dcap-qvl's layout, described in docs/attestation.md) or as the files
Intel's PCS serves:
  --tcb-info         the body of GET /sgx/certification/v4/tcb ({"tcbInfo": ..., "signature": ...})
  --tcb-info-chain   its TCB-Info-Issuer-Chain header (PEM, URL-encoded or not)
  --qe-identity      the body of GET /sgx/certification/v4/qe/identity
  --qe-identity-chain its SGX-Enclave-Identity-Issuer-Chain header (default: the TCB info chain)
  --pck-crl, --root-ca-crl  the CRLs (DER or PEM); both are required unless --allow-missing-crl

On success prints {"status": "ok", "tcb_status", "advisory_ids", "mr_enclave", "mr_signer",
"isv_prod_id", "isv_svn", "debug", "report_data", "fmspc"} (hex strings) and exits 0. A quote
that fails prints one line naming the failed step and exits 1; unusable arguments exit 2.`,
		Example: `  phalad tools verify-quote --quote sgx_quote.bin --collateral sgx_quote_collateral.json --time 2025-07-01T00:00:00Z
  phalad tools verify-quote --quote q.bin --tcb-info tcb.json --tcb-info-chain tcb-chain.pem \
      --qe-identity qe.json --pck-crl pck.crl --root-ca-crl root.crl --time 1751328000`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          runVerifyQuote,
	}
	f := cmd.Flags()
	f.String(flagQuote, "", "quote file, binary or hex (required)")
	f.String(flagCollateral, "", "collateral in one JSON file (dcap-qvl layout)")
	f.String(flagTCBInfo, "", "signed TCB info, as Intel PCS serves it")
	f.String(flagTCBInfoChain, "", "PEM issuer chain of the TCB info")
	f.String(flagQEIdentity, "", "signed QE identity, as Intel PCS serves it")
	f.String(flagQEIdentityChain, "", "PEM issuer chain of the QE identity (default: the TCB info chain)")
	f.String(flagPCKCRL, "", "CRL of the PCK certificate's CA (DER or PEM)")
	f.String(flagRootCACRL, "", "CRL of the Intel SGX Root CA (DER or PEM)")
	f.String(flagTime, "", "verify at this time, RFC 3339 or unix seconds (default: now)")
	f.Bool(flagAllowMissingCRL, false, "accept collateral without CRLs (revocation is then not checked)")
	f.Bool(flagAllowDebug, false, "accept debug enclaves (their memory is readable by the host)")
	f.Duration(flagMaxCollateralAge, attestation.DefaultMaxCollateralAge, "oldest TCB info and QE identity accepted, from their issue date")
	return cmd
}

func runVerifyQuote(cmd *cobra.Command, _ []string) error {
	usage := func(err error) error { return &ExitError{Code: 2, Err: err} }
	f := cmd.Flags()
	quotePath, _ := f.GetString(flagQuote)
	if quotePath == "" {
		return usage(fmt.Errorf("--%s is required", flagQuote))
	}
	quote, err := readQuoteFile(quotePath)
	if err != nil {
		return usage(err)
	}
	collateral, err := readCollateralFlags(cmd)
	if err != nil {
		return usage(err)
	}
	at := time.Now()
	if s, _ := f.GetString(flagTime); s != "" {
		if at, err = parseTimeFlag(s); err != nil {
			return usage(err)
		}
	}
	policy := attestation.DefaultPolicy()
	policy.AllowMissingCRL, _ = f.GetBool(flagAllowMissingCRL)
	policy.AllowDebug, _ = f.GetBool(flagAllowDebug)
	policy.MaxCollateralAge, _ = f.GetDuration(flagMaxCollateralAge)
	res, err := attestation.NewVerifier(policy).VerifyQuote(quote, collateral, at)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	out := verifyQuoteOutput{
		Status:      "ok",
		TCBStatus:   string(res.TCBStatus),
		AdvisoryIDs: append([]string{}, res.AdvisoryIDs...),
		MREnclave:   hex.EncodeToString(res.MREnclave[:]),
		MRSigner:    hex.EncodeToString(res.MRSigner[:]),
		ISVProdID:   res.ISVProdID,
		ISVSVN:      res.ISVSVN,
		Debug:       res.Debug,
		ReportData:  hex.EncodeToString(res.ReportData[:]),
		FMSPC:       hex.EncodeToString(res.FMSPC[:]),
	}
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// readQuoteFile reads a quote, decoding it if the file is hex text.
func readQuoteFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flagQuote, err)
	}
	text := bytes.TrimPrefix(bytes.TrimSpace(b), []byte("0x"))
	if decoded, err := hex.DecodeString(string(text)); err == nil && len(decoded) > 0 {
		return decoded, nil
	}
	return b, nil
}

func readCollateralFlags(cmd *cobra.Command) (*attestation.Collateral, error) {
	f := cmd.Flags()
	get := func(name string) string { s, _ := f.GetString(name); return s }
	separate := []string{flagTCBInfo, flagTCBInfoChain, flagQEIdentity, flagQEIdentityChain, flagPCKCRL, flagRootCACRL}
	if path := get(flagCollateral); path != "" {
		for _, name := range separate {
			if get(name) != "" {
				return nil, fmt.Errorf("--%s and --%s exclude each other: give the collateral one way", flagCollateral, name)
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", flagCollateral, err)
		}
		return attestation.ParseCollateralJSON(b)
	}
	read := func(name string, required bool) ([]byte, error) {
		path := get(name)
		if path == "" {
			if required {
				return nil, fmt.Errorf("--%s is required (or give --%s)", name, flagCollateral)
			}
			return nil, nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", name, err)
		}
		return b, nil
	}
	c := &attestation.Collateral{}
	var err error
	var tcbBody, qeBody []byte
	if tcbBody, err = read(flagTCBInfo, true); err != nil {
		return nil, err
	}
	if c.TCBInfo, c.TCBInfoSignature, err = attestation.SplitSignedBody(tcbBody, "tcbInfo"); err != nil {
		return nil, fmt.Errorf("--%s: %w", flagTCBInfo, err)
	}
	if qeBody, err = read(flagQEIdentity, true); err != nil {
		return nil, err
	}
	if c.QEIdentity, c.QEIdentitySignature, err = attestation.SplitSignedBody(qeBody, "enclaveIdentity"); err != nil {
		return nil, fmt.Errorf("--%s: %w", flagQEIdentity, err)
	}
	for _, chain := range []struct {
		name     string
		required bool
		out      *[]byte
	}{{flagTCBInfoChain, true, &c.TCBInfoIssuerChain}, {flagQEIdentityChain, false, &c.QEIdentityIssuerChain}} {
		b, err := read(chain.name, chain.required)
		if err != nil {
			return nil, err
		}
		if b, err = pemOrURLEncoded(b); err != nil {
			return nil, fmt.Errorf("--%s: %w", chain.name, err)
		}
		*chain.out = b
	}
	if c.PCKCRL, err = read(flagPCKCRL, false); err != nil {
		return nil, err
	}
	if c.RootCACRL, err = read(flagRootCACRL, false); err != nil {
		return nil, err
	}
	return c, nil
}

// pemOrURLEncoded accepts a PEM chain as Intel's PCS sends it in a header
// (URL-encoded) or as plain PEM.
func pemOrURLEncoded(b []byte) ([]byte, error) {
	if len(b) == 0 || bytes.Contains(b, []byte("-----BEGIN")) {
		return b, nil
	}
	s, err := url.QueryUnescape(string(bytes.TrimSpace(b)))
	if err != nil || !bytes.Contains([]byte(s), []byte("-----BEGIN")) {
		return nil, errors.New("not a PEM certificate chain")
	}
	return []byte(s), nil
}

// parseTimeFlag reads RFC 3339 or unix seconds.
func parseTimeFlag(s string) (time.Time, error) {
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(secs, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s %q: use RFC 3339 (2025-07-01T00:00:00Z) or unix seconds", flagTime, s)
	}
	return t, nil
}
