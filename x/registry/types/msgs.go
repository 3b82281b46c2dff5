package types

import errorsmod "cosmossdk.io/errors"

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
