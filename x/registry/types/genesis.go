package types

import "fmt"

// DefaultGenesisState returns the genesis of a new chain: the default policy.
func DefaultGenesisState() *GenesisState {
	return &GenesisState{Params: DefaultParams()}
}

// Validate checks the genesis state.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return fmt.Errorf("%s genesis: params: %w", ModuleName, err)
	}
	return nil
}
