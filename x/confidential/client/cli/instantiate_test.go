package cli

import (
	"bytes"
	"testing"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	cryptocodec "github.com/cosmos/cosmos-sdk/crypto/codec"
	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
)

// The reply key must come out the same every time for one account and
// contract (the keyring's secp256k1 signatures are deterministic), and
// differ between contracts and accounts.
func TestReplyKeyIsStable(t *testing.T) {
	registry := codectypes.NewInterfaceRegistry()
	cryptocodec.RegisterInterfaces(registry)
	kr := keyring.NewInMemory(codec.NewProtoCodec(registry))
	for _, name := range []string{"alice", "bob"} {
		if _, _, err := kr.NewMnemonic(name, keyring.English, "m/44'/118'/0'/0/0", "", hd.Secp256k1); err != nil {
			t.Fatal(err)
		}
	}
	ctx := func(from string) client.Context {
		return client.Context{}.WithKeyring(kr).WithFromName(from).WithChainID("chain-1")
	}
	contract, other := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	a1, err := replyKey(ctx("alice"), contract)
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := replyKey(ctx("alice"), contract)
	aOther, _ := replyKey(ctx("alice"), other)
	b, _ := replyKey(ctx("bob"), contract)
	if !a1.Equal(a2) {
		t.Fatal("the same account derived two reply keys for one contract")
	}
	if a1.Equal(aOther) || a1.Equal(b) {
		t.Fatal("reply keys collide across contracts or accounts")
	}
	if _, err := replyKey(ctx("carol"), contract); err == nil {
		t.Fatal("an unknown key derived a reply key")
	}
}
