package types

import (
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// NonceSize is the size of a call's nonce.
const NonceSize = 16

// ValidateBasic checks the proposed params without reading state, so that a
// governance proposal carrying invalid params is refused when it is submitted
// rather than failing after the vote. The authority is checked by the
// message server.
func (m *MsgUpdateParams) ValidateBasic() error {
	if err := m.Params.Validate(); err != nil {
		return errorsmod.Wrap(ErrInvalidParams, err.Error())
	}
	return nil
}

// ValidateBasic checks what needs no state: the sender and a non-empty upload.
func (m *MsgStoreCode) ValidateBasic() error {
	if _, err := sdk.AccAddressFromBech32(m.Sender); err != nil {
		return errorsmod.Wrapf(ErrInvalidCode, "sender: %v", err)
	}
	if len(m.WasmByteCode) == 0 {
		return errorsmod.Wrap(ErrInvalidCode, "the upload is empty")
	}
	return nil
}

// ValidateBasic checks what needs no state.
func (m *MsgInstantiate) ValidateBasic() error {
	if _, err := sdk.AccAddressFromBech32(m.Creator); err != nil {
		return errorsmod.Wrapf(ErrInvalidCall, "creator: %v", err)
	}
	if err := ValidateLabel(m.Label); err != nil {
		return err
	}
	return validateSealed(m.Nonce, m.SealedInit, m.FuelLimit)
}

// ValidateBasic checks what needs no state.
func (m *MsgExecute) ValidateBasic() error {
	if _, err := sdk.AccAddressFromBech32(m.Sender); err != nil {
		return errorsmod.Wrapf(ErrInvalidCall, "sender: %v", err)
	}
	if _, err := sdk.AccAddressFromBech32(m.Contract); err != nil {
		return errorsmod.Wrapf(ErrContractNotFound, "contract address %q: %v", m.Contract, err)
	}
	if !m.Funds.IsValid() {
		return errorsmod.Wrapf(ErrInvalidCall, "funds %s are not valid coins", m.Funds)
	}
	return validateSealed(m.Nonce, m.Sealed, m.FuelLimit)
}

func validateSealed(nonce, sealed []byte, fuel uint64) error {
	if len(nonce) != NonceSize {
		return errorsmod.Wrapf(ErrInvalidCall, "the nonce is %d bytes, want %d", len(nonce), NonceSize)
	}
	if len(sealed) == 0 {
		return errorsmod.Wrap(ErrInvalidCall, "the sealed call is empty")
	}
	if fuel == 0 {
		return errorsmod.Wrap(ErrFuelLimit, "the fuel limit must be positive")
	}
	return nil
}
