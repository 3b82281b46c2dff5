package govparams_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"

	"github.com/phala-cosmos/phala-cosmos/x/internal/govparams"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
	npostypes "github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

var cdc = codec.NewProtoCodec(codectypes.NewInterfaceRegistry())

func TestMergeChangesOnlyNamedFields(t *testing.T) {
	current := npostypes.DefaultParams()
	got, err := govparams.Merge[npostypes.Params](cdc, current,
		[]byte(`{"era_length":"600","inflation_rate":"0.07","expected_block_time":"5s"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := current
	want.EraLength = 600
	want.InflationRate = math.LegacyNewDecWithPrec(7, 2)
	want.ExpectedBlockTime = 5 * time.Second
	gotJSON, wantJSON := cdc.MustMarshalJSON(&got), cdc.MustMarshalJSON(&want)
	if string(gotJSON) != string(wantJSON) {
		t.Fatalf("merged params\n%s\nwant\n%s", gotJSON, wantJSON)
	}
	// Repeated fields are replaced as a whole.
	reg, err := govparams.Merge[registrytypes.Params](cdc, registrytypes.DefaultParams(),
		[]byte(`{"accepted_tcb_statuses":["UpToDate","SWHardeningNeeded"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.AcceptedTcbStatuses) != 2 || reg.MaxCollateralAge != registrytypes.DefaultMaxCollateralAge {
		t.Fatalf("merged registry params: %v", reg)
	}
}

func TestMergeRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, changes, want string
	}{
		{"not JSON", `era_length=600`, "must be a JSON object"},
		{"an array", `[{"era_length":"600"}]`, "must be a JSON object"},
		{"null", `null`, "must be a JSON object"},
		{"two objects", `{"era_length":"600"} {"era_length":"700"}`, "a single JSON object"},
		{"nothing to change", `{}`, "no field to change"},
		{"camelCase name", `{"eraLength":"600"}`, `unknown params field "eraLength"; the fields are: algorithm,`},
		{"unknown name", `{"era_lenght":"600"}`, `unknown params field "era_lenght"`},
		{"bad decimal", `{"inflation_rate":"seven"}`, "decoding the changed params"},
		{"bad duration", `{"expected_block_time":"1 hour"}`, "decoding the changed params"},
		{"number too large", `{"era_length":"18446744073709551616"}`, "decoding the changed params"},
		{"invalid result", `{"era_length":"1"}`, "the changed params are invalid: era_length"},
		{"denom emptied", `{"bond_denom":""}`, "the changed params are invalid: bond_denom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := govparams.Merge[npostypes.Params](cdc, npostypes.DefaultParams(), []byte(tc.changes))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestNewCmdReadsChangesFromAFile(t *testing.T) {
	// The command refuses before contacting a node when the argument is
	// neither JSON nor a file; a file's content is used as the changes.
	cmd := govparams.NewCmd(govparams.Module[npostypes.Params, *npostypes.Params]{Name: "stakingnpos"})
	if err := cmd.Args(cmd, []string{}); err == nil {
		t.Fatal("no argument accepted")
	}
	if !strings.Contains(cmd.Long, "only the fields to change") || !strings.Contains(cmd.Example, "stakingnpos") {
		t.Fatalf("help does not explain the command: %q %q", cmd.Long, cmd.Example)
	}
	path := filepath.Join(t.TempDir(), "changes.json")
	if err := os.WriteFile(path, []byte(`{"era_length":"600"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	changes, err := govparams.ReadChanges(path)
	if err != nil || string(changes) != `{"era_length":"600"}` {
		t.Fatalf("changes from %s: %q, %v", path, changes, err)
	}
	if _, err := govparams.ReadChanges("missing.json"); err == nil || !strings.Contains(err.Error(), "neither JSON nor a readable file") {
		t.Fatalf("missing file: %v", err)
	}
	if changes, err := govparams.ReadChanges(`{"era_length":"600"}`); err != nil || string(changes) != `{"era_length":"600"}` {
		t.Fatalf("inline changes: %q, %v", changes, err)
	}
}
