package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/internal/wasmbuild"
)

// session drives one contract through the runtime, committing writes as
// the enclave would.
type session struct {
	t     *testing.T
	rt    *Runtime
	code  []byte
	state mapState
}

func newSession(t *testing.T, dir string) *session {
	cfg := DefaultConfig()
	cfg.Engine = EngineCompiler // fuel is engine-independent (TestHello); this is faster
	rt := New(cfg)
	t.Cleanup(func() { rt.Close(context.Background()) })
	return &session{t: t, rt: rt, code: wasmbuild.Build(t, dir), state: mapState{}}
}

func (s *session) call(entry Entry, e Env, msg string) (*Outcome, error) {
	out, err := s.rt.Run(context.Background(), s.code, Call{Entry: entry, Msg: []byte(msg), Env: e, State: s.state, Fuel: plenty})
	if err == nil {
		s.state.apply(out.Writes)
	}
	return out, err
}

func (s *session) must(entry Entry, e Env, msg string) *Outcome {
	s.t.Helper()
	out, err := s.call(entry, e, msg)
	if err != nil {
		s.t.Fatalf("%s %s: %v", entry, msg, err)
	}
	return out
}

func decode[T any](t *testing.T, out *Outcome) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(out.Output, &v); err != nil {
		t.Fatalf("output %s: %v", out.Output, err)
	}
	return v
}

func TestTokenContract(t *testing.T) {
	s := newSession(t, "../../contracts/token")
	alice, bob := env("alice"), env("bob")
	s.must(EntryInit, alice, `{"denom": "uphala"}`)
	deposit := alice
	deposit.Funds = []Coin{{Denom: "uphala", Amount: "100"}}
	s.must(EntryHandle, deposit, `{"deposit": {}}`)
	s.must(EntryHandle, alice, `{"transfer": {"to": "bob", "amount": 40}}`)
	if _, err := s.call(EntryHandle, alice, `{"transfer": {"to": "bob", "amount": 61}}`); !errors.Is(err, ErrRefused) {
		t.Fatalf("overdraft: %v", err)
	}
	out := s.must(EntryHandle, bob, `{"withdraw": {"amount": 15}}`)
	if len(out.Sends) != 1 || out.Sends[0] != (Send{To: "bob", Coin: Coin{Denom: "uphala", Amount: "15"}}) {
		t.Fatalf("sends %+v", out.Sends)
	}
	type balance struct{ Balance uint64 }
	if b := decode[balance](t, s.must(EntryQuery, bob, `{"balance": {}}`)); b.Balance != 25 {
		t.Fatalf("bob has %d", b.Balance)
	}
	if b := decode[balance](t, s.must(EntryHandle, alice, `{"balance": {}}`)); b.Balance != 60 {
		t.Fatalf("alice has %d", b.Balance)
	}
	if _, err := s.call(EntryQuery, env(""), `{"balance": {}}`); !errors.Is(err, ErrRefused) {
		t.Fatalf("anonymous balance query: %v", err)
	}
}

func TestAuctionContract(t *testing.T) {
	s := newSession(t, "../../contracts/auction")
	at := func(who string, height int64) Env { e := env(who); e.Height = height; return e }
	s.must(EntryInit, at("seller", 10), `{"item": "painting", "closes_at_height": 20}`)
	s.must(EntryHandle, at("alice", 11), `{"bid": {"amount": 100}}`)
	s.must(EntryHandle, at("bob", 12), `{"bid": {"amount": 130}}`)
	out := s.must(EntryHandle, at("carol", 20), `{"close": {}}`)
	if len(out.Events) != 1 || out.Events[0].Attributes[0].Value != "bob" || out.Events[0].Attributes[1].Value != "100" {
		t.Fatalf("closing events %+v", out.Events)
	}
}

func TestRiskControlContract(t *testing.T) {
	s := newSession(t, "../../contracts/riskcontrol")
	s.must(EntryInit, env("x"), `{"parties": ["a", "b"], "limit": 100}`)
	s.must(EntryHandle, env("a"), `{"submit": {"exposure": 30}}`)
	s.must(EntryHandle, env("b"), `{"submit": {"exposure": 50}}`)
	out := s.must(EntryHandle, env("b"), `{"reveal": {}}`)
	if ev := out.Events[0]; ev.Type != "risk.revealed" || ev.Attributes[0].Value != "80" || ev.Attributes[1].Value != "false" {
		t.Fatalf("reveal %+v", ev)
	}
}

func TestTemplateContract(t *testing.T) {
	s := newSession(t, "../../contracts/template")
	s.must(EntryInit, env("alice"), `{}`)
	s.must(EntryHandle, env("alice"), `{"set_note": {"text": "hi"}}`)
	if n := decode[struct{ Text string }](t, s.must(EntryHandle, env("alice"), `{"get_note": {}}`)); n.Text != "hi" {
		t.Fatalf("note %q", n.Text)
	}
}
