package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The governance test changes x/registry's max_collateral_age, which nothing
// else on the devnet reads, so the other subtests run while the vote runs.
const (
	oldCollateralAge = 30 * 24 * time.Hour // the default
	newCollateralAge = 7 * 24 * time.Hour
)

// testSubmitParamsProposal refuses two bad params changes before anything
// is signed, then submits a valid one with `update-params-proposal` and
// votes yes with every genesis validator. It returns the proposal id.
func testSubmitParamsProposal(t *testing.T, d *devnet) string {
	t.Helper()
	if got := registryCollateralAge(t, d); got != oldCollateralAge {
		t.Fatalf("max_collateral_age is %s before the proposal, want %s", got, oldCollateralAge)
	}
	before := proposalCount(t, d)
	for _, bad := range []struct{ changes, want string }{
		{`{"max_collateral_age":"0s"}`, "max_collateral_age must be positive"},
		{`{"maxCollateralAge":"60s"}`, `unknown params field "maxCollateralAge"`},
	} {
		out, errOut, err := d.phalad("tx", "registry", "update-params-proposal", bad.changes,
			"--deposit", "10000000upha", "--from", "alice", "-y")
		if err == nil || !strings.Contains(errOut, bad.want) {
			t.Fatalf("changes %s: err %v, output %q %q; want a refusal mentioning %q", bad.changes, err, out, errOut, bad.want)
		}
	}
	if got := proposalCount(t, d); got != before {
		t.Fatalf("refused changes created proposals: %d before, %d after", before, got)
	}

	return proposeAndVote(t, d, "registry", "update-params-proposal",
		fmt.Sprintf(`{"max_collateral_age":"%ds"}`, int64(newCollateralAge.Seconds())), "--title", "Shorter collateral age")
}

// proposeAndVote submits a governance proposal command (`tx <args>`) from
// alice with the devnet's minimum deposit, then votes yes with the four
// genesis validators. It returns the proposal id.
func proposeAndVote(t *testing.T, d *devnet, args ...string) string {
	t.Helper()
	res := d.sendTx(t, append(args, "--summary", "e2e", "--deposit", "10000000upha", "--from", "alice")...)
	id := res.attribute("submit_proposal", "proposal_id")
	if id == "" {
		t.Fatalf("no proposal_id in the submission's events: %+v", res.Events)
	}
	for i := 0; i < 4; i++ {
		d.sendTx(t, "gov", "vote", id, "yes", "--from", fmt.Sprintf("validator%d", i))
	}
	return id
}

// testParamsProposalPasses waits for the proposal to pass and checks that the
// change, and only it, took effect.
func testParamsProposalPasses(t *testing.T, d *devnet, id string) {
	t.Helper()
	var status string
	waitFor(t, 90*time.Second, "proposal "+id+" to pass", func() (bool, string) {
		var res struct {
			Proposal struct {
				Status string `json:"status"`
			} `json:"proposal"`
		}
		d.queryJSON(t, &res, "q", "gov", "proposal", id)
		status = res.Proposal.Status
		return status != "PROPOSAL_STATUS_VOTING_PERIOD", status
	})
	if status != "PROPOSAL_STATUS_PASSED" {
		t.Fatalf("proposal %s ended %s", id, status)
	}
	if got := registryCollateralAge(t, d); got != newCollateralAge {
		t.Fatalf("max_collateral_age is %s after the proposal passed, want %s", got, newCollateralAge)
	}
	var res struct {
		Params struct {
			AllowSimulation     bool     `json:"allow_simulation"`
			AcceptedTcbStatuses []string `json:"accepted_tcb_statuses"`
		} `json:"params"`
	}
	d.queryJSON(t, &res, "q", "registry", "params")
	if !res.Params.AllowSimulation || len(res.Params.AcceptedTcbStatuses) == 0 {
		t.Fatalf("the proposal changed fields it did not name: %+v", res.Params)
	}
}

// registryCollateralAge returns x/registry's max_collateral_age as the
// query prints it (a Go duration such as "720h0m0s").
func registryCollateralAge(t *testing.T, d *devnet) time.Duration {
	t.Helper()
	var res struct {
		Params struct {
			MaxCollateralAge string `json:"max_collateral_age"`
		} `json:"params"`
	}
	d.queryJSON(t, &res, "q", "registry", "params")
	age, err := time.ParseDuration(res.Params.MaxCollateralAge)
	if err != nil {
		t.Fatalf("max_collateral_age %q: %v", res.Params.MaxCollateralAge, err)
	}
	return age
}

func proposalCount(t *testing.T, d *devnet) int {
	t.Helper()
	var res struct {
		Proposals []json.RawMessage `json:"proposals"`
	}
	d.queryJSON(t, &res, "q", "gov", "proposals")
	return len(res.Proposals)
}
