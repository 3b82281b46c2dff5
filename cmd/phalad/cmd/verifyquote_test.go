package cmd

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sgxTestdata = "../../../enclave/attestation/testdata/"

func runVerifyQuoteCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	c := verifyQuoteCommand()
	var out bytes.Buffer
	c.SetOut(&out)
	c.SetErr(&bytes.Buffer{})
	c.SetArgs(args)
	err := c.Execute()
	return out.String(), err
}

func TestVerifyQuoteCommand(t *testing.T) {
	phala := []string{"--quote", sgxTestdata + "phala/sgx_quote.bin", "--collateral", sgxTestdata + "phala/sgx_quote_collateral.json"}
	oasis := []string{"--quote", sgxTestdata + "oasis/quote_v3_ecdsa_p256_pck_chain.bin",
		"--tcb-info", sgxTestdata + "oasis/tcb_info_v3_fmspc_00606A000000.json",
		"--tcb-info-chain", sgxTestdata + "oasis/tcb_info_v3_fmspc_00606A000000_certs.pem",
		"--qe-identity", sgxTestdata + "oasis/qe_identity_v2.json"}
	raw, err := os.ReadFile(sgxTestdata + "phala/sgx_quote.bin")
	if err != nil {
		t.Fatal(err)
	}
	hexQuote := filepath.Join(t.TempDir(), "quote.hex")
	if err := os.WriteFile(hexQuote, []byte(hex.EncodeToString(raw)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	with := func(base []string, extra ...string) []string { return append(append([]string{}, base...), extra...) }

	for _, tc := range []struct {
		name string
		args []string
		code int    // 0: success
		want string // in the output (success) or the error
	}{
		{"phala", with(phala, "--time", "2025-07-01T00:00:00Z"), 0, `"tcb_status": "ConfigurationAndSWHardeningNeeded"`},
		{"phala unix time", with(phala, "--time", "1751328000"), 0, `"advisory_ids": [
    "INTEL-SA-00289",
    "INTEL-SA-00615"
  ]`},
		{"hex quote file", []string{"--quote", hexQuote, "--collateral", phala[3], "--time", "1751328000"}, 0, `"mr_enclave": "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"`},
		{"phala expired", with(phala, "--time", "2025-07-19T10:01:19Z"), 1, "attestation: qe identity: QE identity issued 2025-06-19T10:01:18Z"},
		{"oasis without CRLs", with(oasis, "--time", "1671497404"), 1, "attestation: root ca crl: the collateral has no CRL"},
		{"oasis", with(oasis, "--time", "1671497404", "--allow-missing-crl"), 0, `"mr_signer": "9affcfae47b848ec2caf1c49b4b283531e1cc425f93582b36806e52a43d78d1a"`},
		{"oasis after 30 days", with(oasis, "--time", "1673786737", "--allow-missing-crl"), 1, "maximum collateral age"},
		{"oasis with 90 days", with(oasis, "--time", "1673786737", "--allow-missing-crl", "--max-collateral-age", "2160h"), 0, `"status": "ok"`},
		{"oasis bad chain", []string{"--quote", oasis[1], "--tcb-info", oasis[3], "--qe-identity", oasis[7],
			"--tcb-info-chain", sgxTestdata + "oasis/tcb_info_v3_fmspc_00606A000000_certs_bad.pem", "--time", "1671497404", "--allow-missing-crl"}, 1, "attestation: qe identity: issuer chain"},
		{"encrypted PPID", []string{"--quote", sgxTestdata + "oasis/quote_v3_ecdsa_p256_eppid.bin", "--collateral", phala[3]}, 1, "attestation: parse quote: certification data type 3"},
		{"no quote", []string{"--collateral", phala[3]}, 2, "--quote is required"},
		{"no collateral", []string{"--quote", phala[1]}, 2, "--tcb-info is required"},
		{"both collateral forms", with(phala, "--tcb-info", "x"), 2, "exclude each other"},
		{"bad time", with(phala, "--time", "yesterday"), 2, "RFC 3339"},
		{"missing file", []string{"--quote", "/nonexistent", "--collateral", phala[3]}, 2, "no such file"},
		{"bad chain file", []string{"--quote", oasis[1], "--tcb-info", oasis[3], "--qe-identity", oasis[7], "--tcb-info-chain", oasis[3]}, 2, "not a PEM certificate chain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runVerifyQuoteCmd(t, tc.args...)
			if tc.code == 0 {
				if err != nil {
					t.Fatal(err)
				}
				var parsed map[string]any
				if err := json.Unmarshal([]byte(out), &parsed); err != nil || parsed["status"] != "ok" {
					t.Fatalf("output %s (%v)", out, err)
				}
				if !strings.Contains(out, tc.want) {
					t.Fatalf("output %s lacks %s", out, tc.want)
				}
				return
			}
			var exit *ExitError
			if !errors.As(err, &exit) || exit.Code != tc.code || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err %v, want one line with exit code %d mentioning %q", err, tc.code, tc.want)
			}
			if out != "" {
				t.Fatalf("printed %q on failure", out)
			}
		})
	}
}
