package keeper_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/egress"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
	"github.com/phala-cosmos/phala-cosmos/enclave/keys"
	"github.com/phala-cosmos/phala-cosmos/enclave/masterkey"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee/sim"
	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// enclaveSender signs egress messages as a registered enclave would.
type enclaveSender struct {
	f    *registryFixture
	key  ed25519.PrivateKey
	pub  ed25519.PublicKey
	next uint64
}

func newEnclaveSender(t *testing.T, f *registryFixture) *enclaveSender {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	registerSimWorkerKey(t, f, pub)
	return &enclaveSender{f: f, key: priv, pub: pub, next: 1}
}

func (s *enclaveSender) msg(t *testing.T, seq uint64, m *enclaveapi.EgressMessage) *types.MsgSubmitEgress {
	t.Helper()
	payload, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	sig := ed25519.Sign(s.key, egress.SignBytes(s.f.ctx.ChainID(), s.pub, seq, payload))
	return &types.MsgSubmitEgress{Submitter: s.f.operator.Address.String(), Worker: s.pub, Sequence: seq, Payload: payload, Signature: sig}
}

func publish(key []byte) *enclaveapi.EgressMessage {
	return &enclaveapi.EgressMessage{Body: &enclaveapi.EgressMessage_MasterKeyPublished{MasterKeyPublished: &enclaveapi.MasterKeyPublished{PublicKey: key}}}
}

func TestEgress(t *testing.T) {
	f := newRegistryFixture(t, allowSim)
	gk := newEnclaveSender(t, f)
	plain := newEnclaveSender(t, f)
	gov := authtypes.NewModuleAddress(govtypes.ModuleName).String()
	if _, err := f.srv.AddGatekeeper(f.ctx, &types.MsgAddGatekeeper{Authority: gov, IdentityPubkey: gk.pub}); err != nil {
		t.Fatal(err)
	}
	masterKey := bytesOf(0x5a)

	// A worker that is not a gatekeeper: accepted in sequence, but the
	// payload is rejected and changes nothing.
	res, err := f.srv.SubmitEgress(f.ctx, plain.msg(t, 1, publish(masterKey)))
	if err != nil || res.Rejected == "" {
		t.Fatalf("master key from a non-gatekeeper: %+v %v", res, err)
	}
	if has, _ := f.k.MasterKey.Has(f.ctx); has {
		t.Fatal("a non-gatekeeper published the master key")
	}

	first := gk.msg(t, 1, publish(masterKey))
	forged := *first
	forged.Payload = append([]byte{}, first.Payload...)
	forged.Payload[len(forged.Payload)-1] ^= 1
	otherChain := *first
	otherChain.Signature = ed25519.Sign(gk.key, egress.SignBytes("other-chain", gk.pub, 1, first.Payload))
	for _, tc := range []struct {
		name string
		msg  *types.MsgSubmitEgress
		want error
	}{
		{"tampered payload", &forged, types.ErrEgressSignature},
		{"signed for another chain", &otherChain, types.ErrEgressSignature},
		{"signed by another worker", func() *types.MsgSubmitEgress { m := plain.msg(t, 1, publish(masterKey)); m.Worker = gk.pub; return m }(), types.ErrEgressSignature},
		{"skipping message 1", gk.msg(t, 2, publish(masterKey)), types.ErrEgressGap},
		{"unknown worker", func() *types.MsgSubmitEgress {
			m := gk.msg(t, 1, publish(masterKey))
			m.Worker = bytesOf(0x99)
			return m
		}(), types.ErrWorkerNotFound},
	} {
		if _, err := f.srv.SubmitEgress(f.ctx, tc.msg); !errors.Is(err, tc.want) {
			t.Fatalf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if has, _ := f.k.MasterKey.Has(f.ctx); has {
		t.Fatal("a refused message published the master key")
	}

	res, err = f.srv.SubmitEgress(f.ctx, first)
	if err != nil || res.Rejected != "" || res.Duplicate {
		t.Fatalf("gatekeeper's master key: %+v %v", res, err)
	}
	got, err := f.q.MasterKey(f.ctx, &types.QueryMasterKeyRequest{})
	if err != nil || string(got.MasterKey.PublicKey) != string(masterKey) || string(got.MasterKey.PublishedBy) != string(gk.pub) {
		t.Fatalf("master key %+v %v", got, err)
	}
	// A replica submits the same message: idempotent.
	res, err = f.srv.SubmitEgress(f.ctx, first)
	if err != nil || !res.Duplicate {
		t.Fatalf("replica's duplicate: %+v %v", res, err)
	}
	// Another message under a used sequence number: a replay.
	if _, err := f.srv.SubmitEgress(f.ctx, gk.msg(t, 1, publish(bytesOf(0x6b)))); !errors.Is(err, types.ErrEgressReplay) {
		t.Fatalf("another message 1: %v", err)
	}
	// Publishing again is rejected, the sequence still advances.
	res, err = f.srv.SubmitEgress(f.ctx, gk.msg(t, 2, publish(bytesOf(0x6b))))
	if err != nil || res.Rejected != "the master key is already published and no rotation is pending" {
		t.Fatalf("second master key: %+v %v", res, err)
	}
	if got, _ := f.q.MasterKey(f.ctx, &types.QueryMasterKeyRequest{}); string(got.MasterKey.PublicKey) != string(masterKey) {
		t.Fatal("the master key changed")
	}
	garbage := gk.msg(t, 3, publish(masterKey))
	garbage.Payload = []byte{0xff, 0xff}
	garbage.Signature = ed25519.Sign(gk.key, egress.SignBytes(f.ctx.ChainID(), gk.pub, 3, garbage.Payload))
	if res, err := f.srv.SubmitEgress(f.ctx, garbage); err != nil || res.Rejected == "" {
		t.Fatalf("undecodable payload: %+v %v", res, err)
	}

	gs, err := f.k.ExportGenesis(f.ctx)
	if err != nil || gs.MasterKey == nil || len(gs.Egress) != 2 || gs.Validate() != nil {
		t.Fatalf("export: %v %+v", err, gs)
	}
}

// TestMasterKeyHandOver: a gatekeeper's enclave shares the real master key
// with a second gatekeeper's enclave through egress; the chain queues it in
// the recipient's ingress, where only the recipient can open it.
func TestMasterKeyHandOver(t *testing.T) {
	f := newRegistryFixture(t, allowSim)
	first := newEnclaveSender(t, f)
	gov := authtypes.NewModuleAddress(govtypes.ModuleName).String()
	if _, err := f.srv.AddGatekeeper(f.ctx, &types.MsgAddGatekeeper{Authority: gov, IdentityPubkey: first.pub}); err != nil {
		t.Fatal(err)
	}
	// The second gatekeeper's enclave, with real sealed keys.
	platform, err := sim.Open(t.TempDir(), tee.Measurement{MRSigner: sim.Signer, ISVProdID: sim.DefaultProdID})
	if err != nil {
		t.Fatal(err)
	}
	secondKeys, err := keys.LoadOrCreate(platform, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	second := registerSimWorkerKeys(t, f, secondKeys.IdentityPublic(), secondKeys.ECDHPublic())

	master, err := masterkey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if res, err := f.srv.SubmitEgress(f.ctx, first.msg(t, 1, publish(master.Public()))); err != nil || res.Rejected != "" {
		t.Fatalf("publish: %+v %v", res, err)
	}
	share, err := master.ShareTo(f.ctx.ChainID(), second, secondKeys.ECDHPublic())
	if err != nil {
		t.Fatal(err)
	}
	shareMsg := &enclaveapi.EgressMessage{Body: &enclaveapi.EgressMessage_MasterKeyShare{MasterKeyShare: &enclaveapi.MasterKeyShare{To: second, Share: share, Generation: 1}}}
	// Not yet a gatekeeper: rejected, nothing queued.
	res, err := f.srv.SubmitEgress(f.ctx, first.msg(t, 2, shareMsg))
	if err != nil || !strings.Contains(res.Rejected, "is not a gatekeeper") {
		t.Fatalf("share to a non-gatekeeper: %+v %v", res, err)
	}
	if n, _ := f.k.IngressLength.Get(f.ctx, second); n != 1 {
		t.Fatalf("the recipient's queue holds %d messages, want only its registration", n)
	}
	if _, err := f.srv.AddGatekeeper(f.ctx, &types.MsgAddGatekeeper{Authority: gov, IdentityPubkey: second}); err != nil {
		t.Fatal(err)
	}
	if res, err := f.srv.SubmitEgress(f.ctx, first.msg(t, 3, shareMsg)); err != nil || res.Rejected != "" {
		t.Fatalf("share: %+v %v", res, err)
	}
	// Each enclave was told through its queue: the first that it generates
	// the key, then (once published) asked for randomness, then that the
	// second joined (with its X25519 key); the second that it is a
	// gatekeeper but not the first; then the share.
	queue := func(dest []byte, seq uint64) *enclaveapi.IngressMessage {
		t.Helper()
		m, err := f.k.Ingress.Get(f.ctx, ingress.MessageKey(dest, seq)[1:])
		if err != nil {
			t.Fatalf("ingress %x/%d: %v", dest[:4], seq, err)
		}
		return &m
	}
	if a := queue(first.pub, 2).GetGatekeeperAppointed(); a == nil || !a.First {
		t.Fatalf("the first gatekeeper's appointment: %+v", a)
	}
	if r := queue(first.pub, 3).GetRandomnessRequest(); r == nil {
		t.Fatalf("the publisher was not asked for randomness: %+v", queue(first.pub, 3))
	}
	if added := queue(first.pub, 4).GetGatekeeperAdded(); added == nil || string(added.EcdhPubkey) != string(secondKeys.ECDHPublic()) {
		t.Fatalf("the first gatekeeper was not told of the second: %+v", added)
	}
	if a := queue(second, 2).GetGatekeeperAppointed(); a == nil || a.First {
		t.Fatalf("the second gatekeeper's appointment: %+v", a)
	}
	queued := queue(second, 3)
	if queued.GetMasterKeyShare() == nil {
		t.Fatalf("ingress message 3: %+v", queued)
	}
	mk, _ := f.k.MasterKey.Get(f.ctx)
	got, err := masterkey.Receive(secondKeys, f.ctx.ChainID(), second, mk.PublicKey, queued.GetMasterKeyShare().Share)
	if err != nil || string(got.Public()) != string(master.Public()) {
		t.Fatalf("the second gatekeeper cannot take the master key: %v", err)
	}
}
