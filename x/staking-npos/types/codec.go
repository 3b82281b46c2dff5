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
	ir.RegisterImplementations((*sdk.Msg)(nil),
		&MsgBond{}, &MsgBondExtra{}, &MsgUnbond{}, &MsgWithdrawUnbonded{}, &MsgRebond{},
		&MsgValidate{}, &MsgNominate{}, &MsgChill{}, &MsgPayoutStakers{}, &MsgUpdateParams{},
	)
	msgservice.RegisterMsgServiceDesc(ir, &_Msg_serviceDesc)
}

// RegisterLegacyAminoCodec registers the module's messages for Amino JSON signing.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgBond{}, "phala/npos/MsgBond")
	legacy.RegisterAminoMsg(cdc, &MsgBondExtra{}, "phala/npos/MsgBondExtra")
	legacy.RegisterAminoMsg(cdc, &MsgUnbond{}, "phala/npos/MsgUnbond")
	legacy.RegisterAminoMsg(cdc, &MsgWithdrawUnbonded{}, "phala/npos/MsgWithdrawUnbonded")
	legacy.RegisterAminoMsg(cdc, &MsgRebond{}, "phala/npos/MsgRebond")
	legacy.RegisterAminoMsg(cdc, &MsgValidate{}, "phala/npos/MsgValidate")
	legacy.RegisterAminoMsg(cdc, &MsgNominate{}, "phala/npos/MsgNominate")
	legacy.RegisterAminoMsg(cdc, &MsgChill{}, "phala/npos/MsgChill")
	legacy.RegisterAminoMsg(cdc, &MsgPayoutStakers{}, "phala/npos/MsgPayoutStakers")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "phala/x/staking-npos/MsgUpdateParams")
	cdc.RegisterConcrete(&Params{}, "phala/x/staking-npos/Params", nil)
}
