package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
)

// Enqueue appends msg to dest's queue and returns its sequence number
// (1 for the first). Enclaves read it with a proof (enclave/ingress).
func (k Keeper) Enqueue(ctx context.Context, dest []byte, msg enclaveapi.IngressMessage) (uint64, error) {
	n, err := k.IngressLength.Get(ctx, dest)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return 0, err
	}
	seq := n + 1
	if err := k.Ingress.Set(ctx, ingress.MessageKey(dest, seq)[1:], msg); err != nil {
		return 0, err
	}
	return seq, k.IngressLength.Set(ctx, dest, seq)
}
