package keeper

import (
	"context"
	"crypto/sha256"
	"fmt"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
)

// ValidationGasPerByte is charged per byte of uncompressed module for
// decompressing and checking it, before the check.
const ValidationGasPerByte = 1

// StoreCode validates an upload and stores it under the next code id.
func (k Keeper) StoreCode(ctx context.Context, sender string, upload []byte) (types.Code, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return types.Code{}, err
	}
	module, err := types.DecodeUpload(upload, params.MaxCodeSize)
	if err != nil {
		return types.Code{}, err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	sdkCtx.GasMeter().ConsumeGas(uint64(len(module))*ValidationGasPerByte, "contract code validation")
	if err := types.ValidateModule(module); err != nil {
		return types.Code{}, err
	}
	id, err := k.NextCodeID.Next(ctx)
	if err != nil {
		return types.Code{}, err
	}
	id++ // code ids start at 1
	hash := sha256.Sum256(module)
	code := types.Code{
		CodeId: id, CodeHash: hash[:], Creator: sender, Size_: uint64(len(module)),
		StoredSize: uint64(len(upload)), Gzip: types.IsGzip(upload), StoredHeight: sdkCtx.BlockHeight(),
	}
	if err := k.Codes.Set(ctx, id, code); err != nil {
		return types.Code{}, err
	}
	if err := k.CodeBytes.Set(ctx, id, upload); err != nil {
		return types.Code{}, err
	}
	sdkCtx.EventManager().EmitEvent(sdk.NewEvent("store_code",
		sdk.NewAttribute("code_id", fmt.Sprint(id)), sdk.NewAttribute("code_hash", fmt.Sprintf("%x", hash)),
		sdk.NewAttribute("size", fmt.Sprint(len(module))), sdk.NewAttribute("creator", sender)))
	return code, nil
}
