package lightclient

import (
	"fmt"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/enclave/internal/testchain"
)

// BenchmarkUpdateAdjacent measures header sync: one op verifies the next
// header adjacently (commit signatures, hashes, times) and trusts it.
// Headers are made beforehand; with 4 validators it is the devnet's shape.
func BenchmarkUpdateAdjacent(b *testing.B) {
	for _, n := range []int{4, 100} {
		b.Run(fmt.Sprintf("validators=%d", n), func(b *testing.B) {
			powers := make([]int64, n)
			for i := range powers {
				powers[i] = 10
			}
			vals := testchain.NewValSet(b, powers...)
			const length = 2000
			chain := testchain.Chain(b, length, vals, vals, 0)
			b.ResetTimer()
			var c *Client
			for i := 0; i < b.N; i++ {
				next := i%(length-1) + 1
				if next == 1 {
					b.StopTimer()
					var err error
					if c, err = New(anchorOf(chain[0]), chain[0], DefaultOptions()); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				if err := c.Update(chain[next]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEd25519Verify is the baseline: one bare ed25519 check of a
// precommit's sign bytes, the unit a header's verification repeats for
// each signature it needs (more than 2/3 of the power).
func BenchmarkEd25519Verify(b *testing.B) {
	vals := testchain.NewValSet(b, 10)
	lb := testchain.Block(b, testchain.Spec{Height: 1, Time: testchain.GenesisTime, Vals: vals, Next: vals})
	val := vals.Set.Validators[0]
	signBytes := lb.Commit.VoteSignBytes(testchain.ChainID, 0)
	sig := lb.Commit.Signatures[0].Signature
	for b.Loop() {
		if !val.PubKey.VerifySignature(signBytes, sig) {
			b.Fatal("signature does not verify")
		}
	}
}
