package e2e

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestToolsElectBinary runs `phalad tools elect` as a user would: results on
// stdout, and for bad input a message on stderr and exit code 2.
func TestToolsElectBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: runs phalad")
	}
	run := func(stdin string, args ...string) (string, string, int) {
		cmd := exec.Command(phaladBinary, append([]string{"tools", "elect", "--input", "-"}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
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
	out, _, code := run(`{"to_elect": 1, "candidates": ["a", "b"], "voters": [{"id": 1, "stake": "5", "targets": ["b"]}]}`)
	if code != 0 || !strings.Contains(out, `"id": "b"`) || !strings.Contains(out, `"backed_stake": "5"`) {
		t.Fatalf("exit %d, output %s", code, out)
	}
	out, errOut, code := run(`{"to_elect": 1, "candidates": ["a", "a"]}`)
	if code != 2 || out != "" || !strings.Contains(errOut, `candidate "a" is listed twice`) {
		t.Fatalf("duplicate candidate: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
