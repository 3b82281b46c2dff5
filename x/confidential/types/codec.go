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
	ir.RegisterImplementations((*sdk.Msg)(nil), &MsgUpdateParams{}, &MsgStoreCode{}, &MsgInstantiate{}, &MsgExecute{})
	msgservice.RegisterMsgServiceDesc(ir, &_Msg_serviceDesc)
}

// RegisterLegacyAminoCodec registers the module's messages for Amino JSON signing.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "phala/x/confidential/MsgUpdateParams")
	legacy.RegisterAminoMsg(cdc, &MsgStoreCode{}, "phala/x/confidential/MsgStoreCode")
	legacy.RegisterAminoMsg(cdc, &MsgInstantiate{}, "phala/x/confidential/MsgInstantiate")
	legacy.RegisterAminoMsg(cdc, &MsgExecute{}, "phala/x/confidential/MsgExecute")
	cdc.RegisterConcrete(&Params{}, "phala/x/confidential/Params", nil)
}
