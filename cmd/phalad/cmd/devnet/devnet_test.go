package devnet

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/phala-cosmos/phala-cosmos/app/apptest"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee/sim"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
	npostypes "github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

func TestLayoutPorts(t *testing.T) {
	l := Layout{Home: "/x", Nodes: 4, PortBase: 26600}
	for _, tc := range []struct{ got, want int }{
		{l.P2PPort(0), 26600}, {l.RPCPort(0), 26601}, {l.GRPCPort(0), 26602}, {l.RESTPort(0), 26603},
		{l.P2PPort(3), 26630}, {l.RPCPort(3), 26631},
	} {
		if tc.got != tc.want {
			t.Errorf("port %d, want %d", tc.got, tc.want)
		}
	}
	if l.NodeHome(2) != "/x/node2" || l.RPCAddr(1) != "tcp://127.0.0.1:26611" {
		t.Errorf("paths: %s %s", l.NodeHome(2), l.RPCAddr(1))
	}
	for _, bad := range []Layout{{Nodes: 0, PortBase: 26600}, {Nodes: 51, PortBase: 20000}, {Nodes: 4, PortBase: 80}, {Nodes: 4, PortBase: 65500}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("layout %+v accepted", bad)
		}
	}
}

func TestCheckPortsFreeNamesTheTakenPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().(*net.TCPAddr).Port
	// Place the taken port at node1's RPC.
	l := Layout{Nodes: 2, PortBase: taken - portsPerNode - offsetRPC}
	err = l.CheckPortsFree()
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("port %d (node1 RPC)", taken)) {
		t.Fatalf("err %v, want it to name port %d (node1 RPC)", err, taken)
	}
}

func TestCreateWritesACompleteDevnet(t *testing.T) {
	g := apptest.New(t)
	home := filepath.Join(t.TempDir(), "dn")
	c := creator{layout: Layout{Home: home, Nodes: 3, PortBase: 30000}, validators: 2, chainID: "phala-unit-1", cdc: g.App.AppCodec(), basics: g.App.BasicModuleManager}
	if err := c.create(); err != nil {
		t.Fatal(err)
	}
	m, err := readManifest(home)
	if err != nil || m.ChainID != "phala-unit-1" || m.Validators != 2 || m.Candidates != 1 || m.PortBase != 30000 {
		t.Fatalf("manifest %+v, %v", m, err)
	}
	if scratch, _ := filepath.Glob(home + ".creating-*"); len(scratch) != 0 {
		t.Fatalf("scratch directories left behind: %v", scratch)
	}

	// accounts.json: every mnemonic derives the address listed with it.
	var accounts []Account
	bz, err := os.ReadFile(filepath.Join(home, "accounts.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(bz, &accounts); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, a := range accounts {
		names[a.Name] = true
		kr := keyring.NewInMemory(g.App.AppCodec())
		rec, err := kr.NewAccount(a.Name, a.Mnemonic, keyring.DefaultBIP39Passphrase, sdk.FullFundraiserPath, hd.Secp256k1)
		if err != nil {
			t.Fatal(err)
		}
		if addr, _ := rec.GetAddress(); addr.String() != a.Address {
			t.Fatalf("%s: mnemonic derives %s, accounts.json says %s", a.Name, addr, a.Address)
		}
	}
	for _, want := range []string{"alice", "bob", "carol", "validator0", "validator1", "candidate2"} {
		if !names[want] {
			t.Fatalf("accounts.json lacks %s", want)
		}
	}

	// Every node has the same genesis, and the chain starts from it with the
	// two validators elected and the candidate waiting.
	gen0, err := os.ReadFile(filepath.Join(home, "node0", "config", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	gen1, err := os.ReadFile(filepath.Join(home, "node1", "config", "genesis.json"))
	if err != nil || string(gen0) != string(gen1) {
		t.Fatalf("nodes have different genesis files (%v)", err)
	}
	appGenesis, err := genutiltypes.AppGenesisFromFile(filepath.Join(home, "node0", "config", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	fresh := apptest.New(t)
	if err := json.Unmarshal(appGenesis.AppState, &fresh.State); err != nil {
		t.Fatal(err)
	}
	var registry registrytypes.GenesisState
	fresh.App.AppCodec().MustUnmarshalJSON(fresh.State[registrytypes.ModuleName], &registry)
	if !registry.Params.AllowSimulation || len(registry.Params.AllowedEnclaves) != 1 ||
		registry.Params.AllowedEnclaves[0].MrSigner != hex.EncodeToString(sim.Signer[:]) {
		t.Fatalf("the devnet must allow simulated enclaves by the sim signer: %+v", registry.Params)
	}
	if _, updates := fresh.InitModules(t); len(updates) != 2 {
		t.Fatalf("devnet genesis starts %d validators, want 2", len(updates))
	}
	var staking npostypes.GenesisState
	fresh.App.AppCodec().MustUnmarshalJSON(fresh.State[npostypes.ModuleName], &staking)
	if len(staking.Validators) != 3 || len(staking.Nominators) != 2 || staking.Params.EraLength != devnetEraLength {
		t.Fatalf("devnet staking genesis: %d candidates, %d nominators, era length %d", len(staking.Validators), len(staking.Nominators), staking.Params.EraLength)
	}
	client, err := os.ReadFile(filepath.Join(home, "config", "client.toml"))
	if err != nil || !strings.Contains(string(client), `node = "tcp://127.0.0.1:30001"`) || !strings.Contains(string(client), `keyring-backend = "test"`) {
		t.Fatalf("client.toml: %s, %v", client, err)
	}
}

func TestReadManifestRefusesDamage(t *testing.T) {
	home := t.TempDir()
	if _, err := readManifest(home); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("no manifest: %v", err)
	}
	for _, content := range []string{"{", `{"chain_id":""}`} {
		if err := os.WriteFile(filepath.Join(home, manifestFile), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := readManifest(home); err == nil || !strings.Contains(err.Error(), "DEVNET_RESET=1") {
			t.Fatalf("manifest %q: %v, want advice to reset", content, err)
		}
	}
}
