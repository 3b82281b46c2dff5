package keeper_test

import (
	"errors"
	"strings"
	"testing"

	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

func publishGeneration(key []byte, generation uint32) *enclaveapi.EgressMessage {
	return &enclaveapi.EgressMessage{Body: &enclaveapi.EgressMessage_MasterKeyPublished{
		MasterKeyPublished: &enclaveapi.MasterKeyPublished{PublicKey: key, Generation: generation}}}
}

// TestMasterKeyRotation: governance orders a rotation; only the leader's
// enclave may publish, and only the next generation; the old generation
// stays in the history and shares of it are still relayed; the leader is
// told to share with the other gatekeepers.
func TestMasterKeyRotation(t *testing.T) {
	f := newRegistryFixture(t, allowSim)
	a, b, plain := newEnclaveSender(t, f), newEnclaveSender(t, f), newEnclaveSender(t, f)
	gov := authtypes.NewModuleAddress(govtypes.ModuleName).String()
	rotate := func(leader []byte) (*types.MsgRotateMasterKeyResponse, error) {
		return f.srv.RotateMasterKey(f.ctx, &types.MsgRotateMasterKey{Authority: gov, Leader: leader})
	}
	if _, err := rotate(nil); !errors.Is(err, types.ErrRotation) || !strings.Contains(err.Error(), "nothing to rotate") {
		t.Fatalf("rotation before any key: %v", err)
	}
	for _, g := range []*enclaveSender{a, b} {
		if _, err := f.srv.AddGatekeeper(f.ctx, &types.MsgAddGatekeeper{Authority: gov, IdentityPubkey: g.pub}); err != nil {
			t.Fatal(err)
		}
	}
	if r := a.submit(t, publishGeneration(bytesOf(0x01), 1)); r != "" {
		t.Fatal(r)
	}
	if _, err := f.srv.RotateMasterKey(f.ctx, &types.MsgRotateMasterKey{Authority: plain.f.operator.Address.String()}); !errors.Is(err, types.ErrInvalidSigner) {
		t.Fatalf("rotation by a stranger: %v", err)
	}
	if _, err := rotate(plain.pub); !errors.Is(err, types.ErrRotation) {
		t.Fatalf("a non-gatekeeper leader: %v", err)
	}
	res, err := rotate(nil)
	if err != nil || res.Generation != 2 || string(res.Leader) != string(a.pub) {
		t.Fatalf("rotation: %+v %v (want generation 2 led by the publisher)", res, err)
	}
	n, _ := f.k.IngressLength.Get(f.ctx, a.pub)
	m, err := f.k.Ingress.Get(f.ctx, ingress.MessageKey(a.pub, n)[1:])
	if err != nil || m.GetMasterKeyRotation().GetGeneration() != 2 {
		t.Fatalf("the leader's queue ends with %+v (%v)", m, err)
	}

	for name, tc := range map[string]struct {
		from *enclaveSender
		msg  *enclaveapi.EgressMessage
		want string
	}{
		"not the leader":      {b, publishGeneration(bytesOf(0x02), 2), "led by gatekeeper"},
		"skipping generation": {a, publishGeneration(bytesOf(0x02), 3), "rotation is to generation 2"},
	} {
		if r := tc.from.submit(t, tc.msg); !strings.Contains(r, tc.want) {
			t.Fatalf("%s: %q, want %q", name, r, tc.want)
		}
	}
	if r := a.submit(t, publishGeneration(bytesOf(0x02), 2)); r != "" {
		t.Fatal(r)
	}
	q, err := f.q.MasterKey(f.ctx, &types.QueryMasterKeyRequest{})
	if err != nil || q.MasterKey.Generation != 2 || string(q.MasterKey.PublicKey) != string(bytesOf(0x02)) ||
		len(q.History) != 2 || string(q.History[0].PublicKey) != string(bytesOf(0x01)) || q.Rotation != nil {
		t.Fatalf("after the rotation: %+v %v", q, err)
	}
	// The leader is told of b, to share the new generation with it.
	n, _ = f.k.IngressLength.Get(f.ctx, a.pub)
	m, _ = f.k.Ingress.Get(f.ctx, ingress.MessageKey(a.pub, n)[1:])
	if added := m.GetGatekeeperAdded(); added == nil || string(added.Identity) != string(b.pub) {
		t.Fatalf("the leader's queue ends with %+v", m)
	}
	if r := a.submit(t, publishGeneration(bytesOf(0x03), 3)); !strings.Contains(r, "no rotation is pending") {
		t.Fatalf("an unordered generation: %q", r)
	}
	// Shares of either generation are relayed with that generation's key.
	for gen, key := range map[uint32][]byte{1: bytesOf(0x01), 2: bytesOf(0x02)} {
		if r := a.submit(t, &enclaveapi.EgressMessage{Body: &enclaveapi.EgressMessage_MasterKeyShare{
			MasterKeyShare: &enclaveapi.MasterKeyShare{To: b.pub, Share: []byte("sealed"), Generation: gen}}}); r != "" {
			t.Fatal(r)
		}
		n, _ := f.k.IngressLength.Get(f.ctx, b.pub)
		m, _ := f.k.Ingress.Get(f.ctx, ingress.MessageKey(b.pub, n)[1:])
		if s := m.GetMasterKeyShare(); s == nil || s.Generation != gen || string(s.MasterPublicKey) != string(key) {
			t.Fatalf("relayed share of generation %d: %+v", gen, m)
		}
	}
	if r := a.submit(t, &enclaveapi.EgressMessage{Body: &enclaveapi.EgressMessage_MasterKeyShare{
		MasterKeyShare: &enclaveapi.MasterKeyShare{To: b.pub, Share: []byte("sealed"), Generation: 3}}}); !strings.Contains(r, "generation 3") {
		t.Fatalf("a share of an unknown generation: %q", r)
	}
	gs, err := f.k.ExportGenesis(f.ctx)
	if err != nil || len(gs.MasterKeyHistory) != 2 || gs.Validate() != nil {
		t.Fatalf("export: %v, %d generations, validate %v", err, len(gs.MasterKeyHistory), gs.Validate())
	}
}
