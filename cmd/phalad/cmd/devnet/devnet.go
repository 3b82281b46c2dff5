// Package devnet implements `phalad devnet`: a local network of validators
// on loopback, created on first run and resumed on later runs.
package devnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/types/module"
)

// Defaults of the devnet flags (scripts/devnet.sh maps DEVNET_* onto them).
const (
	DefaultHome       = ".devnet"
	DefaultValidators = 4
	DefaultCandidates = 2
	DefaultPortBase   = 26600
	DefaultChainID    = "phala-devnet-1"
	// One gatekeeper and two workers, all simulated enclaves.
	DefaultGatekeepers = 1
	DefaultWorkers     = 2
)

// Flag names.
const (
	flagDir         = "dir"
	flagValidators  = "validators"
	flagCandidates  = "candidates"
	flagPortBase    = "port-base"
	flagChainID     = "chain-id"
	flagGatekeepers = "gatekeepers"
	flagWorkers     = "workers"
	flagReset       = "reset"
	flagInitOnly    = "init-only"
	flagTimeout     = "start-timeout"
)

// Cmd returns `phalad devnet`.
func Cmd(cdc codec.Codec, basics module.BasicManager) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "devnet",
		Short: "Run a local network of validators on loopback (create it on first run, resume it after)",
		Long: `Runs a local phala network on 127.0.0.1, one phalad process per node, with data
under --dir: --validators nodes elected at genesis and --candidates waiting
candidates (bonded, intending to validate, not elected until nominations move
them up). alice and bob nominate the validators; carol is unbonded. Eras last
20 blocks. The first run creates the network (keys, genesis, configs) with
prefunded accounts alice, bob and carol in a test keyring; later runs resume
the same chain. It waits for blocks, prints the endpoints, then shows a status
line until Ctrl-C, which stops every node it started.

Workers: it also runs --gatekeepers plus --workers simulated workers (INSECURE
sim enclaves, which the devnet's policy admits): each a phala-enclave and its
phala-worker sidecar (found beside phalad, or at $PHALA_ENCLAVE and
$PHALA_WORKER), operated by the devnet account of the same name, with state
and logs under <dir>/workers/<name>. Sidecars register their enclaves and
bond 2,000 PHA; the devnet proposes each gatekeeper to governance and votes
yes with every validator, so about a minute after the first start the first
gatekeeper generates and publishes the master key, and later ones receive it.
Workers answer heartbeat challenges (about one per 10 blocks each). A worker
stopped for long is marked unresponsive and slashed; each worker directory
holds run-enclave.sh and run-worker.sh to restart it by hand.

Ports: node i uses port-base + 10*i + {0: P2P, 1: RPC, 2: gRPC, 3: REST};
worker i uses port-base + 10*i + {4: sidecar metrics, 5: registered endpoint}.

Use the network with:  phalad --home <dir> <command>
(the devnet's client.toml sets the chain-id, node0's RPC and the test keyring).`,
		Example: `  phalad devnet                      # 4 validators under ./.devnet, ports from 26600
  phalad devnet --validators 1 --dir /tmp/dn --port-base 31000
  phalad devnet --reset              # delete the devnet and start a fresh chain`,
		Args: cobra.NoArgs,
		// Skip the root command's config handling: the devnet writes its own.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(cmd.OutOrStdout())
			cmd.SetErr(cmd.ErrOrStderr())
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return run(cmd, cdc, basics)
		},
	}
	cmd.Flags().String(flagDir, DefaultHome, "directory holding the devnet's data")
	cmd.Flags().Int(flagValidators, DefaultValidators, "number of validators elected at genesis (used when the devnet is created)")
	cmd.Flags().Int(flagCandidates, DefaultCandidates, "number of waiting validator candidates (used when the devnet is created)")
	cmd.Flags().Int(flagPortBase, DefaultPortBase, "first port of the port map (used when the devnet is created)")
	cmd.Flags().String(flagChainID, DefaultChainID, "chain-id (used when the devnet is created)")
	cmd.Flags().Int(flagGatekeepers, DefaultGatekeepers, "number of simulated gatekeeper workers (used when the devnet is created)")
	cmd.Flags().Int(flagWorkers, DefaultWorkers, "number of simulated workers besides the gatekeepers (used when the devnet is created)")
	cmd.Flags().Bool(flagReset, false, "delete the existing devnet under --dir and create a new chain")
	cmd.Flags().Bool(flagInitOnly, false, "create (or check) the devnet files, then exit without starting nodes")
	cmd.Flags().Duration(flagTimeout, 2*time.Minute, "how long to wait for the first blocks")
	return cmd
}

func run(cmd *cobra.Command, cdc codec.Codec, basics module.BasicManager) error {
	out := cmd.OutOrStdout()
	dir, _ := cmd.Flags().GetString(flagDir)
	home, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	layout, chainID, err := prepare(cmd, home, cdc, basics)
	if err != nil {
		return err
	}
	if initOnly, _ := cmd.Flags().GetBool(flagInitOnly); initOnly {
		return nil
	}
	if err := checkNotRunning(layout); err != nil {
		return err
	}
	if err := layout.CheckPortsFree(); err != nil {
		return err
	}
	binary, err := os.Executable()
	if err != nil {
		return err
	}

	manifest, err := readManifest(home)
	if err != nil {
		return err
	}
	accounts, err := readAccounts(home)
	if err != nil {
		return err
	}
	if len(layout.Companions()) > 0 {
		if _, _, err := companionBinaries(binary); err != nil {
			return err
		}
	}

	ctx, stopSignals := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	sup := &supervisor{layout: layout, chainID: chainID, binary: binary, out: out, validators: manifest.Validators, accounts: accounts}
	fmt.Fprintf(out, "starting %d nodes (logs: %s/node*/phalad.log)\n", layout.Nodes, home)
	if err := sup.startNodes(); err != nil {
		return err
	}
	timeout, _ := cmd.Flags().GetDuration(flagTimeout)
	if err := sup.waitForBlocks(ctx, 2, timeout); err != nil {
		sup.stop()
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(out, "interrupted; all nodes stopped")
			return nil
		}
		return err
	}
	if n := len(layout.Companions()); n > 0 {
		fmt.Fprintf(out, "starting %d simulated workers (logs: %s/workers/*/{enclave,worker}.log)\n", n, home)
		if err := sup.startCompanions(ctx); err != nil {
			sup.stop()
			if errors.Is(err, context.Canceled) {
				fmt.Fprintln(out, "interrupted; everything stopped")
				return nil
			}
			return err
		}
		go sup.appointGatekeepers(ctx)
	}
	printEndpoints(out, layout, chainID)
	sup.watch(ctx, isTerminal(out))
	fmt.Fprintln(out, "stopping the devnet...")
	sup.stop()
	fmt.Fprintln(out, "all nodes stopped; run again to resume the chain, or with DEVNET_RESET=1 to start fresh")
	return nil
}

// prepare creates the devnet under home or checks the one there, honouring --reset.
func prepare(cmd *cobra.Command, home string, cdc codec.Codec, basics module.BasicManager) (Layout, string, error) {
	out := cmd.OutOrStdout()
	validators, _ := cmd.Flags().GetInt(flagValidators)
	candidates, _ := cmd.Flags().GetInt(flagCandidates)
	portBase, _ := cmd.Flags().GetInt(flagPortBase)
	chainID, _ := cmd.Flags().GetString(flagChainID)
	gatekeepers, _ := cmd.Flags().GetInt(flagGatekeepers)
	workers, _ := cmd.Flags().GetInt(flagWorkers)
	reset, _ := cmd.Flags().GetBool(flagReset)

	removeStaleScratch(home)
	manifest, err := readManifest(home)
	switch {
	case err == nil && reset:
		if err := checkNotRunning(Layout{Home: home, Nodes: manifest.Validators + manifest.Candidates,
			Gatekeepers: manifest.Gatekeepers, Workers: manifest.Workers}); err != nil {
			return Layout{}, "", err
		}
		fmt.Fprintf(out, "deleting the devnet at %s\n", home)
		if err := os.RemoveAll(home); err != nil {
			return Layout{}, "", err
		}
	case err == nil:
		layout := Layout{Home: home, Nodes: manifest.Validators + manifest.Candidates, PortBase: manifest.PortBase,
			Gatekeepers: manifest.Gatekeepers, Workers: manifest.Workers}
		for flag, differs := range map[string]bool{
			flagValidators:  cmd.Flags().Changed(flagValidators) && validators != manifest.Validators,
			flagCandidates:  cmd.Flags().Changed(flagCandidates) && candidates != manifest.Candidates,
			flagPortBase:    cmd.Flags().Changed(flagPortBase) && portBase != manifest.PortBase,
			flagChainID:     cmd.Flags().Changed(flagChainID) && chainID != manifest.ChainID,
			flagGatekeepers: cmd.Flags().Changed(flagGatekeepers) && gatekeepers != manifest.Gatekeepers,
			flagWorkers:     cmd.Flags().Changed(flagWorkers) && workers != manifest.Workers,
		} {
			if differs {
				return Layout{}, "", fmt.Errorf("the devnet at %s was created with other settings (%d validators, %d candidates, %d gatekeepers, %d workers, port base %d, chain-id %s) than --%s asks; start fresh with DEVNET_RESET=1 (--reset) or drop the setting",
					home, manifest.Validators, manifest.Candidates, manifest.Gatekeepers, manifest.Workers, manifest.PortBase, manifest.ChainID, flag)
			}
		}
		fmt.Fprintf(out, "resuming the devnet at %s (chain-id %s, %d validators, %d candidates, %d gatekeepers, %d workers)\n",
			home, manifest.ChainID, manifest.Validators, manifest.Candidates, manifest.Gatekeepers, manifest.Workers)
		return layout, manifest.ChainID, nil
	case errors.Is(err, os.ErrNotExist):
		if _, statErr := os.Stat(home); statErr == nil && !isEmptyDir(home) {
			return Layout{}, "", fmt.Errorf("%s exists but holds no devnet (%s missing): %w; remove it or choose another DEVNET_HOME", home, manifestFile, errNotADevnet)
		}
		_ = os.Remove(home) // an empty directory is replaced by the new devnet
	default:
		if !reset {
			return Layout{}, "", err
		}
		return Layout{}, "", fmt.Errorf("%w; refusing to delete %s automatically: remove it by hand", err, home)
	}

	if validators < 1 || candidates < 0 {
		return Layout{}, "", fmt.Errorf("a devnet needs at least 1 validator and no negative number of candidates (got %d and %d)", validators, candidates)
	}
	layout := Layout{Home: home, Nodes: validators + candidates, PortBase: portBase, Gatekeepers: gatekeepers, Workers: workers}
	if err := layout.Validate(); err != nil {
		return Layout{}, "", err
	}
	fmt.Fprintf(out, "creating a devnet at %s: chain-id %s, %d validators and %d waiting candidates, %d gatekeepers and %d workers (simulated), ports from %d\n",
		home, chainID, validators, candidates, gatekeepers, workers, portBase)
	c := creator{layout: layout, validators: validators, chainID: chainID, cdc: cdc, basics: basics}
	if err := c.create(); err != nil {
		return Layout{}, "", fmt.Errorf("creating the devnet: %w", err)
	}
	return layout, chainID, nil
}

// readAccounts loads accounts.json.
func readAccounts(home string) ([]Account, error) {
	bz, err := os.ReadFile(filepath.Join(home, "accounts.json"))
	if err != nil {
		return nil, err
	}
	var accounts []Account
	if err := json.Unmarshal(bz, &accounts); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(home, "accounts.json"), err)
	}
	return accounts, nil
}

// removeStaleScratch deletes directories left by a creation that was interrupted.
func removeStaleScratch(home string) {
	matches, _ := filepath.Glob(home + ".creating-*")
	for _, m := range matches {
		_ = os.RemoveAll(m)
	}
}

func printEndpoints(out io.Writer, l Layout, chainID string) {
	fmt.Fprintf(out, "\ndevnet ready: chain-id %s, %d nodes, data in %s\n", chainID, l.Nodes, l.Home)
	fmt.Fprintf(out, "  %-6s %-26s %-26s %-20s %s\n", "node", "RPC", "REST", "gRPC", "P2P")
	for i := 0; i < l.Nodes; i++ {
		fmt.Fprintf(out, "  %-6s %-26s %-26s %-20s %d\n", l.NodeName(i), fmt.Sprintf("http://127.0.0.1:%d", l.RPCPort(i)),
			fmt.Sprintf("http://127.0.0.1:%d", l.RESTPort(i)), fmt.Sprintf("127.0.0.1:%d", l.GRPCPort(i)), l.P2PPort(i))
	}
	if comps := l.Companions(); len(comps) > 0 {
		fmt.Fprintf(out, "  %-12s %-34s %s\n", "worker", "metrics", "logs and restart scripts")
		for _, c := range comps {
			role := ""
			if c.Gatekeeper {
				role = " (proposed as gatekeeper once registered)"
			}
			fmt.Fprintf(out, "  %-12s %-34s %s%s\n", c.Name, fmt.Sprintf("http://127.0.0.1:%d/metrics", l.MetricsPort(c)), l.CompanionDir(c), role)
		}
		fmt.Fprintf(out, "workers: phalad --home %s q registry workers; q registry worker-status <identity>\n", l.Home)
	}
	fmt.Fprintf(out, "accounts alice, bob, carol (mnemonics in %s)\n", filepath.Join(l.Home, "accounts.json"))
	fmt.Fprintf(out, "try:  phalad --home %s q bank balances alice\n", l.Home)
	fmt.Fprintf(out, "      phalad --home %s tx bank send alice $(phalad --home %s keys show bob -a) 1000000upha\n", l.Home, l.Home)
	fmt.Fprintln(out, "Ctrl-C stops every node.")
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
