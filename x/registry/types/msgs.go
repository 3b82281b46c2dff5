package types

import (
	"net/url"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
)

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

// Limits on registration sizes, far above real quotes (about 5 KB) and
// collateral (about 15 KB), to bound what a transaction can make the chain parse.
const (
	MaxEvidenceSize   = 64 << 10
	MaxCollateralSize = 256 << 10
	MaxEndpointLength = 256
	// PubkeySize is the size of Ed25519 and X25519 public keys.
	PubkeySize = 32
)

// ValidateBasic checks the registration's shape.
func (m *MsgRegisterWorker) ValidateBasic() error {
	if _, err := sdk.AccAddressFromBech32(m.Operator); err != nil {
		return errorsmod.Wrapf(sdkerrors.ErrInvalidAddress, "operator: %v", err)
	}
	if err := validatePubkeys(m.IdentityPubkey, m.EcdhPubkey); err != nil {
		return err
	}
	if len(m.Evidence) == 0 || len(m.Evidence) > MaxEvidenceSize {
		return errorsmod.Wrapf(ErrInvalidWorker, "evidence is %d bytes, want 1..%d", len(m.Evidence), MaxEvidenceSize)
	}
	if m.Collateral != nil && m.Collateral.Size() > MaxCollateralSize {
		return errorsmod.Wrapf(ErrInvalidCollateral, "collateral is %d bytes, more than %d", m.Collateral.Size(), MaxCollateralSize)
	}
	return ValidateEndpoint(m.Endpoint)
}

// ValidateBasic checks the update's shape.
func (m *MsgUpdateEndpoint) ValidateBasic() error {
	if _, err := sdk.AccAddressFromBech32(m.Operator); err != nil {
		return errorsmod.Wrapf(sdkerrors.ErrInvalidAddress, "operator: %v", err)
	}
	if len(m.IdentityPubkey) != PubkeySize {
		return errorsmod.Wrapf(ErrInvalidWorker, "identity_pubkey is %d bytes, want %d", len(m.IdentityPubkey), PubkeySize)
	}
	return ValidateEndpoint(m.Endpoint)
}

// ValidateBasic checks the submission's shape.
func (m *MsgSubmitCollateral) ValidateBasic() error {
	if _, err := sdk.AccAddressFromBech32(m.Submitter); err != nil {
		return errorsmod.Wrapf(sdkerrors.ErrInvalidAddress, "submitter: %v", err)
	}
	if m.Collateral.Size() > MaxCollateralSize {
		return errorsmod.Wrapf(ErrInvalidCollateral, "collateral is %d bytes, more than %d", m.Collateral.Size(), MaxCollateralSize)
	}
	return nil
}

func validatePubkeys(identity, ecdh []byte) error {
	if len(identity) != PubkeySize {
		return errorsmod.Wrapf(ErrInvalidWorker, "identity_pubkey is %d bytes, want an Ed25519 key of %d", len(identity), PubkeySize)
	}
	if len(ecdh) != PubkeySize {
		return errorsmod.Wrapf(ErrInvalidWorker, "ecdh_pubkey is %d bytes, want an X25519 key of %d", len(ecdh), PubkeySize)
	}
	return nil
}

// ValidateEndpoint accepts an http or https URL with a host, at most
// MaxEndpointLength characters.
func ValidateEndpoint(endpoint string) error {
	if len(endpoint) > MaxEndpointLength {
		return errorsmod.Wrapf(ErrInvalidWorker, "endpoint is %d characters, more than %d", len(endpoint), MaxEndpointLength)
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errorsmod.Wrapf(ErrInvalidWorker, "endpoint %q is not an http(s) URL such as https://worker.example:8000", endpoint)
	}
	return nil
}
