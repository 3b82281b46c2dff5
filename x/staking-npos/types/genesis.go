package types

import (
	"fmt"

	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

var _ codectypes.UnpackInterfacesMessage = GenesisState{}

// DefaultGenesisState returns the default genesis: default params and no
// bonds (add validators with `phalad genesis add-genesis-validator`).
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
	p := gs.Params
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: params: %w", ErrInvalidGenesis, err)
	}
	ledgers := make(map[string]Ledger, len(gs.Ledgers))
	for i, l := range gs.Ledgers {
		if _, err := sdk.AccAddressFromBech32(l.Stash); err != nil {
			return fmt.Errorf("%w: ledgers[%d]: stash %q: %w", ErrInvalidGenesis, i, l.Stash, err)
		}
		if _, dup := ledgers[l.Stash]; dup {
			return fmt.Errorf("%w: %s has two ledgers", ErrInvalidGenesis, l.Stash)
		}
		if err := l.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidGenesis, err)
		}
		ledgers[l.Stash] = l
	}

	validators := make(map[string]bool, len(gs.Validators))
	consAddrs := make(map[string]string, len(gs.Validators))
	for i, v := range gs.Validators {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("%w: validators[%d]: %w", ErrInvalidGenesis, i, err)
		}
		if validators[v.OperatorAddress] {
			return fmt.Errorf("%w: validator %s is listed twice", ErrInvalidGenesis, v.OperatorAddress)
		}
		validators[v.OperatorAddress] = true
		consAddr, err := v.ConsAddress()
		if err != nil {
			return fmt.Errorf("%w: validators[%d]: %w", ErrInvalidGenesis, i, err)
		}
		if other, dup := consAddrs[consAddr.String()]; dup {
			return fmt.Errorf("%w: validators %s and %s share the consensus key %s", ErrInvalidGenesis, other, v.OperatorAddress, consAddr)
		}
		consAddrs[consAddr.String()] = v.OperatorAddress
		valAddr, _ := sdk.ValAddressFromBech32(v.OperatorAddress)
		l := ledgers[sdk.AccAddress(valAddr).String()]
		if !v.Chilled && (l.Active.IsNil() || l.Active.LT(p.MinValidatorBond)) {
			return fmt.Errorf("%w: validator %s bonds %s, less than min_validator_bond %s",
				ErrInvalidGenesis, v.OperatorAddress, l.Active, p.MinValidatorBond)
		}
	}

	nominators := make(map[string]bool, len(gs.Nominators))
	for i, n := range gs.Nominators {
		addr, err := sdk.AccAddressFromBech32(n.Address)
		if err != nil {
			return fmt.Errorf("%w: nominators[%d]: %w", ErrInvalidGenesis, i, err)
		}
		if nominators[n.Address] {
			return fmt.Errorf("%w: nominator %s is listed twice", ErrInvalidGenesis, n.Address)
		}
		nominators[n.Address] = true
		if validators[sdk.ValAddress(addr).String()] {
			return fmt.Errorf("%w: %s is both a validator and a nominator", ErrInvalidGenesis, n.Address)
		}
		l, bonded := ledgers[n.Address]
		if !bonded {
			return fmt.Errorf("%w: nominator %s has no ledger", ErrInvalidGenesis, n.Address)
		}
		if l.Active.LT(p.MinNominatorBond) {
			return fmt.Errorf("%w: nominator %s bonds %s, less than min_nominator_bond %s", ErrInvalidGenesis, n.Address, l.Active, p.MinNominatorBond)
		}
		if err := ValidateTargets(n.Targets, p.MaxNominations, func(t string) bool { return validators[t] }); err != nil {
			return fmt.Errorf("%w: nominator %s: %w", ErrInvalidGenesis, n.Address, err)
		}
	}
	return nil
}

// ValidateTargets checks a nomination: 1 to max distinct targets, each a
// registered candidate.
func ValidateTargets(targets []string, max uint32, isCandidate func(string) bool) error {
	if len(targets) == 0 {
		return fmt.Errorf("%w: no targets", ErrInvalidNominations)
	}
	if len(targets) > int(max) {
		return fmt.Errorf("%w: %d targets, at most %d", ErrTooManyNominations, len(targets), max)
	}
	seen := make(map[string]bool, len(targets))
	for _, t := range targets {
		if _, err := sdk.ValAddressFromBech32(t); err != nil {
			return fmt.Errorf("%w: target %q: %w", ErrInvalidNominations, t, err)
		}
		if seen[t] {
			return fmt.Errorf("%w: %s is nominated twice", ErrInvalidNominations, t)
		}
		seen[t] = true
		if !isCandidate(t) {
			return fmt.Errorf("%w: %s is not a validator candidate", ErrInvalidNominations, t)
		}
	}
	return nil
}
