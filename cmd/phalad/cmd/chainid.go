package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
)

// checkChainID refuses to sign a transaction for another chain than the one
// the node serves. The chain itself would only report a signature failure;
// this names both chain-ids. It runs for `tx` subcommands that broadcast,
// and stays silent when the node cannot be reached (the broadcast then
// reports that).
func checkChainID(cmd *cobra.Command, clientCtx client.Context) error {
	if !isBroadcastingTx(cmd) {
		return nil
	}
	// Flags win over client.toml, as when the transaction is built.
	chainID, nodeURI := clientCtx.ChainID, clientCtx.NodeURI
	if f := cmd.Flags().Lookup(flags.FlagChainID); f != nil && f.Changed {
		chainID = f.Value.String()
	}
	if f := cmd.Flags().Lookup(flags.FlagNode); f != nil && f.Changed {
		nodeURI = f.Value.String()
	}
	if chainID == "" || nodeURI == "" {
		return nil
	}
	node, err := client.NewClientFromNode(nodeURI)
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
	defer cancel()
	status, err := node.Status(ctx)
	if err != nil {
		return nil
	}
	if network := status.NodeInfo.Network; network != chainID {
		return fmt.Errorf("wrong chain-id: the transaction would be signed for %q but the node at %s serves chain %q; pass --chain-id %s or point --node at a %s node",
			chainID, nodeURI, network, network, chainID)
	}
	return nil
}

// isBroadcastingTx reports whether cmd is a `tx` subcommand that will
// broadcast (not --offline, --generate-only or --dry-run).
func isBroadcastingTx(cmd *cobra.Command) bool {
	inTx := false
	for c := cmd; c != nil; c = c.Parent() {
		if c.Name() == "tx" && c.Parent() != nil && c.Parent().Parent() == nil {
			inTx = true
		}
	}
	if !inTx {
		return false
	}
	for _, f := range []string{flags.FlagOffline, flags.FlagGenerateOnly, flags.FlagDryRun} {
		if v, err := cmd.Flags().GetBool(f); err == nil && v {
			return false
		}
	}
	return cmd.Flags().Lookup(flags.FlagBroadcastMode) != nil
}
