package types_test

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

func key(b byte) []byte { return []byte(strings.Repeat(string([]byte{b}), 32)) }

func TestParamsAllows(t *testing.T) {
	mr := [32]byte{1}
	signer := [32]byte{2}
	p := types.DefaultParams()
	p.AllowedEnclaves = []types.EnclaveIdentity{
		{MrEnclave: strings.ToUpper(hex.EncodeToString(mr[:])), IsvProdId: 1},
		{MrSigner: hex.EncodeToString(signer[:]), IsvProdId: 2, MinIsvSvn: 5},
	}
	for _, tc := range []struct {
		name      string
		mr, sig   [32]byte
		prod, svn uint16
		want      bool
	}{
		{"MRENCLAVE match (hex case ignored)", mr, [32]byte{}, 1, 0, true},
		{"MRENCLAVE with the wrong product", mr, [32]byte{}, 2, 0, false},
		{"MRSIGNER at the minimum SVN", [32]byte{}, signer, 2, 5, true},
		{"MRSIGNER below the minimum SVN", [32]byte{}, signer, 2, 4, false},
		{"unknown enclave", [32]byte{7}, [32]byte{7}, 1, 9, false},
	} {
		if got := p.Allows(tc.mr, tc.sig, tc.prod, tc.svn); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if len(types.DefaultParams().AllowedEnclaves) != 0 || types.DefaultParams().AllowSimulation {
		t.Error("a new chain must allow no enclave and no simulation")
	}
}

func TestRegistrationValidateBasic(t *testing.T) {
	operator := sdk.AccAddress(key(3)[:20]).String()
	good := func() *types.MsgRegisterWorker {
		return &types.MsgRegisterWorker{Operator: operator, IdentityPubkey: key(1), EcdhPubkey: key(2), Evidence: []byte{1}, Endpoint: "https://w.example:8000"}
	}
	for _, tc := range []struct {
		name string
		edit func(*types.MsgRegisterWorker)
		want error
		msg  string
	}{
		{"valid", func(*types.MsgRegisterWorker) {}, nil, ""},
		{"bad operator", func(m *types.MsgRegisterWorker) { m.Operator = "phala1xyz" }, sdkerrors.ErrInvalidAddress, "operator"},
		{"short ECDH key", func(m *types.MsgRegisterWorker) { m.EcdhPubkey = key(2)[:16] }, types.ErrInvalidWorker, "ecdh_pubkey is 16 bytes"},
		{"no evidence", func(m *types.MsgRegisterWorker) { m.Evidence = nil }, types.ErrInvalidWorker, "evidence is 0 bytes"},
		{"huge evidence", func(m *types.MsgRegisterWorker) { m.Evidence = make([]byte, types.MaxEvidenceSize+1) }, types.ErrInvalidWorker, "evidence is 65537 bytes"},
		{"huge collateral", func(m *types.MsgRegisterWorker) {
			m.Collateral = &types.Collateral{TcbInfo: make([]byte, types.MaxCollateralSize)}
		}, types.ErrInvalidCollateral, "more than"},
		{"endpoint without scheme", func(m *types.MsgRegisterWorker) { m.Endpoint = "w.example:8000" }, types.ErrInvalidWorker, "not an http(s) URL"},
		{"endpoint too long", func(m *types.MsgRegisterWorker) { m.Endpoint = "https://" + strings.Repeat("a", 300) }, types.ErrInvalidWorker, "more than 256"},
	} {
		m := good()
		tc.edit(m)
		err := m.ValidateBasic()
		if (tc.want == nil) != (err == nil) || (tc.want != nil && (!errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg))) {
			t.Errorf("%s: %v, want %v containing %q", tc.name, err, tc.want, tc.msg)
		}
	}
	upd := &types.MsgUpdateEndpoint{Operator: operator, IdentityPubkey: key(1)[:5], Endpoint: "http://x:1"}
	if err := upd.ValidateBasic(); !errors.Is(err, types.ErrInvalidWorker) {
		t.Errorf("update with a short key: %v", err)
	}
	sub := &types.MsgSubmitCollateral{Submitter: "nobody"}
	if err := sub.ValidateBasic(); !errors.Is(err, sdkerrors.ErrInvalidAddress) {
		t.Errorf("submission by a bad address: %v", err)
	}
}
