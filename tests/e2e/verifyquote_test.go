package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestToolsVerifyQuoteBinary runs `phalad tools verify-quote` on a real Intel
// quote as a user would: JSON on stdout and exit 0 inside the collateral's
// window; one line naming the failed step and exit 1 after it.
func TestToolsVerifyQuoteBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: runs phalad")
	}
	run := func(at string) (string, string, int) {
		cmd := exec.Command(phaladBinary, "tools", "verify-quote",
			"--quote", "../../enclave/attestation/testdata/phala/sgx_quote.bin",
			"--collateral", "../../enclave/attestation/testdata/phala/sgx_quote_collateral.json", "--time", at)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return out.String(), errOut.String(), exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String(), 0
	}
	out, errOut, code := run("2025-07-01T00:00:00Z")
	var res struct {
		Status    string `json:"status"`
		TCBStatus string `json:"tcb_status"`
		MREnclave string `json:"mr_enclave"`
		Debug     bool   `json:"debug"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Status != "ok" ||
		res.TCBStatus != "ConfigurationAndSWHardeningNeeded" || res.MREnclave != "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb" || res.Debug {
		t.Fatalf("exit %d, stdout %s, stderr %s", code, out, errOut)
	}
	out, errOut, code = run("2025-06-01T00:00:00Z")
	if code != 1 || out != "" || strings.Count(strings.TrimSpace(errOut), "\n") != 0 ||
		!strings.Contains(errOut, "attestation: pck crl: the CRL is issued in the future") {
		t.Fatalf("before the window: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
