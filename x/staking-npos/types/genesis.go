package types

import (
	"fmt"

	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
)

var _ codectypes.UnpackInterfacesMessage = GenesisState{}

// DefaultGenesisState returns the default genesis: default params and no
// validators (add them with `phalad genesis add-genesis-validator`).
func DefaultGenesisState() *GenesisState {
	return &GenesisState{Params: DefaultParams()}
}

// UnpackInterfaces resolves every validator's consensus public key.
func (gs GenesisState) UnpackInterfaces(unpacker codectypes.AnyUnpacker) error {
	for _, v := range gs.Validators {
		if err := v.UnpackInterfaces(unpacker); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks the genesis state on its own; the bonded pool balance is
// checked against x/bank when the genesis is loaded.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return fmt.Errorf("%w: params: %w", ErrInvalidGenesis, err)
	}
	operators := make(map[string]bool, len(gs.Validators))
	consAddrs := make(map[string]string, len(gs.Validators))
	for i, v := range gs.Validators {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("%w: validators[%d]: %w", ErrInvalidGenesis, i, err)
		}
		if operators[v.OperatorAddress] {
			return fmt.Errorf("%w: validator %s is listed twice", ErrInvalidGenesis, v.OperatorAddress)
		}
		operators[v.OperatorAddress] = true
		consAddr, err := v.ConsAddress()
		if err != nil {
			return fmt.Errorf("%w: validators[%d]: %w", ErrInvalidGenesis, i, err)
		}
		if other, dup := consAddrs[consAddr.String()]; dup {
			return fmt.Errorf("%w: validators %s and %s share the consensus key %s", ErrInvalidGenesis, other, v.OperatorAddress, consAddr)
		}
		consAddrs[consAddr.String()] = v.OperatorAddress
		if v.SelfBond.LT(gs.Params.MinValidatorBond) {
			return fmt.Errorf("%w: validator %s bonds %s, less than min_validator_bond %s",
				ErrInvalidGenesis, v.OperatorAddress, v.SelfBond, gs.Params.MinValidatorBond)
		}
	}
	return nil
}
