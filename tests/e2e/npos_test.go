package e2e

import (
	"fmt"
	"math/big"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

type validatorInfo struct {
	Validator struct {
		OperatorAddress string `json:"operator_address"`
		ConsensusPubkey struct {
			Value string `json:"value"`
		} `json:"consensus_pubkey"`
		Description struct {
			Moniker string `json:"moniker"`
		} `json:"description"`
		Jailed  bool `json:"jailed"`
		Chilled bool `json:"chilled"`
	} `json:"validator"`
	Status string `json:"status"`
	Power  string `json:"power"`
}

func (d *devnet) validators(t *testing.T) map[string]validatorInfo {
	t.Helper()
	var res struct {
		Validators []validatorInfo `json:"validators"`
	}
	d.queryJSON(t, &res, "q", "stakingnpos", "validators")
	out := map[string]validatorInfo{}
	for _, v := range res.Validators {
		out[v.Validator.Description.Moniker] = v
	}
	return out
}

func (d *devnet) currentEra(t *testing.T) uint64 {
	t.Helper()
	var res struct {
		Era struct {
			Index string `json:"index"`
		} `json:"era"`
	}
	d.queryJSON(t, &res, "q", "stakingnpos", "current-era")
	if res.Era.Index == "" {
		return 0 // JSON omits zero
	}
	era, err := strconv.ParseUint(res.Era.Index, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return era
}

// cometValidators returns the base64 ed25519 keys in CometBFT's validator set.
func (d *devnet) cometValidators(t *testing.T) map[string]string {
	t.Helper()
	var res struct {
		Validators []struct {
			PubKey struct {
				Value string `json:"value"`
			} `json:"pub_key"`
			VotingPower string `json:"voting_power"`
		} `json:"validators"`
	}
	if err := d.rpc(0, "/validators?per_page=100", &res); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, v := range res.Validators {
		out[v.PubKey.Value] = v.VotingPower
	}
	return out
}

func testNominationElectsCandidate(t *testing.T, d *devnet) {
	vals := d.validators(t)
	candidate := vals["node4"]
	if candidate.Status != "VALIDATOR_STATUS_WAITING" {
		t.Fatalf("node4 starts %s, want waiting", candidate.Status)
	}
	if _, in := d.cometValidators(t)[candidate.Validator.ConsensusPubkey.Value]; in {
		t.Fatal("a waiting candidate is in CometBFT's set")
	}
	before, err := d.height(0)
	if err != nil {
		t.Fatal(err)
	}
	d.sendTx(t, "stakingnpos", "bond", "900000000000upha", "--from", "carol")
	d.sendTx(t, "stakingnpos", "nominate", candidate.Validator.OperatorAddress, "--from", "carol")
	era := d.currentEra(t)
	waitFor(t, 90*time.Second, "the next era", func() (bool, string) {
		now := d.currentEra(t)
		return now > era, fmt.Sprintf("era %d", now)
	})
	waitFor(t, 30*time.Second, "CometBFT's set to include node4", func() (bool, string) {
		power, in := d.cometValidators(t)[candidate.Validator.ConsensusPubkey.Value]
		return in && power != "0", fmt.Sprintf("node4 in set %v, power %s", in, power)
	})
	if st := d.validators(t)["node4"].Status; st != "VALIDATOR_STATUS_ELECTED" {
		t.Fatalf("node4 is %s after the election, want elected", st)
	}
	if n := len(d.cometValidators(t)); n != 4 {
		t.Fatalf("CometBFT's set has %d validators, want validator_count 4", n)
	}
	// CometBFT's /validators reports the set of the next height, so the
	// first header signed by the new set may not be committed yet.
	latest, err := d.height(0)
	if err != nil {
		t.Fatal(err)
	}
	after := latest + 1
	waitFor(t, 30*time.Second, fmt.Sprintf("height %d", after+1), func() (bool, string) {
		h, err := d.height(0)
		return err == nil && h > after, fmt.Sprintf("height %d", h)
	})
	verifyAcrossSetChange(t, d, before, after)
	followEnclave(t, d, after, true)
}

func testRewardsAddUp(t *testing.T, d *devnet) {
	era := d.currentEra(t) - 1 // a finished era
	var rewards struct {
		Rewards struct {
			Payout      string `json:"payout"`
			TotalPoints string `json:"total_points"`
		} `json:"rewards"`
		Points []struct {
			OperatorAddress string `json:"operator_address"`
			Points          string `json:"points"`
		} `json:"points"`
	}
	d.queryJSON(t, &rewards, "q", "stakingnpos", "era-rewards", strconv.FormatUint(era, 10))
	payout, ok := new(big.Int).SetString(rewards.Rewards.Payout, 10)
	if !ok || payout.Sign() <= 0 || len(rewards.Points) == 0 {
		t.Fatalf("era %d rewards: %+v", era, rewards)
	}
	paid, recipients := new(big.Int), 0
	for _, p := range rewards.Points {
		res := d.sendTx(t, "stakingnpos", "payout-stakers", p.OperatorAddress, strconv.FormatUint(era, 10), "--from", "carol")
		for _, e := range res.Events {
			if e.Type != "reward" {
				continue
			}
			for _, a := range e.Attributes {
				if a.Key == "amount" {
					amount, _ := new(big.Int).SetString(a.Value, 10)
					paid.Add(paid, amount)
					recipients++
				}
			}
		}
	}
	dust := new(big.Int).Sub(payout, paid)
	if paid.Sign() <= 0 || dust.Sign() < 0 || dust.Cmp(big.NewInt(int64(recipients+len(rewards.Points)))) > 0 {
		t.Fatalf("era %d: paid %s of %s to %d recipients", era, paid, payout, recipients)
	}
	t.Logf("era %d: paid %s of %s upha to %d recipients", era, paid, payout, recipients)
}

func testDowntimeJails(t *testing.T, d *devnet, home string) {
	// Kill an elected validator other than node0, whose RPC the CLI uses.
	var victim string
	for i := 1; i < d.nodes; i++ {
		name := fmt.Sprintf("node%d", i)
		if d.validators(t)[name].Status == "VALIDATOR_STATUS_ELECTED" {
			victim = name
			break
		}
	}
	if victim == "" {
		t.Fatal("no elected validator besides node0")
	}
	key := d.validators(t)[victim].Validator.ConsensusPubkey.Value
	pid := readPID(t, filepath.Join(home, victim, "phalad.pid"))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// The devnet's x/slashing jails after more than half of a 50-block window is missed.
	waitFor(t, 180*time.Second, victim+" to be jailed", func() (bool, string) {
		v := d.validators(t)[victim]
		return v.Status == "VALIDATOR_STATUS_JAILED", v.Status
	})
	v := d.validators(t)[victim]
	if !v.Validator.Jailed || !v.Validator.Chilled {
		t.Fatalf("%s jailed %v chilled %v, want both", victim, v.Validator.Jailed, v.Validator.Chilled)
	}
	waitFor(t, 30*time.Second, victim+" to leave CometBFT's set", func() (bool, string) {
		_, in := d.cometValidators(t)[key]
		return !in, fmt.Sprintf("still in set: %v", in)
	})
	h0, _ := d.height(0)
	waitFor(t, 30*time.Second, "blocks without "+victim, func() (bool, string) {
		h, err := d.height(0)
		return err == nil && h > h0+3, fmt.Sprintf("height %d", h)
	})
}
