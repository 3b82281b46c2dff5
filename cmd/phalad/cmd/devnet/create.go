package devnet

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	cmttypes "github.com/cometbft/cometbft/types"

	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"
	cryptocodec "github.com/cosmos/cosmos-sdk/crypto/codec"
	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	"github.com/cosmos/cosmos-sdk/version"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	govv1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee/sim"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
	nposcli "github.com/phala-cosmos/phala-cosmos/x/staking-npos/client/cli"
	npostypes "github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

// Funding and bonds of the devnet accounts, in upha (1 PHA = 10^6 upha).
var (
	pha            = math.NewInt(1_000_000)
	userFunds      = pha.MulRaw(1_000_000) // alice, bob, carol
	validatorFunds = pha.MulRaw(2_000_000) // each validator and candidate account
	validatorBond  = pha.MulRaw(1_000_000) // bonded by each validator elected at genesis
	candidateBond  = pha.MulRaw(200_000)   // bonded by each waiting candidate
	nominatorBond  = pha.MulRaw(100_000)   // bonded by alice and bob
)

// Devnet timing: short eras so elections and rewards happen in minutes, and
// a 50-block downtime window, so a stopped validator is jailed after missing
// 26 blocks (a quick restart is not).
const (
	devnetEraLength         = 20 // blocks
	devnetUnbondingEras     = 2
	devnetSlashDefer        = 1
	devnetSignedBlockWindow = 50
	// Worker stake and deregistered workers come back after two minutes.
	devnetWorkerUnbondingTime = 2 * time.Minute
	// Heartbeats: a worker is challenged about every 10 blocks and has 10
	// blocks to answer, so a stopped worker is caught within a minute or so.
	devnetHeartbeatPeriod = 10
	devnetHeartbeatWindow = 10
)

// Devnet worker economics: 1% of the bond burned per missed heartbeat, 100
// PHA shared among the workers each era; devnet workers keep twice the
// minimum bond, so one miss does not take them out of heartbeats.
var (
	devnetSlashFraction = math.LegacyNewDecWithPrec(1, 2)
	devnetWorkerReward  = pha.MulRaw(100)
	devnetWorkerBond    = registrytypes.DefaultMinWorkerBond.Amount.MulRaw(2)
)

// DevAccounts are the prefunded user accounts of every devnet.
var DevAccounts = []string{"alice", "bob", "carol"}

// Account is an entry of accounts.json.
type Account struct {
	Name     string `json:"name"`
	Address  string `json:"address"`
	Mnemonic string `json:"mnemonic"`
}

// creator writes a new devnet into a directory. The first validators nodes
// are elected at genesis; the others are waiting candidates.
type creator struct {
	layout     Layout
	validators int
	chainID    string
	cdc        codec.Codec
	basics     module.BasicManager
}

// create writes the whole devnet into l.Home, which must not exist: it is
// built in a scratch directory beside it and renamed into place at the end,
// so an interrupted run leaves nothing under l.Home.
func (c creator) create() error {
	final := c.layout.Home
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return err
	}
	scratch, err := os.MkdirTemp(filepath.Dir(final), filepath.Base(final)+".creating-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch) // no-op after the rename
	c.layout.Home = scratch
	if err := c.writeAll(); err != nil {
		return err
	}
	return os.Rename(scratch, final)
}

func (c creator) writeAll() error {
	l := c.layout
	kr, err := keyring.New(appconfig.Name, keyring.BackendTest, l.Home, nil, c.cdc)
	if err != nil {
		return err
	}
	var accounts []Account
	newAccount := func(name string) (sdk.AccAddress, error) {
		record, mnemonic, err := kr.NewMnemonic(name, keyring.English, sdk.FullFundraiserPath, keyring.DefaultBIP39Passphrase, hd.Secp256k1)
		if err != nil {
			return nil, err
		}
		addr, err := record.GetAddress()
		if err != nil {
			return nil, err
		}
		accounts = append(accounts, Account{Name: name, Address: addr.String(), Mnemonic: mnemonic})
		return addr, nil
	}

	appState := c.basics.DefaultGenesis(c.cdc)
	var genAccounts []authtypes.GenesisAccount
	var balances []banktypes.Balance
	fund := func(addr sdk.AccAddress, amount math.Int) {
		genAccounts = append(genAccounts, authtypes.NewBaseAccount(addr, nil, uint64(len(genAccounts)), 0))
		balances = append(balances, banktypes.Balance{Address: addr.String(), Coins: sdk.NewCoins(sdk.NewCoin(appconfig.BondDenom, amount))})
	}
	for _, name := range DevAccounts {
		addr, err := newAccount(name)
		if err != nil {
			return err
		}
		fund(addr, userFunds)
	}
	// Each devnet worker's operator, funded for its bond.
	for _, comp := range l.Companions() {
		addr, err := newAccount(comp.Name)
		if err != nil {
			return err
		}
		fund(addr, userFunds)
	}

	var validators []nposcli.GenesisValidator
	nodeIDs := make([]string, l.Nodes)
	for i := 0; i < l.Nodes; i++ {
		nodeID, pubKey, err := c.writeNodeKeys(i)
		if err != nil {
			return err
		}
		nodeIDs[i] = nodeID
		name, bond := fmt.Sprintf("validator%d", i), validatorBond
		if i >= c.validators {
			name, bond = fmt.Sprintf("candidate%d", i), candidateBond
		}
		operator, err := newAccount(name)
		if err != nil {
			return err
		}
		fund(operator, validatorFunds)
		validators = append(validators, nposcli.GenesisValidator{
			Operator:    operator,
			ConsPubKey:  pubKey,
			Bond:        sdk.NewCoin(appconfig.BondDenom, bond),
			Description: npostypes.Description{Moniker: l.NodeName(i)},
			Commission:  nposcli.DefaultCommission,
		})
	}

	if err := c.setAccounts(appState, genAccounts, balances); err != nil {
		return err
	}
	if err := c.setDevnetParams(appState); err != nil {
		return err
	}
	for _, v := range validators {
		if err := nposcli.AddGenesisValidator(c.cdc, appState, v); err != nil {
			return err
		}
	}
	// alice and bob nominate the genesis validators, half each.
	for k, name := range []string{"alice", "bob"} {
		var targets []string
		for i := k; i < c.validators; i += 2 {
			targets = append(targets, sdk.ValAddress(validators[i].Operator).String())
		}
		if len(targets) == 0 {
			continue
		}
		addr, err := sdk.AccAddressFromBech32(accounts[k].Address)
		if err != nil {
			return err
		}
		if accounts[k].Name != name {
			return fmt.Errorf("account %d is %s, not %s", k, accounts[k].Name, name)
		}
		if err := nposcli.AddGenesisNominator(c.cdc, appState, addr, sdk.NewCoin(appconfig.BondDenom, nominatorBond), targets); err != nil {
			return err
		}
	}
	if err := c.basics.ValidateGenesis(c.cdc, nil, appState); err != nil {
		return fmt.Errorf("the devnet genesis is invalid: %w", err)
	}
	appStateJSON, err := json.MarshalIndent(appState, "", "  ")
	if err != nil {
		return err
	}
	genesis := &genutiltypes.AppGenesis{
		AppName:       appconfig.Name,
		AppVersion:    version.Version,
		GenesisTime:   time.Now().UTC().Round(time.Second),
		ChainID:       c.chainID,
		InitialHeight: 1,
		AppState:      appStateJSON,
		Consensus:     &genutiltypes.ConsensusGenesis{Params: cmttypes.DefaultConsensusParams()},
	}
	for i := 0; i < l.Nodes; i++ {
		if err := genesis.SaveAs(filepath.Join(l.NodeHome(i), "config", "genesis.json")); err != nil {
			return err
		}
		if err := c.writeNodeConfig(i, nodeIDs); err != nil {
			return err
		}
	}
	if err := writeClientConfig(filepath.Join(l.Home, "config", "client.toml"), c.chainID, l.RPCAddr(0)); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(l.Home, "accounts.json"), accounts, 0o600); err != nil {
		return err
	}
	return writeJSON(filepath.Join(l.Home, manifestFile), Manifest{
		ChainID:     c.chainID,
		Validators:  c.validators,
		Candidates:  l.Nodes - c.validators,
		PortBase:    l.PortBase,
		Gatekeepers: l.Gatekeepers,
		Workers:     l.Workers,
		CreatedAt:   time.Now().UTC().Format(time.RFC3339),
		Version:     version.Version,
	}, 0o644)
}

// writeNodeKeys creates node i's P2P key and consensus key.
func (c creator) writeNodeKeys(i int) (string, cryptotypes.PubKey, error) {
	cfg := cmtcfg.DefaultConfig()
	cfg.SetRoot(c.layout.NodeHome(i))
	for _, dir := range []string{"config", "data"} {
		if err := os.MkdirAll(filepath.Join(cfg.RootDir, dir), 0o700); err != nil {
			return "", nil, err
		}
	}
	nodeKey, err := p2p.LoadOrGenNodeKey(cfg.NodeKeyFile())
	if err != nil {
		return "", nil, err
	}
	pv := privval.LoadOrGenFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile())
	pubKey, err := cryptocodec.FromCmtPubKeyInterface(pv.Key.PubKey)
	if err != nil {
		return "", nil, err
	}
	return string(nodeKey.ID()), pubKey, nil
}

// writeNodeConfig writes node i's config.toml, app.toml and client.toml.
func (c creator) writeNodeConfig(i int, nodeIDs []string) error {
	l := c.layout
	cfg := cmtcfg.DefaultConfig()
	cfg.SetRoot(l.NodeHome(i))
	cfg.Moniker = l.NodeName(i)
	cfg.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", l.P2PPort(i))
	var peers []string
	for j, id := range nodeIDs {
		if j != i {
			peers = append(peers, fmt.Sprintf("%s@127.0.0.1:%d", id, l.P2PPort(j)))
		}
	}
	cfg.P2P.PersistentPeers = strings.Join(peers, ",")
	cfg.P2P.AddrBookStrict = false
	cfg.P2P.AllowDuplicateIP = true
	cfg.P2P.PexReactor = false
	cfg.RPC.ListenAddress = l.RPCAddr(i)
	cfg.RPC.CORSAllowedOrigins = []string{"*"}
	cfg.RPC.PprofListenAddress = ""
	cfg.ProxyApp = "" // the app runs in-process
	cfg.Instrumentation.Prometheus = false
	cfg.Mempool.MaxTxBytes = appconfig.MaxTxBytes
	cfg.RPC.MaxBodyBytes = appconfig.MaxRPCBodyBytes
	cfg.Consensus.TimeoutCommit = time.Second
	// A stopped validator's turns to propose should not stall the devnet.
	cfg.Consensus.TimeoutPropose = time.Second
	cfg.Consensus.TimeoutProposeDelta = 200 * time.Millisecond
	cfg.Consensus.TimeoutPrevote = 500 * time.Millisecond
	cfg.Consensus.TimeoutPrecommit = 500 * time.Millisecond
	cmtcfg.WriteConfigFile(filepath.Join(cfg.RootDir, "config", "config.toml"), cfg)

	appCfg := serverconfig.DefaultConfig()
	appCfg.MinGasPrices = "0" + appconfig.BondDenom
	appCfg.API.Enable = true
	appCfg.API.Address = fmt.Sprintf("tcp://127.0.0.1:%d", l.RESTPort(i))
	appCfg.API.EnableUnsafeCORS = true
	appCfg.GRPC.Enable = true
	appCfg.GRPC.Address = fmt.Sprintf("127.0.0.1:%d", l.GRPCPort(i))
	serverconfig.WriteConfigFile(filepath.Join(cfg.RootDir, "config", "app.toml"), appCfg)
	return writeClientConfig(filepath.Join(cfg.RootDir, "config", "client.toml"), c.chainID, l.RPCAddr(i))
}

// setAccounts adds the funded accounts to the auth and bank genesis.
func (c creator) setAccounts(appState map[string]json.RawMessage, accounts []authtypes.GenesisAccount, balances []banktypes.Balance) error {
	authGen := authtypes.GetGenesisStateFromAppState(c.cdc, appState)
	packed, err := authtypes.PackAccounts(accounts)
	if err != nil {
		return err
	}
	authGen.Accounts = append(authGen.Accounts, packed...)
	bankGen := banktypes.GetGenesisStateFromAppState(c.cdc, appState)
	bankGen.Balances = append(bankGen.Balances, balances...)
	return setModuleGenesis(c.cdc, appState, map[string]codec.ProtoMarshaler{
		authtypes.ModuleName: &authGen,
		banktypes.ModuleName: bankGen,
	})
}

// setDevnetParams tunes governance and eras for quick local runs, elects
// the genesis validators, and lets simulated enclaves register: a devnet has
// no SGX hardware.
func (c creator) setDevnetParams(appState map[string]json.RawMessage) error {
	var stakingGen npostypes.GenesisState
	if err := c.cdc.UnmarshalJSON(appState[npostypes.ModuleName], &stakingGen); err != nil {
		return err
	}
	stakingGen.Params.ValidatorCount = uint32(c.validators)
	stakingGen.Params.EraLength = devnetEraLength
	stakingGen.Params.UnbondingEras = devnetUnbondingEras
	stakingGen.Params.SlashDeferEras = devnetSlashDefer
	stakingGen.Params.ExpectedBlockTime = time.Second

	var govGen govv1.GenesisState
	if err := c.cdc.UnmarshalJSON(appState[govtypes.ModuleName], &govGen); err != nil {
		return err
	}
	votingPeriod, expedited := 60*time.Second, 30*time.Second
	govGen.Params.VotingPeriod = &votingPeriod
	govGen.Params.ExpeditedVotingPeriod = &expedited
	govGen.Params.MinDeposit = sdk.NewCoins(sdk.NewCoin(appconfig.BondDenom, math.NewInt(10_000_000)))
	govGen.Params.ExpeditedMinDeposit = sdk.NewCoins(sdk.NewCoin(appconfig.BondDenom, math.NewInt(50_000_000)))

	var slashingGen slashingtypes.GenesisState
	if err := c.cdc.UnmarshalJSON(appState[slashingtypes.ModuleName], &slashingGen); err != nil {
		return err
	}
	slashingGen.Params.SignedBlocksWindow = devnetSignedBlockWindow

	var registryGen registrytypes.GenesisState
	if err := c.cdc.UnmarshalJSON(appState[registrytypes.ModuleName], &registryGen); err != nil {
		return err
	}
	// No SGX here: workers run the simulated TEE, whose signer the policy allows.
	registryGen.Params.AllowSimulation = true
	registryGen.Params.UnbondingTime = devnetWorkerUnbondingTime
	registryGen.Params.HeartbeatPeriod = devnetHeartbeatPeriod
	registryGen.Params.HeartbeatWindow = devnetHeartbeatWindow
	registryGen.Params.UnresponsiveSlashFraction = devnetSlashFraction
	registryGen.Params.WorkerRewardPerEra = sdk.NewCoin(appconfig.BondDenom, devnetWorkerReward)
	registryGen.Params.AllowedEnclaves = append(registryGen.Params.AllowedEnclaves, registrytypes.EnclaveIdentity{
		MrSigner: hex.EncodeToString(sim.Signer[:]), IsvProdId: sim.DefaultProdID,
	})
	return setModuleGenesis(c.cdc, appState, map[string]codec.ProtoMarshaler{
		govtypes.ModuleName:      &govGen,
		registrytypes.ModuleName: &registryGen,
		npostypes.ModuleName:     &stakingGen,
		slashingtypes.ModuleName: &slashingGen,
	})
}

func setModuleGenesis(cdc codec.Codec, appState map[string]json.RawMessage, states map[string]codec.ProtoMarshaler) error {
	for name, st := range states {
		bz, err := cdc.MarshalJSON(st)
		if err != nil {
			return fmt.Errorf("encoding %s genesis: %w", name, err)
		}
		appState[name] = bz
	}
	return nil
}

// writeClientConfig writes a client.toml pointing the CLI at a devnet node
// with the test keyring.
func writeClientConfig(path, chainID, node string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	content := fmt.Sprintf(`# phalad client configuration written by phalad devnet.
chain-id = %q
keyring-backend = "test"
keyring-default-keyname = ""
output = "text"
node = %q
broadcast-mode = "sync"
`, chainID, node)
	return os.WriteFile(path, []byte(content), 0o644)
}

func writeJSON(path string, v any, mode os.FileMode) error {
	bz, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(bz, '\n'), mode)
}
