package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cometbft/cometbft/light/provider"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/cosmos/cosmos-sdk/client"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	gogoproto "github.com/cosmos/gogoproto/proto"

	"github.com/phala-cosmos/phala-cosmos/app/txsigner"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// chain is the node as the sidecar uses it: CometBFT RPC for headers,
// proofs, queries (gRPC over ABCI) and broadcasting.
type chain struct {
	chainID  string
	rpc      *rpchttp.HTTP
	light    provider.Provider
	txConfig client.TxConfig
	key      cryptotypes.PrivKey
	gas      uint64
	fee      sdk.Coins
	fetchers int // light blocks fetched at once (headers.go)
}

func newChain(chainID, node string, txConfig client.TxConfig, key cryptotypes.PrivKey, gas uint64, fee sdk.Coins, fetchers int) (*chain, error) {
	rpc, err := rpchttp.New(node, "/websocket")
	if err != nil {
		return nil, err
	}
	light, err := newLightProvider(chainID, node, fetchers)
	if err != nil {
		return nil, err
	}
	return &chain{chainID: chainID, rpc: rpc, light: light, txConfig: txConfig, key: key, gas: gas, fee: fee, fetchers: fetchers}, nil
}

func (c *chain) operator() sdk.AccAddress { return sdk.AccAddress(c.key.PubKey().Address()) }

// height is the node's latest block height.
func (c *chain) height(ctx context.Context) (int64, error) {
	st, err := c.rpc.Status(ctx)
	if err != nil {
		return 0, err
	}
	if st.NodeInfo.Network != c.chainID {
		return 0, fmt.Errorf("the node serves chain %q, not %q", st.NodeInfo.Network, c.chainID)
	}
	return st.SyncInfo.LatestBlockHeight, nil
}

// lightBlock is the protobuf of the light block at height.
func (c *chain) lightBlock(ctx context.Context, height int64) ([]byte, error) {
	lb, err := c.light.LightBlock(ctx, height)
	if err != nil {
		return nil, err
	}
	pb, err := lb.ToProto()
	if err != nil {
		return nil, err
	}
	return pb.Marshal()
}

// proven reads a key of the registry store at height, with its proof.
func (c *chain) proven(ctx context.Context, key []byte, height int64) ([]byte, *cmtcrypto.ProofOps, error) {
	return c.provenIn(ctx, ingress.StoreKey, key, height)
}

// provenIn reads a key of a module store at height, with its proof.
func (c *chain) provenIn(ctx context.Context, store string, key []byte, height int64) ([]byte, *cmtcrypto.ProofOps, error) {
	res, err := c.rpc.ABCIQueryWithOptions(ctx, "/store/"+store+"/key", key, rpcclient.ABCIQueryOptions{Height: height, Prove: true})
	if err != nil {
		return nil, nil, err
	}
	if res.Response.Code != 0 {
		return nil, nil, fmt.Errorf("query at %d: %s", height, res.Response.Log)
	}
	return res.Response.Value, res.Response.ProofOps, nil
}

// query runs a gRPC query over ABCI on the latest state.
func (c *chain) query(ctx context.Context, method string, req, resp gogoproto.Message) error {
	return c.queryAt(ctx, method, req, resp, 0)
}

// queryAt runs a gRPC query over ABCI on the state at height (0: latest).
func (c *chain) queryAt(ctx context.Context, method string, req, resp gogoproto.Message, height int64) error {
	bz, err := gogoproto.Marshal(req)
	if err != nil {
		return err
	}
	res, err := c.rpc.ABCIQueryWithOptions(ctx, method, bz, rpcclient.ABCIQueryOptions{Height: height})
	if err != nil {
		return err
	}
	if res.Response.Code != 0 {
		return fmt.Errorf("%s: %s", method, res.Response.Log)
	}
	return gogoproto.Unmarshal(res.Response.Value, resp)
}

// worker returns the registered worker with identity, or nil.
func (c *chain) worker(ctx context.Context, identity []byte) (*registrytypes.Worker, error) {
	var res registrytypes.QueryWorkerResponse
	err := c.query(ctx, "/phala.registry.v1.Query/Worker", &registrytypes.QueryWorkerRequest{IdentityPubkey: fmt.Sprintf("%x", identity)}, &res)
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return &res.Worker, nil
}

func isNotFound(err error) bool { return strings.Contains(err.Error(), "no worker with identity key") }

// egressNext is the chain's next egress sequence number for the worker.
func (c *chain) egressNext(ctx context.Context, identity []byte) (uint64, error) {
	res, err := c.rpc.ABCIQuery(ctx, "/store/"+ingress.StoreKey+"/key", append(append([]byte{}, registrytypes.EgressNextKey...), identity...))
	if err != nil {
		return 0, err
	}
	if len(res.Response.Value) == 0 {
		return 1, nil
	}
	if len(res.Response.Value) != 8 {
		return 0, errors.New("malformed egress counter")
	}
	return binary.BigEndian.Uint64(res.Response.Value), nil
}

// send signs msgs with the operator key, broadcasts them and waits for the
// block; it fails unless they succeeded there.
func (c *chain) send(ctx context.Context, msgs ...sdk.Msg) error {
	var info authtypes.QueryAccountInfoResponse
	if err := c.query(ctx, "/cosmos.auth.v1beta1.Query/AccountInfo", &authtypes.QueryAccountInfoRequest{Address: c.operator().String()}, &info); err != nil {
		return fmt.Errorf("operator account %s: %w (fund it first)", c.operator(), err)
	}
	tx, err := txsigner.Sign(c.txConfig, txsigner.Options{ChainID: c.chainID, GasLimit: c.gas, Fee: c.fee},
		txsigner.Account{Key: c.key, AccountNumber: info.Info.AccountNumber, Sequence: info.Info.Sequence}, msgs...)
	if err != nil {
		return err
	}
	res, err := c.rpc.BroadcastTxSync(ctx, tx)
	if err != nil {
		return err
	}
	if res.Code != 0 {
		return fmt.Errorf("refused at check: %s", res.Log)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		r, err := c.rpc.Tx(ctx, res.Hash, false)
		if err == nil {
			if r.TxResult.Code != 0 {
				return fmt.Errorf("failed in block %d: %s", r.Height, r.TxResult.Log)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return fmt.Errorf("transaction %X not included within 30s", res.Hash)
}
