package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	sdk "github.com/cosmos/cosmos-sdk/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
)

const flagWait = "wait"

// NewQueryCmd returns the module's query command: result, to which autocli
// adds the commands it generates from the Query service.
func NewQueryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:                        types.ModuleName,
		Short:                      "Querying commands for confidential contracts",
		DisableFlagParsing:         true,
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	cmd.AddCommand(ResultCmd(), ContractQueryCmd())
	return cmd
}

// DecryptedResult is what `q confidential result` prints.
type DecryptedResult struct {
	Contract string `json:"contract"`
	Sequence uint64 `json:"sequence"`
	Height   int64  `json:"height"`
	Worker   string `json:"worker"`
	FuelUsed uint64 `json:"fuel_used"`
	FeePaid  string `json:"fee_paid"`
	// Error is the public class of a failure; ErrorDetail its full message,
	// which only the sender can read.
	Error       string `json:"error,omitempty"`
	ErrorDetail string `json:"error_detail,omitempty"`
	// Output is the contract's answer (JSON), decrypted.
	Output       json.RawMessage `json:"output,omitempty"`
	PaymentError string          `json:"payment_error,omitempty"`
}

// ResultCmd is `q confidential result TXHASH`.
func ResultCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "result <tx-hash> --from <sender>",
		Short: "Show and decrypt the result of your instantiate or execute transaction",
		Long: `Finds the call a transaction queued and, once a worker's result is on chain, decrypts its
output locally with your reply key (derived from your key's signature, as when you sent it:
nothing leaves this machine). The output is bound to the exact ciphertext you sent, so a
result for another call, or a tampered one, does not open.

Until the result is applied the call is pending; --wait polls until it is (or the time is up).`,
		Example: `  phalad q confidential result 4F2A...9C --from alice
  phalad q confidential result 4F2A...9C --from alice --wait 30s`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientQueryContext(cmd)
			if err != nil {
				return err
			}
			from, _ := cmd.Flags().GetString(flags.FlagFrom)
			if from == "" {
				return errors.New("--from is required: the result is sealed to the sender's reply key")
			}
			addr, name, _, err := client.GetFromFields(clientCtx, clientCtx.Keyring, from)
			if err != nil {
				return fmt.Errorf("--from %q: %w", from, err)
			}
			clientCtx = clientCtx.WithFrom(from).WithFromAddress(addr).WithFromName(name)
			wait, _ := cmd.Flags().GetDuration(flagWait)
			res, err := awaitResult(cmd, clientCtx, args[0], wait)
			if err != nil {
				return err
			}
			out, err := decryptResult(clientCtx, res)
			if err != nil {
				return err
			}
			bz, err := json.MarshalIndent(out, "", "  ")
			if err != nil {
				return err
			}
			return clientCtx.PrintRaw(bz)
		},
	}
	cmd.Flags().String(flags.FlagFrom, "", "the sender's key name or address (its key derives the reply key)")
	cmd.Flags().Duration(flagWait, 0, "poll until the result is on chain, for at most this long (e.g. 30s)")
	flags.AddQueryFlagsToCmd(cmd)
	return cmd
}

// awaitResult queries the call a transaction queued until its result is
// applied or wait has passed.
func awaitResult(cmd *cobra.Command, clientCtx client.Context, txHash string, wait time.Duration) (*types.QueryCallByTxResponse, error) {
	deadline := time.Now().Add(wait)
	q := types.NewQueryClient(clientCtx)
	for {
		res, err := q.CallByTx(cmd.Context(), &types.QueryCallByTxRequest{TxHash: txHash})
		if err == nil && res.Result != nil {
			return res, nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("call %d of contract %s is pending: no worker's result is on chain yet (retry, or pass --wait 30s)", res.Sequence, res.Contract)
		}
		select {
		case <-cmd.Context().Done():
			return nil, cmd.Context().Err()
		case <-time.After(time.Second):
		}
	}
}

// decryptResult opens a result's output with the sender's reply key.
func decryptResult(clientCtx client.Context, res *types.QueryCallByTxResponse) (*DecryptedResult, error) {
	r := res.Result
	if r.Sender != clientCtx.GetFromAddress().String() {
		return nil, fmt.Errorf("the call was sent by %s, not %s: only its sender can decrypt it (pass --from %s)", r.Sender, clientCtx.GetFromAddress(), r.Sender)
	}
	contract, err := sdk.AccAddressFromBech32(res.Contract)
	if err != nil {
		return nil, err
	}
	out := &DecryptedResult{Contract: res.Contract, Sequence: r.Sequence, Height: r.Height, Worker: fmt.Sprintf("%x", r.Worker),
		FuelUsed: r.FuelUsed, FeePaid: r.FeePaid.String(), Error: r.Error, PaymentError: r.PaymentError}
	if len(r.SealedOutput) == 0 {
		return out, nil // the call did not open in the enclave: no reply key to seal to
	}
	reply, err := replyKey(clientCtx, contract)
	if err != nil {
		return nil, err
	}
	plain, err := envelope.Open(reply, r.SealedOutput, envelope.ResultContext(clientCtx.ChainID, contract, r.Sequence, r.SealedDigest))
	if err != nil {
		return nil, fmt.Errorf("the result of call %d does not open with your reply key: tampered, or not the output of the command you sent (%w)", r.Sequence, err)
	}
	var output enclaveapi.CallOutput
	if err := output.Unmarshal(plain); err != nil {
		return nil, fmt.Errorf("the decrypted result is malformed: %w", err)
	}
	out.ErrorDetail = output.Error
	if len(output.Data) > 0 {
		if json.Valid(output.Data) {
			out.Output = output.Data
		} else {
			quoted, _ := json.Marshal(string(output.Data))
			out.Output = quoted
		}
	}
	return out, nil
}
