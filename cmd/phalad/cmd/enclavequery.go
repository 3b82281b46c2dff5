package cmd

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/query"
	confidentialcli "github.com/phala-cosmos/phala-cosmos/x/confidential/client/cli"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// flagEndpoint overrides the endpoint a worker registered.
const flagEndpoint = "endpoint"

// enclaveQueryCommand is `phalad query enclave`: an end-to-end encrypted
// query to a worker's enclave through its public endpoint.
func enclaveQueryCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "enclave <identity-pubkey-hex>",
		Short: "Ask a worker's enclave for its state, end-to-end encrypted to its attested key",
		Long: `Looks the worker up on chain (its endpoint and the X25519 key its attestation
bound), seals a status query to that key with a fresh reply key (enclave/query:
bound to this chain-id and the worker's identity), POSTs it to <endpoint>/v1/query
and opens the answer, which only this command can read. It prints what the
enclave reports: synced height, registration, gatekeeper role, master key
generation and public key, performance score.`,
		Example: `  phalad --home .devnet q enclave 2531bcb68e9a5268bb0c843c45e442b03c6503a04a594a2869cbdb1cf5a52aa4`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientQueryContext(cmd)
			if err != nil {
				return err
			}
			if _, err := hex.DecodeString(args[0]); err != nil {
				return fmt.Errorf("identity key %q is not hex: %w", args[0], err)
			}
			res, err := registrytypes.NewQueryClient(clientCtx).Worker(cmd.Context(), &registrytypes.QueryWorkerRequest{IdentityPubkey: args[0]})
			if err != nil {
				return err
			}
			w := res.Worker
			endpoint, _ := cmd.Flags().GetString(flagEndpoint)
			if endpoint == "" {
				endpoint = w.Endpoint
			}
			chainID, err := confidentialcli.ChainID(cmd, clientCtx)
			if err != nil {
				return err
			}
			req, err := query.NewRequest(chainID, w.IdentityPubkey, w.EcdhPubkey,
				&api.QueryRequest{Query: &api.QueryRequest_Status{Status: &api.StatusQuery{}}})
			if err != nil {
				return err
			}
			answer, err := query.Post(cmd.Context(), &http.Client{Timeout: 30 * time.Second}, endpoint, req.Bytes())
			if err != nil {
				return err
			}
			resp, err := req.Open(answer)
			if err != nil {
				return err
			}
			if msg := resp.GetError(); msg != "" {
				return fmt.Errorf("the enclave could not answer: %s", msg)
			}
			return clientCtx.PrintProto(resp.GetStatus())
		},
	}
	flags.AddQueryFlagsToCmd(cmd)
	cmd.Flags().String(flagEndpoint, "", "the enclave's public endpoint (default: the one the worker registered)")
	return cmd
}
