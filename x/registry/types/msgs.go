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
	// BeaconSize is the size of a gatekeeper randomness value.
	BeaconSize = 32
)

// ValidateBasic checks the registration's shape.
func (m *MsgRegisterWorker) ValidateBasic() error {
	if _, err := sdk.AccAddressFromBech32(m.Operator); err != nil {
		return errorsmod.Wrapf(sdkerrors.ErrInvalidAddress, "operator: %v", err)
	}
	if err := validatePubkeys(m.IdentityPubkey, m.EcdhPubkey); err != nil {
		return err
	}
	if err := validateEvidence(m.Evidence, m.Collateral); err != nil {
		return err
	}
	return ValidateEndpoint(m.Endpoint)
}

// ValidateBasic checks the update's shape.
func (m *MsgUpdateEndpoint) ValidateBasic() error {
	if err := validateOperatorAndWorker(m.Operator, m.IdentityPubkey); err != nil {
		return err
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

// ValidateBasic checks the renewal's shape.
func (m *MsgRenewWorker) ValidateBasic() error {
	if err := validateOperatorAndWorker(m.Operator, m.IdentityPubkey); err != nil {
		return err
	}
	return validateEvidence(m.Evidence, m.Collateral)
}

// ValidateBasic checks the bond's shape.
func (m *MsgBondWorker) ValidateBasic() error {
	if err := validateOperatorAndWorker(m.Operator, m.IdentityPubkey); err != nil {
		return err
	}
	return validatePositive(m.Amount)
}

// ValidateBasic checks the unbond's shape.
func (m *MsgUnbondWorker) ValidateBasic() error {
	if err := validateOperatorAndWorker(m.Operator, m.IdentityPubkey); err != nil {
		return err
	}
	return validatePositive(m.Amount)
}

// ValidateBasic checks the deregistration's shape.
func (m *MsgDeregisterWorker) ValidateBasic() error {
	return validateOperatorAndWorker(m.Operator, m.IdentityPubkey)
}

// ValidateBasic checks the proposal message's shape.
func (m *MsgAddGatekeeper) ValidateBasic() error {
	return validateOperatorAndWorker(m.Authority, m.IdentityPubkey)
}

// ValidateBasic checks the proposal message's shape.
func (m *MsgRemoveGatekeeper) ValidateBasic() error {
	return validateOperatorAndWorker(m.Authority, m.IdentityPubkey)
}

// ValidateBasic checks the proposal message's shape: a leader, if named, is
// an identity key.
func (m *MsgRotateMasterKey) ValidateBasic() error {
	if len(m.Leader) == 0 {
		_, err := sdk.AccAddressFromBech32(m.Authority)
		if err != nil {
			return errorsmod.Wrapf(sdkerrors.ErrInvalidAddress, "%q: %v", m.Authority, err)
		}
		return nil
	}
	return validateOperatorAndWorker(m.Authority, m.Leader)
}

func validateOperatorAndWorker(addr string, identity []byte) error {
	if _, err := sdk.AccAddressFromBech32(addr); err != nil {
		return errorsmod.Wrapf(sdkerrors.ErrInvalidAddress, "%q: %v", addr, err)
	}
	if len(identity) != PubkeySize {
		return errorsmod.Wrapf(ErrInvalidWorker, "identity_pubkey is %d bytes, want %d", len(identity), PubkeySize)
	}
	return nil
}

func validatePositive(c sdk.Coin) error {
	if err := c.Validate(); err != nil || !c.IsPositive() {
		return errorsmod.Wrapf(sdkerrors.ErrInvalidCoins, "amount %s must be positive", c)
	}
	return nil
}

func validateEvidence(evidence []byte, collateral *Collateral) error {
	if len(evidence) == 0 || len(evidence) > MaxEvidenceSize {
		return errorsmod.Wrapf(ErrInvalidWorker, "evidence is %d bytes, want 1..%d", len(evidence), MaxEvidenceSize)
	}
	if collateral != nil && collateral.Size() > MaxCollateralSize {
		return errorsmod.Wrapf(ErrInvalidCollateral, "collateral is %d bytes, more than %d", collateral.Size(), MaxCollateralSize)
	}
	return nil
}

// MaxEgressPayload bounds an enclave message.
const MaxEgressPayload = 64 << 10

// ValidateBasic checks the egress message's shape.
func (m *MsgSubmitEgress) ValidateBasic() error {
	if err := validateOperatorAndWorker(m.Submitter, m.Worker); err != nil {
		return err
	}
	if m.Sequence == 0 {
		return errorsmod.Wrap(ErrEgressGap, "sequence numbers start at 1")
	}
	if len(m.Signature) != 64 {
		return errorsmod.Wrapf(ErrEgressSignature, "signature is %d bytes, want 64", len(m.Signature))
	}
	if len(m.Payload) == 0 || len(m.Payload) > MaxEgressPayload {
		return errorsmod.Wrapf(ErrInvalidWorker, "payload is %d bytes, want 1..%d", len(m.Payload), MaxEgressPayload)
	}
	return nil
}
