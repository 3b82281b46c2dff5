package cli

import (
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"

	"github.com/phala-cosmos/phala-cosmos/enclave/attestation"
	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// Flags of the worker commands.
const (
	flagIdentityPubkey = "identity-pubkey"
	flagECDHPubkey     = "ecdh-pubkey"
	flagEndpoint       = "endpoint"
	flagCollateral     = "collateral"
)

// RegisterWorkerCmd is `tx registry register-worker EVIDENCE_FILE`.
func RegisterWorkerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "register-worker <evidence-file> --identity-pubkey HEX --ecdh-pubkey HEX --endpoint URL [--collateral FILE]",
		Short: "Register a TEE worker with its attestation (SGX quote, or simulated report where allowed)",
		Long: `Registers a TEE worker operated by the --from account. The evidence file holds the
enclave's SGX DCAP quote (binary or hex) or, on chains whose policy allows simulation, its
INSECURE simulated report. Its report data must be what 'query registry report-data' returns
for the operator and the two keys: SHA-256 over a domain tag, the chain-id, the genesis hash,
both keys and the operator, so it cannot be replayed on another chain or by another operator.

For an SGX quote, --collateral gives Intel's collateral in one JSON file (the layout of
docs/attestation.md); without it the chain uses the collateral stored for the quote's FMSPC
(see submit-collateral). The chain verifies everything at block time and refuses the
registration, naming the failed step, if anything does not hold.`,
		Example: `  phalad tx registry register-worker quote.bin --identity-pubkey <hex> --ecdh-pubkey <hex> \
      --endpoint https://worker.example:8000 --collateral collateral.json --from operator`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, in, err := readAttestationArgs(cmd, args[0])
			if err != nil {
				return err
			}
			ecdh, err := hexFlag(cmd, flagECDHPubkey)
			if err != nil {
				return err
			}
			endpoint, _ := cmd.Flags().GetString(flagEndpoint)
			msg := &types.MsgRegisterWorker{
				Operator: clientCtx.GetFromAddress().String(), IdentityPubkey: in.identity, EcdhPubkey: ecdh,
				Evidence: in.evidence, Collateral: in.collateral, Endpoint: endpoint,
			}
			if err := msg.ValidateBasic(); err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	cmd.Flags().String(flagIdentityPubkey, "", "the enclave's Ed25519 identity key, hex (32 bytes)")
	cmd.Flags().String(flagECDHPubkey, "", "the enclave's X25519 key, hex (32 bytes)")
	cmd.Flags().String(flagEndpoint, "", "the worker's public API URL (http or https)")
	cmd.Flags().String(flagCollateral, "", "Intel collateral in one JSON file (default: the collateral stored on chain)")
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

// RenewWorkerCmd is `tx registry renew-worker EVIDENCE_FILE`.
func RenewWorkerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "renew-worker <evidence-file> --identity-pubkey HEX [--collateral FILE]",
		Short: "Refresh your worker's attestation with fresh evidence (after an upgrade or a TCB recovery)",
		Long: `Refreshes a registered worker's attestation. The evidence must bind the worker's registered
keys and operator exactly as at registration (see 'query registry report-data'); the chain
verifies it under the current policy and records the new measurement and TCB status.`,
		Example: `  phalad tx registry renew-worker quote.bin --identity-pubkey <hex> --collateral collateral.json --from operator`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, in, err := readAttestationArgs(cmd, args[0])
			if err != nil {
				return err
			}
			msg := &types.MsgRenewWorker{
				Operator: clientCtx.GetFromAddress().String(), IdentityPubkey: in.identity,
				Evidence: in.evidence, Collateral: in.collateral,
			}
			if err := msg.ValidateBasic(); err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	cmd.Flags().String(flagIdentityPubkey, "", "the worker's Ed25519 identity key, hex (32 bytes)")
	cmd.Flags().String(flagCollateral, "", "Intel collateral in one JSON file (default: the collateral stored on chain)")
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

// attestationArgs are what register-worker and renew-worker read alike.
type attestationArgs struct {
	identity   []byte
	evidence   []byte
	collateral *types.Collateral
}

// readAttestationArgs reads the client context, the evidence file,
// --identity-pubkey and --collateral.
func readAttestationArgs(cmd *cobra.Command, evidencePath string) (client.Context, attestationArgs, error) {
	var in attestationArgs
	clientCtx, err := client.GetClientTxContext(cmd)
	if err != nil {
		return clientCtx, in, err
	}
	if in.evidence, err = readEvidence(evidencePath); err != nil {
		return clientCtx, in, err
	}
	if in.identity, err = hexFlag(cmd, flagIdentityPubkey); err != nil {
		return clientCtx, in, err
	}
	in.collateral, err = collateralFlag(cmd)
	return clientCtx, in, err
}

// collateralFlag reads --collateral, nil when it is not given.
func collateralFlag(cmd *cobra.Command) (*types.Collateral, error) {
	path, _ := cmd.Flags().GetString(flagCollateral)
	if path == "" {
		return nil, nil
	}
	c, err := readCollateral(path)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// SubmitCollateralCmd is `tx registry submit-collateral FILE`.
func SubmitCollateralCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "submit-collateral <collateral-file>",
		Short: "Post Intel SGX collateral for an FMSPC; the chain verifies it against Intel's root",
		Long: `Posts Intel's collateral for one platform family (TCB info, QE identity, their issuer
chains, the root CA and PCK CRLs and the PCK CRL's issuer chain) in the one-file JSON layout of
docs/attestation.md. Anyone may: the chain verifies it against the pinned Intel SGX Root CA at
block time and stores it for its FMSPC unless newer collateral is stored. Registrations from
that platform family may then omit their collateral.`,
		Example: `  phalad tx registry submit-collateral sgx_quote_collateral.json --from alice`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			c, err := readCollateral(args[0])
			if err != nil {
				return err
			}
			msg := &types.MsgSubmitCollateral{Submitter: clientCtx.GetFromAddress().String(), Collateral: c}
			if err := msg.ValidateBasic(); err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

// UpdateEndpointCmd is `tx registry update-endpoint IDENTITY URL`.
func UpdateEndpointCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "update-endpoint <identity-pubkey-hex> <url>",
		Short:   "Change where users reach a worker (its operator only)",
		Example: `  phalad tx registry update-endpoint <hex> https://worker.example:9000 --from operator`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			identity, err := hex.DecodeString(args[0])
			if err != nil {
				return fmt.Errorf("identity key %q is not hex: %w", args[0], err)
			}
			msg := &types.MsgUpdateEndpoint{Operator: clientCtx.GetFromAddress().String(), IdentityPubkey: identity, Endpoint: args[1]}
			if err := msg.ValidateBasic(); err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

// readEvidence reads a quote or simulated report, binary or hex text.
func readEvidence(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	text := strings.TrimPrefix(strings.TrimSpace(string(b)), "0x")
	if decoded, err := hex.DecodeString(text); err == nil && len(decoded) > 0 {
		return decoded, nil
	}
	return b, nil
}

func readCollateral(path string) (types.Collateral, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return types.Collateral{}, fmt.Errorf("collateral: %w", err)
	}
	c, err := attestation.ParseCollateralJSON(b)
	if err != nil {
		return types.Collateral{}, err
	}
	return types.NewCollateral(c), nil
}

func hexFlag(cmd *cobra.Command, name string) ([]byte, error) {
	s, _ := cmd.Flags().GetString(name)
	if s == "" {
		return nil, fmt.Errorf("--%s is required", name)
	}
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		return nil, fmt.Errorf("--%s is not hex: %w", name, err)
	}
	return b, nil
}
