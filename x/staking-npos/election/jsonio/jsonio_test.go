package jsonio

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/election"
)

func TestDecode(t *testing.T) {
	in, err := Decode(strings.NewReader(`{
		"to_elect": 2,
		"candidates": [1, "two", 3],
		"voters": [
			{"id": 10, "stake": 10, "targets": [1, "two"]},
			{"id": "twenty", "stake": "18446744073709551615", "targets": [1, 3, 99]}
		]}`))
	if err != nil {
		t.Fatal(err)
	}
	if in.ToElect != 2 || len(in.Candidates) != 3 || in.Candidates[1] != `"two"` || in.Candidates[0] != "1" {
		t.Fatalf("decoded %+v", in)
	}
	if v := in.Voters[1]; v.ID != `"twenty"` || v.Stake != 18446744073709551615 || len(v.Targets) != 3 {
		t.Fatalf("voter %+v", v)
	}
}

func TestDecodeRefusals(t *testing.T) {
	for _, tc := range []struct{ name, input, want string }{
		{"not json", `{"to_elect": 1,`, "unexpected EOF"},
		{"unknown field", `{"to_elect": 1, "seats": 2}`, `unknown field "seats"`},
		{"missing to_elect", `{"candidates": [1]}`, "to_elect is missing"},
		{"negative to_elect", `{"to_elect": -1}`, "to_elect must be"},
		{"huge to_elect", `{"to_elect": 99999999999}`, "to_elect must be"},
		{"duplicate candidate", `{"to_elect": 1, "candidates": [1, 1]}`, "listed twice"},
		{"duplicate voter", `{"to_elect": 1, "candidates": [1], "voters": [{"id": 5, "stake": 1, "targets": [1]}, {"id": 5, "stake": 2, "targets": [1]}]}`, "voter 5 is listed twice"},
		{"float id", `{"to_elect": 1, "candidates": [1.5]}`, "neither a string nor an integer"},
		{"object id", `{"to_elect": 1, "candidates": [{"a": 1}]}`, "neither a string nor an integer"},
		{"stake overflow", `{"to_elect": 1, "voters": [{"id": 1, "stake": 18446744073709551616, "targets": []}]}`, "outside [0, 2^64-1]"},
		{"negative stake", `{"to_elect": 1, "voters": [{"id": 1, "stake": "-1", "targets": []}]}`, "outside [0, 2^64-1]"},
		{"fractional stake", `{"to_elect": 1, "voters": [{"id": 1, "stake": 1.5, "targets": []}]}`, "not an integer"},
		{"trailing data", `{"to_elect": 1} {}`, "data after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tc.input))
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want ErrInput mentioning %q", err, tc.want)
			}
		})
	}
}

func TestOutputEchoesIdentifiers(t *testing.T) {
	in, err := Decode(strings.NewReader(`{"to_elect": 2, "candidates": [1, 2, 3], "voters": [
		{"id": 10, "stake": 10, "targets": [1, 2]},
		{"id": 20, "stake": 20, "targets": [1, 3]},
		{"id": "thirty", "stake": 30, "targets": [2, 3]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := election.SeqPhragmen(in.ToElect, in.Candidates, in.Voters, nil, election.Perbill)
	if err != nil {
		t.Fatal(err)
	}
	out, err := NewOutput(in, res, election.Perbill)
	if err != nil {
		t.Fatal(err)
	}
	bz, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	// Substrate's phragmen_poc_works: 3 then 2, backed 35 and 25.
	want := `{"winners":[{"id":3,"backed_stake":"35","round":0},{"id":2,"backed_stake":"25","round":1}],` +
		`"assignments":[{"voter":10,"distribution":[{"target":2,"parts":"1000000000"}]},` +
		`{"voter":20,"distribution":[{"target":3,"parts":"1000000000"}]},` +
		`{"voter":"thirty","distribution":[{"target":2,"parts":"500000000"},{"target":3,"parts":"500000000"}]}],` +
		`"score":{"minimal_stake":"25","sum_stake":"60","sum_stake_squared":"1850"}}`
	if string(bz) != want {
		t.Fatalf("output\n%s\nwant\n%s", bz, want)
	}
}

// FuzzDecode feeds arbitrary bytes to the decoder; whatever it accepts must
// run through both algorithms and render without error or panic.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"to_elect": 2, "candidates": [1, 2, 3], "voters": [{"id": 10, "stake": 10, "targets": [1, 2]}, {"id": "x", "stake": "30", "targets": [2, 3, 3]}]}`))
	f.Add([]byte(`{"to_elect": 1, "candidates": ["a"], "voters": [{"id": 1, "stake": 0, "targets": ["a", "b"]}]}`))
	f.Add([]byte(`{"to_elect": 3, "candidates": [], "voters": []}`))
	f.Fuzz(func(t *testing.T, bz []byte) {
		in, err := Decode(strings.NewReader(string(bz)))
		if err != nil {
			if !errors.Is(err, ErrInput) {
				t.Fatalf("error outside ErrInput: %v", err)
			}
			return
		}
		if in.ToElect > 64 || len(in.Candidates) > 64 || len(in.Voters) > 256 {
			return // keep each run small
		}
		for _, elect := range []func(int, []string, []election.Voter[string], *election.BalancingConfig, election.Accuracy) (election.Result[string], error){
			election.SeqPhragmen[string], election.PhragMMS[string],
		} {
			res, err := elect(in.ToElect, in.Candidates, in.Voters, &election.BalancingConfig{Iterations: 2}, election.Perbill)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := NewOutput(in, res, election.Perbill); err != nil {
				t.Fatal(err)
			}
		}
	})
}
