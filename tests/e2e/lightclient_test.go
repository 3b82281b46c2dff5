package e2e

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/light/provider"
	lighthttp "github.com/cometbft/cometbft/light/provider/http"
	lightdb "github.com/cometbft/cometbft/light/store/db"
	"github.com/cometbft/cometbft/types"

	"github.com/phala-cosmos/phala-cosmos/enclave/lightclient"
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
// refusing a replay on the way.
func followWithEnclaveClient(t *testing.T, d *devnet, target int64) {
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
	if c.Latest().Height != target || bytes.Equal(c.TrustedBlock().ValidatorsHash, first.ValidatorsHash) {
		t.Fatalf("followed to %d with validators %X, want %d with a set other than genesis's %X",
			c.Latest().Height, c.TrustedBlock().ValidatorsHash, target, first.ValidatorsHash)
	}
}
