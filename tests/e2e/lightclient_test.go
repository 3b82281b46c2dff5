package e2e

import (
	"context"
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/light/provider"
	lighthttp "github.com/cometbft/cometbft/light/provider/http"
	lightdb "github.com/cometbft/cometbft/light/store/db"
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
