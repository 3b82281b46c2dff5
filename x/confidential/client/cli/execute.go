package cli

import (
	"bytes"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/enclave/contractkey"
	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

const flagAmount = "amount"

// ExecuteCmd is `tx confidential execute CONTRACT JSON`.
func ExecuteCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "execute <contract-address> <json-command> [--amount COINS] [--fuel N]",
		Short: "Send a contract a command only its enclaves can read",
		Long: `Sends a contract a command (JSON). Before encrypting, the CLI checks the contract's public
key on chain: signed by a gatekeeper (enclave/contractkey), and that gatekeeper is in the
chain's gatekeeper set, i.e. a registered worker whose attestation the chain verified. The
command is then sealed to that key, bound to the chain, the contract, your account and a fresh
nonce (the chain refuses a nonce used before, so a replayed ciphertext fails), together with
your reply key, to which the result is sealed.

--amount moves funds to the contract's account with the command; the contract sees them.
You prepay --fuel at the chain's fee_per_mega_fuel.`,
		Example: `  phalad tx confidential execute phala1... '{"increment":{}}' --from alice`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			contract, err := contractAndMessage(args, "command")
			if err != nil {
				return err
			}
			amount, _ := cmd.Flags().GetString(flagAmount)
			funds, err := sdk.ParseCoinsNormalized(amount)
			if err != nil {
				return fmt.Errorf("--amount %q: %w", amount, err)
			}
			fuel, _ := cmd.Flags().GetUint64(flagFuel)
			public, err := verifiedContractKey(cmd, clientCtx, contract)
			if err != nil {
				return err
			}
			nonce, sealed, err := sealCall(clientCtx, contract, public, []byte(args[1]), envelope.CommandContext)
			if err != nil {
				return err
			}
			msg := &types.MsgExecute{Sender: clientCtx.GetFromAddress().String(), Contract: contract.String(), Nonce: nonce, Sealed: sealed, FuelLimit: fuel, Funds: funds}
			if err := msg.ValidateBasic(); err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	cmd.Flags().String(flagAmount, "", "funds to send the contract with the command, e.g. 1000upha")
	cmd.Flags().Uint64(flagFuel, DefaultFuel, "fuel limit of the call (prepaid at fee_per_mega_fuel)")
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

// verifiedContractKey is a contract's public key once its signature chain
// holds: the key is published, signed by its gatekeeper, and that
// gatekeeper is a registered gatekeeper now.
func verifiedContractKey(cmd *cobra.Command, clientCtx client.Context, contract sdk.AccAddress) ([]byte, error) {
	res, err := types.NewQueryClient(clientCtx).Contract(cmd.Context(), &types.QueryContractRequest{Address: contract.String()})
	if err != nil {
		return nil, fmt.Errorf("contract %s: %w", contract, err)
	}
	key := res.Contract.Key
	if key == nil {
		return nil, fmt.Errorf("contract %s: %w (query confidential contract %s shows it once published)", contract, types.ErrKeyNotPublished, contract)
	}
	if !contractkey.Verify(key.Gatekeeper, clientCtx.ChainID, contract, key.PublicKey, key.Generation, key.Signature) {
		return nil, fmt.Errorf("contract %s: the key's signature does not verify against gatekeeper %x: refusing to encrypt to it", contract, key.Gatekeeper)
	}
	gks, err := registrytypes.NewQueryClient(clientCtx).Gatekeepers(cmd.Context(), &registrytypes.QueryGatekeepersRequest{})
	if err != nil {
		return nil, err
	}
	for _, g := range gks.Gatekeepers {
		if bytes.Equal(g.IdentityPubkey, key.Gatekeeper) {
			return key.PublicKey, nil
		}
	}
	return nil, fmt.Errorf("contract %s: its key was signed by %x, which is not a registered gatekeeper: refusing to encrypt to it", contract, key.Gatekeeper)
}
