// Package govparams builds the `update-params-proposal` command shared by the
// phala modules: it submits a governance proposal whose only message is the
// module's MsgUpdateParams.
//
// A module's MsgUpdateParams replaces all of its params, but the command takes
// only the fields to change, as a JSON object (inline or a file), and fills in
// the others from the params the node currently has. The JSON is read with the
// chain's own codec (protobuf JSON), so decimals are written as "0.05" and
// durations as "600s". Unknown fields and params that do not validate are
// refused before anything is signed.
package govparams

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	gogoproto "github.com/cosmos/gogoproto/proto"
	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govcli "github.com/cosmos/cosmos-sdk/x/gov/client/cli"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
)

// Params is what a module's params type offers: a gogoproto message that
// validates itself without state. P is the params struct; *P implements it.
type Params[P any] interface {
	*P
	gogoproto.Message
	Validate() error
}

// Module describes one module's params to the command.
type Module[P any, PP Params[P]] struct {
	// Name is the module's CLI name, as in `query <Name> params`.
	Name string
	// Query returns the params the node currently has.
	Query func(ctx context.Context, clientCtx client.Context) (P, error)
	// Msg wraps complete params into the module's MsgUpdateParams.
	Msg func(authority string, params P) sdk.Msg
	// Example is a JSON object of fields to change, shown in --help.
	Example string
}

// NewTxCmd returns a module's tx command holding the update-params-proposal
// command for m; autocli adds the commands it generates from the module's Msg
// service to it (the module's tx options set EnhanceCustomCommand and skip
// UpdateParams).
func NewTxCmd[P any, PP Params[P]](m Module[P, PP]) *cobra.Command {
	cmd := &cobra.Command{
		Use:                        m.Name,
		Short:                      "Transactions of the " + m.Name + " module",
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	cmd.AddCommand(NewCmd(m))
	return cmd
}

// NewCmd returns the `update-params-proposal` command for m.
func NewCmd[P any, PP Params[P]](m Module[P, PP]) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "update-params-proposal <changes-json | file>",
		Short: fmt.Sprintf("Submit a governance proposal changing %s parameters", m.Name),
		Long: fmt.Sprintf(`Submit a governance proposal changing %[1]s parameters.

The argument is a JSON object holding only the fields to change (or the name of
a file holding it); the proposal carries the complete params, the others taken
from the node's current ones. Field names are those printed by
'query %[1]s params -o json'; values are in protobuf JSON: integers of 64 bits
and decimals as strings ("600", "0.05"), durations in seconds ("604800s").
Unknown fields and params that do not validate are refused before anything is
signed. The proposal passes to the gov module,
which executes it if the vote passes.`, m.Name),
		Example: fmt.Sprintf("phalad tx %s update-params-proposal '%s' --title 'Change params' --summary 'Why' --deposit 10000000upha --from alice",
			m.Name, m.Example),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			changes, err := ReadChanges(args[0])
			if err != nil {
				return err
			}
			current, err := m.Query(cmd.Context(), clientCtx)
			if err != nil {
				return fmt.Errorf("reading the current %s params from the node: %w", m.Name, err)
			}
			params, err := Merge[P, PP](clientCtx.Codec, current, changes)
			if err != nil {
				return err
			}
			authority := authtypes.NewModuleAddress(govtypes.ModuleName).String()
			proposal, err := govcli.ReadGovPropCmdFlags(clientCtx.GetFromAddress().String(), cmd.Flags())
			if err != nil {
				return err
			}
			if err := proposal.SetMsgs([]sdk.Msg{m.Msg(authority, params)}); err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), proposal)
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	govcli.AddGovPropFlagsToCmd(cmd)
	return cmd
}

// ReadChanges returns arg if it is JSON, else the contents of the file it
// names.
func ReadChanges(arg string) ([]byte, error) {
	if json.Valid([]byte(arg)) {
		return []byte(arg), nil
	}
	bz, err := os.ReadFile(arg)
	if err != nil {
		return nil, fmt.Errorf("the argument is neither JSON nor a readable file: %w", err)
	}
	return bz, nil
}

// Merge applies changes, a JSON object of params fields, to current and
// returns the result, which must validate. Field names are the proto names
// (snake_case) that the codec prints; any other name is refused, naming the
// valid ones.
func Merge[P any, PP Params[P]](cdc codec.JSONCodec, current P, changes []byte) (P, error) {
	var zero P
	var patch map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(changes))
	if err := dec.Decode(&patch); err != nil {
		return zero, fmt.Errorf("the changes must be a JSON object of params fields: %w", err)
	}
	if patch == nil {
		return zero, fmt.Errorf("the changes must be a JSON object of params fields, not null")
	}
	if dec.More() {
		return zero, fmt.Errorf("the changes must be a single JSON object")
	}
	if len(patch) == 0 {
		return zero, fmt.Errorf("no field to change")
	}
	currentJSON, err := cdc.MarshalJSON(PP(&current))
	if err != nil {
		return zero, err
	}
	var merged map[string]json.RawMessage
	if err := json.Unmarshal(currentJSON, &merged); err != nil {
		return zero, err
	}
	names := make([]string, 0, len(merged))
	for name := range merged {
		names = append(names, name)
	}
	slices.Sort(names)
	for name, value := range patch {
		if _, ok := merged[name]; !ok {
			return zero, fmt.Errorf("unknown params field %q; the fields are: %s", name, strings.Join(names, ", "))
		}
		merged[name] = value
	}
	mergedJSON, err := json.Marshal(merged)
	if err != nil {
		return zero, err
	}
	var out P
	if err := cdc.UnmarshalJSON(mergedJSON, PP(&out)); err != nil {
		return zero, fmt.Errorf("decoding the changed params: %w", err)
	}
	if err := PP(&out).Validate(); err != nil {
		return zero, fmt.Errorf("the changed params are invalid: %w", err)
	}
	return out, nil
}
