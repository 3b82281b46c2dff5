package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/light/provider"
	lighthttp "github.com/cometbft/cometbft/light/provider/http"
	lightdb "github.com/cometbft/cometbft/light/store/db"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
	"github.com/phala-cosmos/phala-cosmos/enclave/lightclient"
	"github.com/phala-cosmos/phala-cosmos/enclave/stateproof"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// verifyAcrossSetChange runs CometBFT's light client (the verification IBC's
// 07-tendermint clients and the enclave use), trusting the header at
// trusted, up to the header at target, with node0 as primary and node1 as
// witness. It fails unless verification succeeds and the validator set
// changed in between, so a light client followed an NPoS election.
func verifyAcrossSetChange(t *testing.T, d *devnet, trusted, target int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	primary, err := lighthttp.New(chainID, d.rpcURL(0))
	if err != nil {
		t.Fatal(err)
	}
	witness, err := lighthttp.New(chainID, d.rpcURL(1))
	if err != nil {
		t.Fatal(err)
	}
	anchor, err := primary.LightBlock(ctx, trusted)
	if err != nil {
		t.Fatalf("light block %d: %v", trusted, err)
	}
	client, err := light.NewClient(ctx, chainID,
		light.TrustOptions{Period: time.Hour, Height: trusted, Hash: anchor.Hash()},
		primary, []provider.Provider{witness}, lightdb.New(dbm.NewMemDB(), chainID),
		light.SkippingVerification(light.DefaultTrustLevel), light.Logger(log.NewNopLogger()))
	if err != nil {
		t.Fatalf("light client trusting height %d: %v", trusted, err)
	}
	verified, err := client.VerifyLightBlockAtHeight(ctx, target, time.Now())
	if err != nil {
		t.Fatalf("light client from height %d to %d: %v", trusted, target, err)
	}
	if verified.ValidatorsHash.String() == anchor.ValidatorsHash.String() {
		t.Fatalf("the validator set did not change between heights %d and %d", trusted, target)
	}
}

// followWithEnclaveClient runs the enclave's light client
// (enclave/lightclient) over the devnet's real headers: pinned to block 1,
// adjacent up to target, which must carry a different validator set, and
// refusing a replay on the way. With setChange, the set at target must
// differ from genesis's.
func followWithEnclaveClient(t *testing.T, d *devnet, target int64) *lightclient.Client {
	return followEnclave(t, d, target, false)
}

func followEnclave(t *testing.T, d *devnet, target int64, setChange bool) *lightclient.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	node, err := lighthttp.New(chainID, d.rpcURL(1))
	if err != nil {
		t.Fatal(err)
	}
	first, err := node.LightBlock(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	c, err := lightclient.New(lightclient.TrustAnchor{ChainID: chainID, Height: 1, Hash: first.Hash()}, first, lightclient.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var previous *types.LightBlock
	for h := int64(2); h <= target; h++ {
		lb, err := node.LightBlock(ctx, h)
		if err != nil {
			t.Fatalf("light block %d: %v", h, err)
		}
		if err := c.Update(lb); err != nil {
			t.Fatalf("enclave light client at height %d: %v", h, err)
		}
		if previous != nil {
			if err := c.Update(previous); !errors.Is(err, lightclient.ErrNotNewer) {
				t.Fatalf("replayed header %d: %v", previous.Height, err)
			}
		}
		previous = lb
	}
	if c.Latest().Height != target || (setChange && bytes.Equal(c.TrustedBlock().ValidatorsHash, first.ValidatorsHash)) {
		t.Fatalf("followed to %d with validators %X, want %d (with a set other than genesis's %X: %v)",
			c.Latest().Height, c.TrustedBlock().ValidatorsHash, target, first.ValidatorsHash, setChange)
	}
	return c
}

// proveWorkerRecord shows the enclave can read chain state it can trust: it
// follows the devnet with its light client to height h+1 and checks ICS-23
// proofs, from ABCI queries at height h, that x/registry holds the worker's
// record, that a key never written is absent, and that the worker's ingress
// queue holds its registration as message 1 and nothing more.
func proveWorkerRecord(t *testing.T, d *devnet, identity []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	node, err := rpchttp.New(d.rpcURL(2), "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	key := append(append([]byte{}, registrytypes.WorkersKey...), identity...)
	// node2 may be a block behind the node that took the registration.
	var h int64
	var res *coretypes.ResultABCIQuery
	waitFor(t, 30*time.Second, "node2 to hold the worker record", func() (bool, string) {
		var err error
		if h, err = d.height(2); err != nil {
			return false, err.Error()
		}
		res, err = node.ABCIQueryWithOptions(ctx, "/store/registry/key", key, rpcclient.ABCIQueryOptions{Height: h - 1, Prove: true})
		return err == nil && len(res.Response.Value) > 0, fmt.Sprintf("height %d, err %v", h, err)
	})
	var w registrytypes.Worker
	if err := w.Unmarshal(res.Response.Value); err != nil || !bytes.Equal(w.IdentityPubkey, identity) {
		t.Fatalf("the stored record is not the worker's: %v", err)
	}
	c := followWithEnclaveClient(t, d, h)
	appHash := c.Latest().AppHash
	if err := stateproof.VerifyValue(appHash, registrytypes.StoreKey, key, res.Response.Value, res.Response.ProofOps); err != nil {
		t.Fatalf("the worker record does not verify against the verified app hash: %v", err)
	}
	forged := append([]byte{}, res.Response.Value...)
	forged[len(forged)-1] ^= 1
	if err := stateproof.VerifyValue(appHash, registrytypes.StoreKey, key, forged, res.Response.ProofOps); !errors.Is(err, stateproof.ErrInvalidProof) {
		t.Fatalf("a tampered record verified: %v", err)
	}
	missing := append(append([]byte{}, registrytypes.WorkersKey...), bytes.Repeat([]byte{0xee}, 32)...)
	res, err = node.ABCIQueryWithOptions(ctx, "/store/registry/key", missing, rpcclient.ABCIQueryOptions{Height: h - 1, Prove: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := stateproof.VerifyAbsent(appHash, registrytypes.StoreKey, missing, res.Response.ProofOps); err != nil {
		t.Fatalf("absence of an unregistered worker: %v", err)
	}

	// The enclave's queue: message 1 says it was registered, proven; a
	// replay is refused and nothing is withheld.
	query := func(key []byte) ([]byte, *cmtcrypto.ProofOps) {
		res, err := node.ABCIQueryWithOptions(ctx, "/store/"+ingress.StoreKey+"/key", key, rpcclient.ABCIQueryOptions{Height: h - 1, Prove: true})
		if err != nil {
			t.Fatal(err)
		}
		return res.Response.Value, res.Response.ProofOps
	}
	q, err := ingress.NewQueue(identity, 1)
	if err != nil {
		t.Fatal(err)
	}
	msg, proof := query(ingress.MessageKey(identity, 1))
	if err := q.Accept(appHash, 1, msg, proof); err != nil {
		t.Fatalf("ingress message 1: %v", err)
	}
	if err := q.Accept(appHash, 1, msg, proof); !errors.Is(err, ingress.ErrReplay) {
		t.Fatalf("replayed ingress message: %v", err)
	}
	var m enclaveapi.IngressMessage
	if err := m.Unmarshal(msg); err != nil || m.GetRegistered() == nil || m.GetRegistered().Operator != w.Operator {
		t.Fatalf("ingress message 1 is not the registration: %v %+v", err, m)
	}
	length, proof := query(ingress.LengthKey(identity))
	if n, err := q.Backlog(appHash, length, proof); err != nil || n != 0 {
		t.Fatalf("backlog %d, %v", n, err)
	}
}
