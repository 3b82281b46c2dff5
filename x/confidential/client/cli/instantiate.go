package cli

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"
	sdk "github.com/cosmos/cosmos-sdk/types"
	signingtypes "github.com/cosmos/cosmos-sdk/types/tx/signing"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

const (
	flagLabel = "label"
	flagFuel  = "fuel"
)

// DefaultFuel is the fuel limit of a call when --fuel is not given: enough
// for the example contracts' calls (about 5 million), well under the
// default max_fuel_per_call.
const DefaultFuel = 20_000_000

// InstantiateCmd is `tx confidential instantiate CODE_ID JSON --label L`.
func InstantiateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "instantiate <code-id> <json-init> --label LABEL [--fuel N]",
		Short: "Create a contract from a code, with an init message only enclaves can read",
		Long: `Creates a contract from an uploaded code. The init message (JSON) is sealed here, on your
machine, to the master public key that the chain's gatekeeper published, bound to the chain,
the contract's address, your account and a fresh nonce; the chain and its nodes see only the
ciphertext. The contract's address follows from the code id, your address and the label
(unique per creator) and is printed before sending.

The chain schedules the contract on workers drawn at random by stake and score, and asks a
gatekeeper for the contract's key. The init, resealed by the gatekeeper to that key, runs as
the contract's first call; 'query confidential contract ADDRESS' shows the key once published (a few blocks).
You prepay --fuel at the chain's fee_per_mega_fuel.`,
		Example: `  phalad tx confidential instantiate 1 '{"count":0}' --label my-counter --from alice`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			codeID, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil || codeID == 0 {
				return fmt.Errorf("code id %q: want a positive integer (query confidential codes lists them)", args[0])
			}
			if !json.Valid([]byte(args[1])) {
				return fmt.Errorf("the init message is not valid JSON: %s", args[1])
			}
			label, _ := cmd.Flags().GetString(flagLabel)
			if err := types.ValidateLabel(label); err != nil {
				return err
			}
			fuel, _ := cmd.Flags().GetUint64(flagFuel)
			creator := clientCtx.GetFromAddress()
			if _, err := types.NewQueryClient(clientCtx).Code(cmd.Context(), &types.QueryCodeRequest{CodeId: codeID}); err != nil {
				return fmt.Errorf("code %d: %w", codeID, err)
			}
			mk, err := verifiedMasterKey(cmd, clientCtx)
			if err != nil {
				return err
			}
			addr := types.ContractAddress(codeID, creator, label)
			nonce, sealed, err := sealCall(clientCtx, addr, mk.PublicKey, []byte(args[1]), envelope.InitContext)
			if err != nil {
				return err
			}
			msg := &types.MsgInstantiate{Creator: creator.String(), CodeId: codeID, Label: label, Nonce: nonce, SealedInit: sealed, FuelLimit: fuel}
			if err := msg.ValidateBasic(); err != nil {
				return err
			}
			cmd.PrintErrf("contract address: %s (init sealed to master key generation %d)\n", addr, mk.Generation)
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	cmd.Flags().String(flagLabel, "", "a name for the contract, unique among your contracts (required)")
	cmd.Flags().Uint64(flagFuel, DefaultFuel, "fuel limit of the init call (prepaid at fee_per_mega_fuel)")
	_ = cmd.MarkFlagRequired(flagLabel)
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

// verifiedMasterKey is the chain's current master public key, once it is
// checked to come from a gatekeeper that is a registered (attested) worker.
func verifiedMasterKey(cmd *cobra.Command, clientCtx client.Context) (registrytypes.MasterKey, error) {
	q := registrytypes.NewQueryClient(clientCtx)
	res, err := q.MasterKey(cmd.Context(), &registrytypes.QueryMasterKeyRequest{})
	if err != nil {
		return registrytypes.MasterKey{}, fmt.Errorf("the chain has no master key yet (its first gatekeeper publishes it once appointed): %w", err)
	}
	mk := res.MasterKey
	if len(mk.PublicKey) != 32 {
		return mk, fmt.Errorf("the chain has no master key yet (its first gatekeeper publishes it once appointed)")
	}
	gks, err := q.Gatekeepers(cmd.Context(), &registrytypes.QueryGatekeepersRequest{})
	if err != nil {
		return mk, err
	}
	for _, g := range gks.Gatekeepers {
		if bytes.Equal(g.IdentityPubkey, mk.PublishedBy) {
			return mk, nil
		}
	}
	return mk, fmt.Errorf("the master key was published by %x, which is not a registered gatekeeper: refusing to encrypt to it", mk.PublishedBy)
}

// sealCall seals msg with the sender's reply key to recipient, in the
// context (init or command) of the contract, under a fresh nonce.
func sealCall(clientCtx client.Context, contract sdk.AccAddress, recipient, msg []byte,
	context func(chainID string, contract, sender, nonce []byte) []byte,
) (nonce, sealed []byte, err error) {
	nonce = make([]byte, types.NonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, nil, err
	}
	reply, err := replyKey(clientCtx, contract)
	if err != nil {
		return nil, nil, err
	}
	plain, err := (&enclaveapi.SealedCall{Msg: msg, ReplyKey: reply.PublicKey().Bytes()}).Marshal()
	if err != nil {
		return nil, nil, err
	}
	sealed, err = envelope.Seal(recipient, plain, context(clientCtx.ChainID, contract, clientCtx.GetFromAddress(), nonce))
	return nonce, sealed, err
}

// replyKey derives the --from account's reply key for a contract from its
// signature (envelope.ReplyKey).
func replyKey(clientCtx client.Context, contract sdk.AccAddress) (*ecdh.PrivateKey, error) {
	sig, _, err := clientCtx.Keyring.Sign(clientCtx.FromName, envelope.ReplyKeyMessage(clientCtx.ChainID, contract), signingtypes.SignMode_SIGN_MODE_DIRECT)
	if err != nil {
		return nil, fmt.Errorf("deriving the reply key with %s: %w", clientCtx.FromName, err)
	}
	return envelope.ReplyKey(sig)
}
