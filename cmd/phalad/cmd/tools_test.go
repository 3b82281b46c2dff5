package cmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runElectCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	c := electCommand()
	var out bytes.Buffer
	c.SetOut(&out)
	c.SetErr(&bytes.Buffer{})
	c.SetIn(strings.NewReader(stdin))
	c.SetArgs(args)
	err := c.Execute()
	return out.String(), err
}

// The input of Substrate's phragmms::basic_election_works and
// phragmen_poc_works_with_balancing.
const pocInput = `{"to_elect": 2, "candidates": [1, 2, 3], "voters": [
	{"id": 10, "stake": 10, "targets": [1, 2]},
	{"id": 20, "stake": 20, "targets": [1, 3]},
	{"id": 30, "stake": 30, "targets": [2, 3]}]}`

func TestElectCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.json")
	if err := os.WriteFile(path, []byte(pocInput), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		args        []string
		winners     string
		voter30Part string // parts voter 30 gives candidate 2
	}{
		{"seq-phragmen", []string{"--input", path}, "3:35,2:25", "500000000"},
		{"seq-phragmen balanced", []string{"--input", path, "--balance-iterations", "4"}, "3:30,2:30", "666666666"},
		{"phragmms balanced", []string{"--input", path, "--algorithm", "phragmms", "--balance-iterations", "2"}, "3:30,2:30", "666666666"},
		{"percent from stdin", []string{"--input", "-", "--accuracy", "percent"}, "3:35,2:25", "50"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, err := runElectCmd(t, pocInput, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			var out struct {
				Winners []struct {
					ID          json.RawMessage `json:"id"`
					BackedStake string          `json:"backed_stake"`
				} `json:"winners"`
				Assignments []struct {
					Voter        json.RawMessage `json:"voter"`
					Distribution []struct {
						Target json.RawMessage `json:"target"`
						Parts  string          `json:"parts"`
					} `json:"distribution"`
				} `json:"assignments"`
			}
			if err := json.Unmarshal([]byte(stdout), &out); err != nil {
				t.Fatalf("%v\n%s", err, stdout)
			}
			var winners []string
			for _, w := range out.Winners {
				winners = append(winners, string(w.ID)+":"+w.BackedStake)
			}
			if got := strings.Join(winners, ","); got != tc.winners {
				t.Fatalf("winners %s, want %s", got, tc.winners)
			}
			for _, a := range out.Assignments {
				if string(a.Voter) == "30" && (string(a.Distribution[0].Target) != "2" || a.Distribution[0].Parts != tc.voter30Part) {
					t.Fatalf("voter 30: %+v, want %s parts to 2", a.Distribution, tc.voter30Part)
				}
			}
		})
	}
}

func TestElectCommandRefusesWithExitCode2(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"no input flag", pocInput, nil, "--input is required"},
		{"missing file", "", []string{"--input", "/nonexistent/in.json"}, "no such file"},
		{"bad algorithm", pocInput, []string{"--input", "-", "--algorithm", "dhondt"}, "use seq-phragmen or phragmms"},
		{"bad accuracy", pocInput, []string{"--input", "-", "--accuracy", "perbillion"}, "unknown accuracy"},
		{"bad tolerance", pocInput, []string{"--input", "-", "--balance-iterations", "2", "--balance-tolerance", "-3"}, "balance-tolerance"},
		{"invalid json", `{"to_elect": `, []string{"--input", "-"}, "invalid election input"},
		{"duplicate id", `{"to_elect": 1, "candidates": ["a", "a"]}`, []string{"--input", "-"}, "listed twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, err := runElectCmd(t, tc.stdin, tc.args...)
			var exit *ExitError
			if !errors.As(err, &exit) || exit.Code != 2 || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want exit code 2 mentioning %q", err, tc.want)
			}
			if stdout != "" {
				t.Fatalf("refused input still printed %q", stdout)
			}
		})
	}
}
