// Package cli holds the x/staking-npos commands autocli cannot build: the
// genesis tooling that puts validators and nominators into a genesis file.
package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/privval"
	"github.com/spf13/cobra"

	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/codec"
	cryptocodec "github.com/cosmos/cosmos-sdk/crypto/codec"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	"github.com/cosmos/cosmos-sdk/server"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	"github.com/cosmos/cosmos-sdk/x/genutil"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

// Flags of add-genesis-validator.
const (
	FlagPubKey          = "pubkey"
	FlagMoniker         = "moniker"
	FlagCommission      = "commission"
	FlagIdentity        = "identity"
	FlagWebsite         = "website"
	FlagSecurityContact = "security-contact"
	FlagDetails         = "details"
)

// DefaultCommission is the commission of a genesis validator unless set.
var DefaultCommission = math.LegacyNewDecWithPrec(5, 2)

// GenesisValidator describes a validator to put into a genesis file.
type GenesisValidator struct {
	Operator    sdk.AccAddress
	ConsPubKey  cryptotypes.PubKey
	Bond        sdk.Coin
	Description types.Description
	Commission  math.LegacyDec
}

// AddGenesisValidator bonds v.Bond of the operator's genesis balance (moved
// into the bonded pool) and adds the operator as a validator candidate with
// the intent to validate. The total supply is unchanged. appState is
// updated in place only on success.
func AddGenesisValidator(cdc codec.JSONCodec, appState map[string]json.RawMessage, v GenesisValidator) error {
	validator, err := types.NewValidator(sdk.ValAddress(v.Operator), v.ConsPubKey, v.Description, v.Commission)
	if err != nil {
		return err
	}
	return updateGenesis(cdc, appState, v.Operator, v.Bond, func(gs *types.GenesisState) {
		gs.Validators = append(gs.Validators, validator)
	})
}

// AddGenesisNominator bonds bond of the nominator's genesis balance and
// nominates targets (operator addresses of genesis validators).
func AddGenesisNominator(cdc codec.JSONCodec, appState map[string]json.RawMessage, nominator sdk.AccAddress, bond sdk.Coin, targets []string) error {
	return updateGenesis(cdc, appState, nominator, bond, func(gs *types.GenesisState) {
		gs.Nominators = append(gs.Nominators, types.GenesisNominator{Address: nominator.String(), Targets: targets})
	})
}

// updateGenesis bonds amount of who's genesis balance (adding to an
// existing genesis bond), applies change, and validates the result before
// writing both x/staking-npos's and x/bank's genesis back.
func updateGenesis(cdc codec.JSONCodec, appState map[string]json.RawMessage, who sdk.AccAddress, amount sdk.Coin, change func(*types.GenesisState)) error {
	var stakingGen types.GenesisState
	if err := cdc.UnmarshalJSON(appState[types.ModuleName], &stakingGen); err != nil {
		return fmt.Errorf("reading %s genesis: %w", types.ModuleName, err)
	}
	bankGen := banktypes.GetGenesisStateFromAppState(cdc, appState)
	if amount.Denom != stakingGen.Params.BondDenom {
		return fmt.Errorf("the bond must be in %s (the bond denom), not %s", stakingGen.Params.BondDenom, amount.Denom)
	}
	if !amount.Amount.IsPositive() {
		return fmt.Errorf("the bond must be positive")
	}
	if err := debit(bankGen, who, amount); err != nil {
		return err
	}
	credit(bankGen, authtypes.NewModuleAddress(types.BondedPoolName), amount)
	bonded := false
	for i, l := range stakingGen.Ledgers {
		if l.Stash == who.String() {
			stakingGen.Ledgers[i].Total = l.Total.Add(amount.Amount)
			stakingGen.Ledgers[i].Active = l.Active.Add(amount.Amount)
			bonded = true
		}
	}
	if !bonded {
		stakingGen.Ledgers = append(stakingGen.Ledgers, types.NewLedger(who.String(), amount.Amount))
	}
	change(&stakingGen)
	if err := stakingGen.Validate(); err != nil {
		return err
	}
	stakingJSON, err := cdc.MarshalJSON(&stakingGen)
	if err != nil {
		return err
	}
	bankJSON, err := cdc.MarshalJSON(bankGen)
	if err != nil {
		return err
	}
	appState[types.ModuleName] = stakingJSON
	appState[banktypes.ModuleName] = bankJSON
	return nil
}

func debit(gen *banktypes.GenesisState, addr sdk.AccAddress, amt sdk.Coin) error {
	for i, b := range gen.Balances {
		if b.Address != addr.String() {
			continue
		}
		have := b.Coins.AmountOf(amt.Denom)
		if have.LT(amt.Amount) {
			return fmt.Errorf("account %s has %s%s in genesis, cannot bond %s", addr, have, amt.Denom, amt)
		}
		gen.Balances[i].Coins = b.Coins.Sub(amt)
		return nil
	}
	return fmt.Errorf("account %s has no genesis balance: add it first with `genesis add-genesis-account`", addr)
}

func credit(gen *banktypes.GenesisState, addr sdk.AccAddress, amt sdk.Coin) {
	for i, b := range gen.Balances {
		if b.Address == addr.String() {
			gen.Balances[i].Coins = b.Coins.Add(amt)
			return
		}
	}
	gen.Balances = append(gen.Balances, banktypes.Balance{Address: addr.String(), Coins: sdk.NewCoins(amt)})
}

// AddGenesisValidatorCmd returns `genesis add-genesis-validator`.
func AddGenesisValidatorCmd(defaultNodeHome string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "add-genesis-validator <key-name-or-address> <bond>",
		Short: "Bond funds of a genesis account and make it a genesis validator",
		Long: `Moves <bond> from the account's genesis balance into the NPoS bonded pool and
adds the account as a validator candidate to the genesis file. The consensus key
is this node's (config/priv_validator_key.json under --home) unless --pubkey
gives another validator's key, as printed by 'phalad comet show-validator'.
The account must already have a genesis balance (genesis add-genesis-account).`,
		Example: `  phalad genesis add-genesis-account alice 2000000000upha --keyring-backend test
  phalad genesis add-genesis-validator alice 1000000000upha --moniker node0 --commission 0.05 --keyring-backend test`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx := client.GetClientContextFromCmd(cmd)
			serverCtx := server.GetServerContextFromCmd(cmd)
			config := serverCtx.Config
			config.SetRoot(clientCtx.HomeDir)

			operator, err := resolveAddress(clientCtx, cmd, args[0])
			if err != nil {
				return err
			}
			bond, err := sdk.ParseCoinNormalized(args[1])
			if err != nil {
				return fmt.Errorf("bond %q: %w", args[1], err)
			}
			pubKey, err := consensusPubKey(cmd, config.PrivValidatorKeyFile())
			if err != nil {
				return err
			}
			v := GenesisValidator{Operator: operator, ConsPubKey: pubKey, Bond: bond}
			if v.Commission, err = commissionFlag(cmd); err != nil {
				return err
			}
			v.Description.Moniker, _ = cmd.Flags().GetString(FlagMoniker)
			if v.Description.Moniker == "" {
				v.Description.Moniker = config.Moniker
			}
			v.Description.Identity, _ = cmd.Flags().GetString(FlagIdentity)
			v.Description.Website, _ = cmd.Flags().GetString(FlagWebsite)
			v.Description.SecurityContact, _ = cmd.Flags().GetString(FlagSecurityContact)
			v.Description.Details, _ = cmd.Flags().GetString(FlagDetails)

			return editGenesisFile(config.GenesisFile(), func(appState map[string]json.RawMessage) error {
				if err := AddGenesisValidator(clientCtx.Codec, appState, v); err != nil {
					return err
				}
				cmd.Printf("added genesis validator %s (%s) bonding %s\n", sdk.ValAddress(operator), v.Description.Moniker, bond)
				return nil
			})
		},
	}
	cmd.Flags().String(flags.FlagHome, defaultNodeHome, "the node's home directory")
	cmd.Flags().String(flags.FlagKeyringBackend, flags.DefaultKeyringBackend, "keyring backend to look the key up in (os|file|kwallet|pass|test)")
	cmd.Flags().String(FlagPubKey, "", `consensus public key as JSON, e.g. '{"@type":"/cosmos.crypto.ed25519.PubKey","key":"..."}' (default: this node's key)`)
	cmd.Flags().String(FlagMoniker, "", "validator name (default: the node's moniker)")
	cmd.Flags().String(FlagCommission, DefaultCommission.String(), "share of era rewards taken before nominators are paid, in [0, 1]")
	cmd.Flags().String(FlagIdentity, "", "optional identity signature (e.g. Keybase)")
	cmd.Flags().String(FlagWebsite, "", "optional website")
	cmd.Flags().String(FlagSecurityContact, "", "optional security contact email")
	cmd.Flags().String(FlagDetails, "", "optional description")
	return cmd
}

func resolveAddress(clientCtx client.Context, cmd *cobra.Command, nameOrAddress string) (sdk.AccAddress, error) {
	if addr, err := sdk.AccAddressFromBech32(nameOrAddress); err == nil {
		return addr, nil
	}
	backend, _ := cmd.Flags().GetString(flags.FlagKeyringBackend)
	kr, err := client.NewKeyringFromBackend(clientCtx, backend)
	if err != nil {
		return nil, err
	}
	record, err := kr.Key(nameOrAddress)
	if err != nil {
		return nil, fmt.Errorf("%q is neither an address nor a key in the %s keyring: %w", nameOrAddress, backend, err)
	}
	return record.GetAddress()
}

func consensusPubKey(cmd *cobra.Command, privValKeyFile string) (cryptotypes.PubKey, error) {
	raw, _ := cmd.Flags().GetString(FlagPubKey)
	if raw == "" {
		if _, err := os.Stat(privValKeyFile); err != nil {
			return nil, fmt.Errorf("no --pubkey given and no node key at %s: %w", filepath.Clean(privValKeyFile), err)
		}
		keyJSON, err := os.ReadFile(privValKeyFile)
		if err != nil {
			return nil, err
		}
		var key privval.FilePVKey
		if err := cmtjson.Unmarshal(keyJSON, &key); err != nil {
			return nil, fmt.Errorf("reading %s: %w", privValKeyFile, err)
		}
		return cryptocodec.FromCmtPubKeyInterface(key.PubKey)
	}
	clientCtx := client.GetClientContextFromCmd(cmd)
	var pk cryptotypes.PubKey
	if err := clientCtx.Codec.UnmarshalInterfaceJSON([]byte(raw), &pk); err != nil {
		return nil, fmt.Errorf("--pubkey: %w", err)
	}
	return pk, nil
}

func commissionFlag(cmd *cobra.Command) (math.LegacyDec, error) {
	s, _ := cmd.Flags().GetString(FlagCommission)
	c, err := math.LegacyNewDecFromStr(s)
	if err != nil {
		return c, fmt.Errorf("--%s %q: %w", FlagCommission, s, err)
	}
	if c.IsNegative() || c.GT(math.LegacyOneDec()) {
		return c, fmt.Errorf("--%s %s is not in [0, 1]", FlagCommission, s)
	}
	return c, nil
}

// AddGenesisNominatorCmd returns `genesis add-genesis-nominator`.
func AddGenesisNominatorCmd(defaultNodeHome string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "add-genesis-nominator <key-name-or-address> <bond> <operator-address>...",
		Short: "Bond funds of a genesis account and nominate genesis validators with them",
		Long: `Moves <bond> from the account's genesis balance into the NPoS bonded pool and
nominates the given genesis validators (at most max_nominations). The account must
already have a genesis balance (genesis add-genesis-account), and the validators must
already be in the genesis (genesis add-genesis-validator).`,
		Example: `  phalad genesis add-genesis-nominator bob 500000000upha phalavaloper1... phalavaloper1...`,
		Args:    cobra.MinimumNArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx := client.GetClientContextFromCmd(cmd)
			config := server.GetServerContextFromCmd(cmd).Config
			config.SetRoot(clientCtx.HomeDir)
			nominator, err := resolveAddress(clientCtx, cmd, args[0])
			if err != nil {
				return err
			}
			bond, err := sdk.ParseCoinNormalized(args[1])
			if err != nil {
				return fmt.Errorf("bond %q: %w", args[1], err)
			}
			return editGenesisFile(config.GenesisFile(), func(appState map[string]json.RawMessage) error {
				if err := AddGenesisNominator(clientCtx.Codec, appState, nominator, bond, args[2:]); err != nil {
					return err
				}
				cmd.Printf("added genesis nominator %s bonding %s behind %d validators\n", nominator, bond, len(args)-2)
				return nil
			})
		},
	}
	cmd.Flags().String(flags.FlagHome, defaultNodeHome, "the node's home directory")
	cmd.Flags().String(flags.FlagKeyringBackend, flags.DefaultKeyringBackend, "keyring backend to look the key up in (os|file|kwallet|pass|test)")
	return cmd
}

// editGenesisFile applies edit to the app state of the genesis file.
func editGenesisFile(genFile string, edit func(map[string]json.RawMessage) error) error {
	appState, appGenesis, err := genutiltypes.GenesisStateFromGenFile(genFile)
	if err != nil {
		return fmt.Errorf("reading %s: %w", genFile, err)
	}
	if err := edit(appState); err != nil {
		return err
	}
	if appGenesis.AppState, err = json.Marshal(appState); err != nil {
		return err
	}
	return genutil.ExportGenesisFile(appGenesis, genFile)
}
