package types

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"

	"cosmossdk.io/math"

	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// scheduleDomain separates scheduling seeds from every other hash.
const scheduleDomain = "phala-cosmos/schedule/v1"

// ScheduleSeed is the randomness drawing a contract's workers: the newest
// gatekeeper beacon (unpredictable before the gatekeepers derive it), the
// block's hash and the contract, each length-prefixed.
func ScheduleSeed(beacon, blockHash, contract []byte) [32]byte {
	return sha256.Sum256(envelope.Context(scheduleDomain, beacon, blockHash, contract))
}

// Draw picks up to n of the candidates without replacement, each draw with
// probability proportional to its weight among those left. Candidates must
// be in a canonical order (the registry lists them by identity key) and
// have positive weights; the result depends only on seed and the list.
func Draw(seed [32]byte, candidates []registrytypes.Schedulable, n int) []registrytypes.Schedulable {
	left := append([]registrytypes.Schedulable(nil), candidates...)
	var out []registrytypes.Schedulable
	for draw := 0; draw < n && len(left) > 0; draw++ {
		total := math.ZeroInt()
		for _, c := range left {
			total = total.Add(c.Weight)
		}
		// A 256-bit number from the seed and the draw, reduced modulo the
		// total: the bias is below total / 2^256, negligible.
		h := sha256.Sum256(binary.BigEndian.AppendUint32(append([]byte{}, seed[:]...), uint32(draw)))
		point := math.NewIntFromBigInt(new(big.Int).Mod(new(big.Int).SetBytes(h[:]), total.BigInt()))
		i := 0
		for ; i < len(left)-1; i++ {
			if point.LT(left[i].Weight) {
				break
			}
			point = point.Sub(left[i].Weight)
		}
		out = append(out, left[i])
		left = append(left[:i], left[i+1:]...)
	}
	return out
}
