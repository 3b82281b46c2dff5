package app

import (
	"errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/x/auth/ante"

	ibcante "github.com/cosmos/ibc-go/v10/modules/core/ante"
	ibckeeper "github.com/cosmos/ibc-go/v10/modules/core/keeper"
)

// AnteHandlerOptions are the dependencies of the ante handler.
type AnteHandlerOptions struct {
	ante.HandlerOptions
	IBCKeeper *ibckeeper.Keeper
}

// NewAnteHandler returns the checks every transaction passes before its
// messages run: the SDK's standard chain (basic validity, timeout, memo, gas
// for size, fees with fee grants, signatures, sequence) then IBC's check
// that rejects relays of packets already received.
func NewAnteHandler(o AnteHandlerOptions) (sdk.AnteHandler, error) {
	switch {
	case o.AccountKeeper == nil:
		return nil, errors.New("ante: account keeper is required")
	case o.BankKeeper == nil:
		return nil, errors.New("ante: bank keeper is required")
	case o.SignModeHandler == nil:
		return nil, errors.New("ante: sign mode handler is required")
	case o.IBCKeeper == nil:
		return nil, errors.New("ante: IBC keeper is required")
	}
	sigGas := o.SigGasConsumer
	if sigGas == nil {
		sigGas = ante.DefaultSigVerificationGasConsumer
	}
	return sdk.ChainAnteDecorators(
		ante.NewSetUpContextDecorator(), // must be first
		ante.NewExtensionOptionsDecorator(o.ExtensionOptionChecker),
		ante.NewValidateBasicDecorator(),
		ante.NewTxTimeoutHeightDecorator(),
		ante.NewValidateMemoDecorator(o.AccountKeeper),
		ante.NewConsumeGasForTxSizeDecorator(o.AccountKeeper),
		ante.NewDeductFeeDecorator(o.AccountKeeper, o.BankKeeper, o.FeegrantKeeper, o.TxFeeChecker),
		ante.NewSetPubKeyDecorator(o.AccountKeeper), // before every signature check
		ante.NewValidateSigCountDecorator(o.AccountKeeper),
		ante.NewSigGasConsumeDecorator(o.AccountKeeper, sigGas),
		ante.NewSigVerificationDecorator(o.AccountKeeper, o.SignModeHandler, o.SigVerifyOptions...),
		ante.NewIncrementSequenceDecorator(o.AccountKeeper),
		ibcante.NewRedundantRelayDecorator(o.IBCKeeper),
	), nil
}
