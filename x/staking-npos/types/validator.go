package types

import (
	"fmt"

	"cosmossdk.io/math"

	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/crypto/keys/ed25519"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"
)

// Limits on the description fields, the same as x/staking's, so that wallets
// built for the SDK display them unchanged.
const (
	MaxMonikerLength         = 70
	MaxIdentityLength        = 3000
	MaxWebsiteLength         = 140
	MaxSecurityContactLength = 140
	MaxDetailsLength         = 280
)

var (
	_ codectypes.UnpackInterfacesMessage = Validator{}
	_ codectypes.UnpackInterfacesMessage = ValidatorInfo{}
	_ codectypes.UnpackInterfacesMessage = (*QueryValidatorsResponse)(nil)
	_ codectypes.UnpackInterfacesMessage = (*QueryValidatorResponse)(nil)
)

// NewValidator builds a candidate record from its parts.
func NewValidator(operator sdk.ValAddress, pubKey cryptotypes.PubKey, desc Description, commission math.LegacyDec) (Validator, error) {
	pkAny, err := codectypes.NewAnyWithValue(pubKey)
	if err != nil {
		return Validator{}, err
	}
	return Validator{
		OperatorAddress: operator.String(),
		ConsensusPubkey: pkAny,
		Description:     desc,
		Commission:      commission,
	}, nil
}

// UnpackInterfaces resolves the consensus public key held in an Any.
func (v Validator) UnpackInterfaces(unpacker codectypes.AnyUnpacker) error {
	var pk cryptotypes.PubKey
	return unpacker.UnpackAny(v.ConsensusPubkey, &pk)
}

// UnpackInterfaces resolves the validator's consensus public key.
func (v ValidatorInfo) UnpackInterfaces(unpacker codectypes.AnyUnpacker) error {
	return v.Validator.UnpackInterfaces(unpacker)
}

// UnpackInterfaces resolves every listed validator's consensus public key.
func (r *QueryValidatorsResponse) UnpackInterfaces(unpacker codectypes.AnyUnpacker) error {
	for _, v := range r.Validators {
		if err := v.UnpackInterfaces(unpacker); err != nil {
			return err
		}
	}
	return nil
}

// UnpackInterfaces resolves the validator's consensus public key.
func (r *QueryValidatorResponse) UnpackInterfaces(unpacker codectypes.AnyUnpacker) error {
	return r.Validator.UnpackInterfaces(unpacker)
}

// ConsPubKey returns the validator's consensus public key. The Any must
// have been unpacked (the codec does so when it decodes a Validator).
func (v Validator) ConsPubKey() (cryptotypes.PubKey, error) {
	if v.ConsensusPubkey == nil {
		return nil, fmt.Errorf("validator %s has no consensus public key", v.OperatorAddress)
	}
	pk, ok := v.ConsensusPubkey.GetCachedValue().(cryptotypes.PubKey)
	if !ok {
		return nil, fmt.Errorf("validator %s: consensus public key of type %s is not unpacked", v.OperatorAddress, v.ConsensusPubkey.TypeUrl)
	}
	if err := CheckConsensusKey(pk); err != nil {
		return nil, fmt.Errorf("validator %s: %w", v.OperatorAddress, err)
	}
	return pk, nil
}

// CheckConsensusKey accepts ed25519 keys of the right size, the key type
// CometBFT's default consensus params allow (a key of the wrong size would
// panic when hashed into an address).
func CheckConsensusKey(pk cryptotypes.PubKey) error {
	if _, ok := pk.(*ed25519.PubKey); !ok {
		return fmt.Errorf("consensus key type %s is not supported (use ed25519)", pk.Type())
	}
	if n := len(pk.Bytes()); n != ed25519.PubKeySize {
		return fmt.Errorf("%s consensus key is %d bytes, want %d", pk.Type(), n, ed25519.PubKeySize)
	}
	return nil
}

// ConsAddress returns the address CometBFT knows the validator by.
func (v Validator) ConsAddress() (sdk.ConsAddress, error) {
	pk, err := v.ConsPubKey()
	if err != nil {
		return nil, err
	}
	return sdk.ConsAddress(pk.Address()), nil
}

// Validate checks a candidate record on its own (not against other state).
func (v Validator) Validate() error {
	if _, err := sdk.ValAddressFromBech32(v.OperatorAddress); err != nil {
		return fmt.Errorf("operator address %q: %w", v.OperatorAddress, err)
	}
	if _, err := v.ConsPubKey(); err != nil {
		return err
	}
	if err := v.Description.Validate(); err != nil {
		return fmt.Errorf("validator %s: %w", v.OperatorAddress, err)
	}
	return ValidateCommission(v.Commission)
}

// ValidateCommission checks that a commission is a decimal in [0, 1].
func ValidateCommission(c math.LegacyDec) error {
	if c.IsNil() || c.IsNegative() || c.GT(math.LegacyOneDec()) {
		return fmt.Errorf("commission %s is not in [0, 1]", c)
	}
	return nil
}

// Validate checks the description's lengths.
func (d Description) Validate() error {
	for _, f := range []struct {
		name  string
		value string
		max   int
	}{
		{"moniker", d.Moniker, MaxMonikerLength},
		{"identity", d.Identity, MaxIdentityLength},
		{"website", d.Website, MaxWebsiteLength},
		{"security_contact", d.SecurityContact, MaxSecurityContactLength},
		{"details", d.Details, MaxDetailsLength},
	} {
		if len(f.value) > f.max {
			return fmt.Errorf("%s is %d bytes, longer than %d", f.name, len(f.value), f.max)
		}
	}
	if d.Moniker == "" {
		return fmt.Errorf("moniker is empty")
	}
	return nil
}

// SDKValidator presents the candidate as an x/staking validator, the form
// x/slashing, x/evidence and x/gov expect. active says whether it is in the
// CometBFT validator set now, stake is the stake behind it (its exposure when
// elected, its own bond otherwise) and minSelfBond the current minimum bond.
func (v Validator) SDKValidator(active bool, stake, minSelfBond math.Int) stakingtypes.Validator {
	status := stakingtypes.Unbonding // out of the set, still slashable
	switch {
	case active:
		status = stakingtypes.Bonded
	case stake.IsZero():
		status = stakingtypes.Unbonded
	}
	return stakingtypes.Validator{
		OperatorAddress: v.OperatorAddress,
		ConsensusPubkey: v.ConsensusPubkey,
		Jailed:          v.Jailed,
		Status:          status,
		Tokens:          stake,
		DelegatorShares: math.LegacyNewDecFromInt(stake),
		Description: stakingtypes.Description{
			Moniker:         v.Description.Moniker,
			Identity:        v.Description.Identity,
			Website:         v.Description.Website,
			SecurityContact: v.Description.SecurityContact,
			Details:         v.Description.Details,
		},
		Commission:        stakingtypes.NewCommission(v.Commission, math.LegacyOneDec(), math.LegacyZeroDec()),
		MinSelfDelegation: minSelfBond,
	}
}

var _ codectypes.UnpackInterfacesMessage = (*MsgValidate)(nil)

// UnpackInterfaces resolves the consensus public key held in an Any.
func (m *MsgValidate) UnpackInterfaces(unpacker codectypes.AnyUnpacker) error {
	var pk cryptotypes.PubKey
	return unpacker.UnpackAny(m.Pubkey, &pk)
}
