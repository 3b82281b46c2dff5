package app

import (
	"encoding/json"
	"fmt"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	cmttypes "github.com/cometbft/cometbft/types"
	cryptocodec "github.com/cosmos/cosmos-sdk/crypto/codec"
)

// ExportAppStateAndValidators exports the state of every module (or of
// modulesToExport) and the active validator set. With forZeroHeight the
// export is prepared to start a new chain at height zero: slashing records
// restart their windows. jailAllowedAddrs is accepted for the SDK's export
// command; NPoS keeps jailed validators jailed either way.
func (app *App) ExportAppStateAndValidators(forZeroHeight bool, _ []string, modulesToExport []string) (servertypes.ExportedApp, error) {
	ctx := app.NewContextLegacy(true, cmtproto.Header{Height: app.LastBlockHeight()})
	height := app.LastBlockHeight() + 1
	if forZeroHeight {
		height = 0
		if err := app.prepareForZeroHeight(ctx); err != nil {
			return servertypes.ExportedApp{}, err
		}
	}
	genState, err := app.ModuleManager.ExportGenesisForModules(ctx, app.appCodec, modulesToExport)
	if err != nil {
		return servertypes.ExportedApp{}, err
	}
	appState, err := json.MarshalIndent(genState, "", "  ")
	if err != nil {
		return servertypes.ExportedApp{}, err
	}
	validators, err := app.exportValidators(ctx)
	if err != nil {
		return servertypes.ExportedApp{}, err
	}
	return servertypes.ExportedApp{
		AppState:        appState,
		Validators:      validators,
		Height:          height,
		ConsensusParams: app.GetConsensusParams(ctx),
	}, nil
}

// exportValidators lists the active set as CometBFT genesis validators.
func (app *App) exportValidators(ctx sdk.Context) ([]cmttypes.GenesisValidator, error) {
	var out []cmttypes.GenesisValidator
	var inner error
	err := app.StakingKeeper.IterateBondedValidatorsByPower(ctx, func(_ int64, v stakingtypes.ValidatorI) bool {
		pk, err := v.ConsPubKey()
		if err != nil {
			inner = err
			return true
		}
		cmtPk, err := cryptocodec.ToCmtPubKeyInterface(pk)
		if err != nil {
			inner = err
			return true
		}
		out = append(out, cmttypes.GenesisValidator{
			Address: sdk.ConsAddress(cmtPk.Address()).Bytes(),
			PubKey:  cmtPk,
			Power:   v.GetConsensusPower(app.StakingKeeper.PowerReduction(ctx)),
			Name:    v.GetMoniker(),
		})
		return false
	})
	if err != nil {
		return nil, err
	}
	return out, inner
}

// prepareForZeroHeight restarts every slashing signing window at height zero.
func (app *App) prepareForZeroHeight(ctx sdk.Context) error {
	var inner error
	err := app.SlashingKeeper.IterateValidatorSigningInfos(ctx, func(addr sdk.ConsAddress, info slashingtypes.ValidatorSigningInfo) bool {
		info.StartHeight = 0
		if err := app.SlashingKeeper.SetValidatorSigningInfo(ctx, addr, info); err != nil {
			inner = fmt.Errorf("resetting signing info of %s: %w", addr, err)
			return true
		}
		return false
	})
	if err != nil {
		return err
	}
	return inner
}
