package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/election"
	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/election/jsonio"
)

// ExitError asks main to exit with Code after printing Err.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }

func (e *ExitError) Unwrap() error { return e.Err }

// toolsCommand is `phalad tools`: offline tools that need no node, home
// directory or keyring.
func toolsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tools",
		Short: "Offline tools (no node, home directory or keyring needed)",
		// Skip the root command's config handling: nothing is read or written.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return nil },
		RunE:              func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(electCommand(), verifyQuoteCommand())
	return cmd
}

// Flags of `tools elect`.
const (
	flagInput             = "input"
	flagAlgorithm         = "algorithm"
	flagBalanceIterations = "balance-iterations"
	flagBalanceTolerance  = "balance-tolerance"
	flagAccuracy          = "accuracy"
)

func electCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "elect --input FILE",
		Short: "Run an NPoS election (sequential Phragmén or PhragMMS) on a JSON input",
		Long: `Runs an election with the exact integer semantics of Polkadot's sp-npos-elections and
prints the result as JSON.

Input (--input FILE, or - for standard input):
  {"to_elect": 2,
   "candidates": [1, 2, 3],
   "voters": [{"id": 10, "stake": 10, "targets": [1, 2]}, ...]}
Identifiers are JSON strings or integers and are echoed back exactly; stakes are integers
or decimal strings up to 2^64-1. Candidate order and target order break ties.

Output:
  {"winners": [{"id", "backed_stake", "round"}, ...]        (in election order)
   "assignments": [{"voter", "distribution": [{"target", "parts"}]}]
   "score": {"minimal_stake", "sum_stake", "sum_stake_squared"}}
Parts are in units of --accuracy and sum to exactly one whole per voter; big numbers are
decimal strings. Invalid input is reported on stderr with exit code 2.`,
		Example: `  phalad tools elect --input election.json
  phalad tools elect --input - --algorithm phragmms --balance-iterations 10 < election.json`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := runElect(cmd); err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			return nil
		},
	}
	cmd.Flags().String(flagInput, "", "election input JSON file, or - for standard input (required)")
	cmd.Flags().String(flagAlgorithm, "seq-phragmen", "election algorithm: seq-phragmen or phragmms")
	cmd.Flags().Int(flagBalanceIterations, 0, "star balancing iterations after the election (0: no balancing)")
	cmd.Flags().String(flagBalanceTolerance, "0", "stop balancing once no voter's spread exceeds this (integer)")
	cmd.Flags().String(flagAccuracy, "perbill", "unit of assignment parts: perbill, permill, percent, peru16 or perquintill")
	return cmd
}

func runElect(cmd *cobra.Command) error {
	inputPath, _ := cmd.Flags().GetString(flagInput)
	algorithm, _ := cmd.Flags().GetString(flagAlgorithm)
	iterations, _ := cmd.Flags().GetInt(flagBalanceIterations)
	toleranceText, _ := cmd.Flags().GetString(flagBalanceTolerance)
	accuracyName, _ := cmd.Flags().GetString(flagAccuracy)

	elect := election.SeqPhragmen[string]
	switch algorithm {
	case "seq-phragmen":
	case "phragmms":
		elect = election.PhragMMS[string]
	default:
		return fmt.Errorf("--%s %q: use seq-phragmen or phragmms", flagAlgorithm, algorithm)
	}
	acc, err := election.ParseAccuracy(accuracyName)
	if err != nil {
		return fmt.Errorf("--%s: %w", flagAccuracy, err)
	}
	if iterations < 0 {
		return fmt.Errorf("--%s must not be negative", flagBalanceIterations)
	}
	tolerance, err := election.ParseUint128(toleranceText)
	if err != nil {
		return fmt.Errorf("--%s: %w", flagBalanceTolerance, err)
	}
	var balancing *election.BalancingConfig
	if iterations > 0 {
		balancing = &election.BalancingConfig{Iterations: iterations, Tolerance: tolerance}
	}

	var r io.Reader
	switch inputPath {
	case "":
		return fmt.Errorf("--%s is required (a file, or - for standard input)", flagInput)
	case "-":
		r = cmd.InOrStdin()
	default:
		f, err := os.Open(inputPath)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	in, err := jsonio.Decode(r)
	if err != nil {
		return err
	}
	res, err := elect(in.ToElect, in.Candidates, in.Voters, balancing, acc)
	if err != nil {
		return err
	}
	out, err := jsonio.NewOutput(in, res, acc)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
