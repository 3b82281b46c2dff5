// Command phalad is the phala node and command-line client: it runs a
// validator or full node, manages keys, builds genesis files and devnets,
// and sends transactions and queries to every module.
package main

import (
	"errors"
	"fmt"
	"os"

	svrcmd "github.com/cosmos/cosmos-sdk/server/cmd"

	"github.com/phala-cosmos/phala-cosmos/cmd/phalad/cmd"
)

func main() {
	rootCmd := cmd.NewRootCmd()
	if err := svrcmd.Execute(rootCmd, "PHALAD", cmd.DefaultNodeHome()); err != nil {
		fmt.Fprintln(rootCmd.ErrOrStderr(), "Error:", err)
		var exit *cmd.ExitError
		if errors.As(err, &exit) {
			os.Exit(exit.Code)
		}
		os.Exit(1)
	}
}
