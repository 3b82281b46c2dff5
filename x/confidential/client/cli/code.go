package cli

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"

	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
)

const flagNoCompress = "no-compress"

// StoreCodeCmd is `tx confidential store-code FILE`.
func StoreCodeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store-code <file.wasm> [--no-compress]",
		Short: "Upload a contract's WebAssembly code (gzip-compressed unless --no-compress)",
		Long: `Uploads a contract module built with 'make contracts' (or GOOS=wasip1 GOARCH=wasm and the
contracts/sdk). The module is checked here first, as the chain will check it: WebAssembly 1.0
that the fuel meter can instrument, exporting _initialize, phala_init, phala_handle,
phala_query and memory, within the chain's max_code_size once decompressed. It is sent
gzip-compressed (a file that already is gzip is sent as it is). The code id is in the
transaction's store_code event and in 'query confidential codes'.`,
		Example: `  phalad tx confidential store-code build/contracts/hello.wasm --from alice --gas auto`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			file, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			noCompress, _ := cmd.Flags().GetBool(flagNoCompress)
			upload, err := prepareUpload(cmd, clientCtx, file, !noCompress)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			msg := &types.MsgStoreCode{Sender: clientCtx.GetFromAddress().String(), WasmByteCode: upload}
			if err := msg.ValidateBasic(); err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	cmd.Flags().Bool(flagNoCompress, false, "send the module uncompressed")
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

// prepareUpload checks a module against the chain's limit (the default one
// when offline) and compresses it if asked.
func prepareUpload(cmd *cobra.Command, clientCtx client.Context, file []byte, compress bool) ([]byte, error) {
	maxSize := types.DefaultParams().MaxCodeSize
	if !clientCtx.Offline {
		res, err := types.NewQueryClient(clientCtx).Params(cmd.Context(), &types.QueryParamsRequest{})
		if err != nil {
			return nil, fmt.Errorf("reading the chain's max_code_size: %w", err)
		}
		maxSize = res.Params.MaxCodeSize
	}
	module, err := types.DecodeUpload(file, maxSize)
	if err != nil {
		return nil, err
	}
	if err := types.ValidateModule(module); err != nil {
		return nil, err
	}
	if !compress || types.IsGzip(file) {
		return file, nil
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(module); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
