package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	sdk "github.com/cosmos/cosmos-sdk/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/query"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

const flagTimeout = "timeout"

// QueryAnswer is what `q confidential query` prints.
type QueryAnswer struct {
	// Worker is the identity key of the worker that answered.
	Worker string `json:"worker"`
	// CallsApplied is how many of the contract's calls the answer's state
	// reflects.
	CallsApplied uint64          `json:"calls_applied"`
	FuelUsed     uint64          `json:"fuel_used"`
	Output       json.RawMessage `json:"output"`
}

// ContractQueryCmd is `q confidential query CONTRACT JSON`.
func ContractQueryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "query <contract-address> <json-query>",
		Short: "Ask a contract a question, end-to-end encrypted to one of its workers",
		Long: `Sends the contract's query entry point a JSON query, straight to a worker the contract is
scheduled on (its workers are on chain), nothing through the chain. The query is sealed to
the X25519 key the worker's attestation bound at registration, with a fresh reply key; only
that enclave can read it and only this command can read the answer, which is bound to this
exact request. A worker that is unreachable, has not caught up or whose answer does not open
is skipped for the next one. Queries are read-only and free; they run on the state of the
last call the worker ran.`,
		Example: `  phalad q confidential query phala1... '{"get_count":{}}'`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientQueryContext(cmd)
			if err != nil {
				return err
			}
			contract, err := contractAndMessage(args, "query")
			if err != nil {
				return err
			}
			res, err := types.NewQueryClient(clientCtx).Contract(cmd.Context(), &types.QueryContractRequest{Address: contract.String()})
			if err != nil {
				return fmt.Errorf("contract %s: %w", contract, err)
			}
			if len(res.Contract.Workers) == 0 {
				return fmt.Errorf("contract %s is scheduled on no worker", contract)
			}
			chainID, err := ChainID(cmd, clientCtx)
			if err != nil {
				return err
			}
			timeout, _ := cmd.Flags().GetDuration(flagTimeout)
			httpClient := &http.Client{Timeout: timeout}
			var failures []error
			for _, id := range res.Contract.Workers {
				answer, err := askWorker(cmd, clientCtx, httpClient, chainID, id, &enclaveapi.ContractQuery{Contract: contract, Msg: []byte(args[1])})
				if err == nil {
					bz, err := json.MarshalIndent(answer, "", "  ")
					if err != nil {
						return err
					}
					return clientCtx.PrintRaw(bz)
				}
				var refused *queryRefused
				if errors.As(err, &refused) {
					return err // the contract's own answer: the same on every worker
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "worker %x: %v; trying the next\n", id, err)
				failures = append(failures, fmt.Errorf("worker %x: %w", id, err))
			}
			return fmt.Errorf("none of contract %s's %d workers answered: %w", contract, len(res.Contract.Workers), errors.Join(failures...))
		},
	}
	cmd.Flags().Duration(flagTimeout, 15*time.Second, "how long to wait for each worker")
	flags.AddQueryFlagsToCmd(cmd)
	return cmd
}

// queryRefused is a contract's refusal of a query (its error), as opposed
// to a worker failing to answer.
type queryRefused struct{ reason string }

func (e *queryRefused) Error() string { return "the contract refused the query: " + e.reason }

// askWorker sends one worker the sealed query and opens its answer.
func askWorker(cmd *cobra.Command, clientCtx client.Context, httpClient *http.Client, chainID string, id []byte, q *enclaveapi.ContractQuery) (*QueryAnswer, error) {
	w, err := registrytypes.NewQueryClient(clientCtx).Worker(cmd.Context(), &registrytypes.QueryWorkerRequest{IdentityPubkey: fmt.Sprintf("%x", id)})
	if err != nil {
		return nil, err
	}
	if w.Worker.Endpoint == "" {
		return nil, errors.New("it registered no public endpoint")
	}
	req, err := query.NewRequest(chainID, w.Worker.IdentityPubkey, w.Worker.EcdhPubkey, &enclaveapi.QueryRequest{Query: &enclaveapi.QueryRequest_Contract{Contract: q}})
	if err != nil {
		return nil, err
	}
	sealed, err := query.Post(cmd.Context(), httpClient, w.Worker.Endpoint, req.Bytes())
	if err != nil {
		return nil, err
	}
	resp, err := req.Open(sealed)
	if err != nil {
		return nil, fmt.Errorf("its answer does not open with this query's reply key (tampered, or not from the attested enclave): %w", err)
	}
	if msg := resp.GetError(); msg != "" {
		return nil, errors.New(msg)
	}
	r := resp.GetContract()
	if r == nil {
		return nil, errors.New("it answered something other than a contract query")
	}
	if r.Error != "" {
		return nil, &queryRefused{r.Error}
	}
	out := &QueryAnswer{Worker: fmt.Sprintf("%x", id), CallsApplied: r.CallsApplied, FuelUsed: r.FuelUsed, Output: r.Output}
	if !json.Valid(r.Output) {
		out.Output, _ = json.Marshal(string(r.Output))
	}
	return out, nil
}

// ChainID is the client's chain-id, or the node's when none is set.
func ChainID(cmd *cobra.Command, clientCtx client.Context) (string, error) {
	if clientCtx.ChainID != "" {
		return clientCtx.ChainID, nil
	}
	node, err := clientCtx.GetNode()
	if err != nil {
		return "", err
	}
	st, err := node.Status(cmd.Context())
	if err != nil {
		return "", err
	}
	return st.NodeInfo.Network, nil
}

// contractAndMessage checks the arguments <contract-address> <json>; what
// names the JSON in errors.
func contractAndMessage(args []string, what string) (sdk.AccAddress, error) {
	contract, err := sdk.AccAddressFromBech32(args[0])
	if err != nil {
		return nil, fmt.Errorf("contract address %q: %w", args[0], err)
	}
	if !json.Valid([]byte(args[1])) {
		return nil, fmt.Errorf("the %s is not valid JSON: %s", what, args[1])
	}
	return contract, nil
}
