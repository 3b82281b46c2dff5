// Package jsonio reads election inputs and writes election results as JSON,
// for `phalad tools elect`: identifiers are JSON strings or integers echoed
// back exactly as given, stakes are integers or decimal strings, and every
// big number is written as a decimal string.
package jsonio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strconv"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/election"
)

// ErrInput marks input that is not a valid election.
var ErrInput = errors.New("invalid election input")

// Input is a decoded election: identifiers are their JSON text.
type Input struct {
	ToElect    int
	Candidates []string
	Voters     []election.Voter[string]
}

type rawInput struct {
	ToElect    *json.Number      `json:"to_elect"`
	Candidates []json.RawMessage `json:"candidates"`
	Voters     []rawVoter        `json:"voters"`
}

type rawVoter struct {
	ID      json.RawMessage   `json:"id"`
	Stake   json.RawMessage   `json:"stake"`
	Targets []json.RawMessage `json:"targets"`
}

var integerText = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)

// Decode reads one election from r. Unknown fields, trailing data,
// identifiers that are neither strings nor integers, repeated candidates or
// voters, and stakes outside [0, 2^64-1] are refused with ErrInput.
func Decode(r io.Reader) (Input, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var raw rawInput
	if err := dec.Decode(&raw); err != nil {
		return Input{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if dec.More() {
		return Input{}, fmt.Errorf("%w: data after the election object", ErrInput)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Input{}, fmt.Errorf("%w: data after the election object", ErrInput)
	}
	if raw.ToElect == nil {
		return Input{}, fmt.Errorf("%w: to_elect is missing", ErrInput)
	}
	toElect, err := strconv.ParseInt(raw.ToElect.String(), 10, 32)
	if err != nil || toElect < 0 {
		return Input{}, fmt.Errorf("%w: to_elect must be an integer in [0, 2^31), got %s", ErrInput, raw.ToElect)
	}
	in := Input{ToElect: int(toElect)}

	seen := map[string]bool{}
	for i, c := range raw.Candidates {
		id, err := canonicalID(c)
		if err != nil {
			return Input{}, fmt.Errorf("%w: candidates[%d]: %w", ErrInput, i, err)
		}
		if seen[id] {
			return Input{}, fmt.Errorf("%w: candidate %s is listed twice", ErrInput, id)
		}
		seen[id] = true
		in.Candidates = append(in.Candidates, id)
	}
	seenVoters := map[string]bool{}
	for i, v := range raw.Voters {
		id, err := canonicalID(v.ID)
		if err != nil {
			return Input{}, fmt.Errorf("%w: voters[%d].id: %w", ErrInput, i, err)
		}
		if seenVoters[id] {
			return Input{}, fmt.Errorf("%w: voter %s is listed twice", ErrInput, id)
		}
		seenVoters[id] = true
		stake, err := parseStake(v.Stake)
		if err != nil {
			return Input{}, fmt.Errorf("%w: voter %s: stake: %w", ErrInput, id, err)
		}
		voter := election.Voter[string]{ID: id, Stake: stake}
		for k, t := range v.Targets {
			target, err := canonicalID(t)
			if err != nil {
				return Input{}, fmt.Errorf("%w: voter %s: targets[%d]: %w", ErrInput, id, k, err)
			}
			voter.Targets = append(voter.Targets, target)
		}
		in.Voters = append(in.Voters, voter)
	}
	return in, nil
}

// canonicalID returns an identifier's JSON text: a re-encoded string, or an
// integer's digits.
func canonicalID(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", errors.New("missing identifier")
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		out, err := json.Marshal(s)
		return string(out), err
	default:
		if !integerText.Match(raw) {
			return "", fmt.Errorf("identifier %s is neither a string nor an integer", raw)
		}
		return string(raw), nil
	}
}

// parseStake reads an integer or a decimal string in [0, 2^64-1].
func parseStake(raw json.RawMessage) (uint64, error) {
	raw = bytes.TrimSpace(raw)
	text := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return 0, err
		}
	}
	if !integerText.MatchString(text) {
		return 0, fmt.Errorf("%s is not an integer", raw)
	}
	n, ok := new(big.Int).SetString(text, 10)
	if !ok || n.Sign() < 0 || !n.IsUint64() {
		return 0, fmt.Errorf("%s is outside [0, 2^64-1]", text)
	}
	return n.Uint64(), nil
}

// Output is the JSON form of an election result.
type Output struct {
	Winners     []OutputWinner     `json:"winners"`
	Assignments []OutputAssignment `json:"assignments"`
	Score       OutputScore        `json:"score"`
}

// OutputWinner is a winner with its backing and the round it won.
type OutputWinner struct {
	ID          json.RawMessage `json:"id"`
	BackedStake string          `json:"backed_stake"`
	Round       int             `json:"round"`
}

// OutputAssignment is one voter's distribution.
type OutputAssignment struct {
	Voter        json.RawMessage `json:"voter"`
	Distribution []OutputShare   `json:"distribution"`
}

// OutputShare is a target and the parts of the voter's stake it receives.
type OutputShare struct {
	Target json.RawMessage `json:"target"`
	Parts  string          `json:"parts"`
}

// OutputScore is the election score of the result's supports.
type OutputScore struct {
	MinimalStake    string `json:"minimal_stake"`
	SumStake        string `json:"sum_stake"`
	SumStakeSquared string `json:"sum_stake_squared"`
}

// NewOutput renders a result. The score is that of the supports built from
// the assignments converted back to stakes (normalized per voter), as
// Substrate scores a submitted solution.
func NewOutput(in Input, res election.Result[string], acc election.Accuracy) (Output, error) {
	out := Output{Winners: []OutputWinner{}, Assignments: []OutputAssignment{}}
	for _, w := range res.Winners {
		out.Winners = append(out.Winners, OutputWinner{ID: json.RawMessage(w.ID), BackedStake: w.BackedStake.String(), Round: w.Round})
	}
	for _, a := range res.Assignments {
		oa := OutputAssignment{Voter: json.RawMessage(a.Voter)}
		for _, s := range a.Distribution {
			oa.Distribution = append(oa.Distribution, OutputShare{Target: json.RawMessage(s.Target), Parts: strconv.FormatUint(s.Parts, 10)})
		}
		out.Assignments = append(out.Assignments, oa)
	}
	stakes := make(map[string]uint64, len(in.Voters))
	for _, v := range in.Voters {
		stakes[v.ID] = v.Stake
	}
	staked, err := election.StakedAssignments(res.Assignments, func(id string) uint64 { return stakes[id] }, acc)
	if err != nil {
		return Output{}, err
	}
	score := election.Evaluate(election.ToSupports(staked))
	out.Score = OutputScore{score.MinimalStake.String(), score.SumStake.String(), score.SumStakeSquared.String()}
	return out, nil
}
