package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// RegisterInterfaces registers the module's messages with the interface registry.
func RegisterInterfaces(ir codectypes.InterfaceRegistry) {
	ir.RegisterImplementations((*sdk.Msg)(nil), &MsgUpdateParams{}, &MsgRegisterWorker{}, &MsgUpdateEndpoint{}, &MsgSubmitCollateral{},
		&MsgRenewWorker{}, &MsgBondWorker{}, &MsgUnbondWorker{}, &MsgDeregisterWorker{}, &MsgAddGatekeeper{}, &MsgRemoveGatekeeper{}, &MsgSubmitEgress{},
		&MsgRotateMasterKey{})
	msgservice.RegisterMsgServiceDesc(ir, &_Msg_serviceDesc)
}

// RegisterLegacyAminoCodec registers the module's messages for Amino JSON signing.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "phala/x/registry/MsgUpdateParams")
	legacy.RegisterAminoMsg(cdc, &MsgRegisterWorker{}, "phala/x/registry/MsgRegisterWorker")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateEndpoint{}, "phala/x/registry/MsgUpdateEndpoint")
	legacy.RegisterAminoMsg(cdc, &MsgSubmitCollateral{}, "phala/x/registry/MsgSubmitCollateral")
	legacy.RegisterAminoMsg(cdc, &MsgRenewWorker{}, "phala/x/registry/MsgRenewWorker")
	legacy.RegisterAminoMsg(cdc, &MsgBondWorker{}, "phala/x/registry/MsgBondWorker")
	legacy.RegisterAminoMsg(cdc, &MsgUnbondWorker{}, "phala/x/registry/MsgUnbondWorker")
	legacy.RegisterAminoMsg(cdc, &MsgDeregisterWorker{}, "phala/x/registry/MsgDeregisterWorker")
	legacy.RegisterAminoMsg(cdc, &MsgAddGatekeeper{}, "phala/x/registry/MsgAddGatekeeper")
	legacy.RegisterAminoMsg(cdc, &MsgRemoveGatekeeper{}, "phala/x/registry/MsgRemoveGatekeeper")
	legacy.RegisterAminoMsg(cdc, &MsgSubmitEgress{}, "phala/x/registry/MsgSubmitEgress")
	legacy.RegisterAminoMsg(cdc, &MsgRotateMasterKey{}, "phala/x/registry/MsgRotateMasterKey")
	cdc.RegisterConcrete(&Params{}, "phala/x/registry/Params", nil)
}
