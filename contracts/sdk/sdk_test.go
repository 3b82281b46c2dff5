package sdk

import (
	"errors"
	"strings"
	"testing"
)

type msg struct {
	N int `json:"n"`
}

func TestDecode(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want string // error substring, "" for success
	}{
		{`{"n": 1}`, ""},
		{``, ""},
		{`  `, ""},
		{`{"n": 1, "m": 2}`, `unknown field "m"`},
		{`{"n": "x"}`, "cannot unmarshal"},
		{`{"n": 1} {"n": 2}`, "data after the JSON value"},
		{`{`, "invalid message"},
	} {
		var m msg
		err := Decode([]byte(c.raw), &m)
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%q: %v, want %q", c.raw, err, c.want)
		}
	}
}

// TestHandlers: results are JSON, errors and panics are refusals, and a
// query cannot write.
func TestHandlers(t *testing.T) {
	st := NewTestState()
	h := typed(func(ctx *Context, m msg) (any, error) {
		switch m.N {
		case 0:
			return nil, errors.New("zero")
		case 1:
			var p *msg
			return p.N, nil
		case 2:
			ctx.Set("k", []byte("v"))
		}
		return m, nil
	})
	ctx := NewTestContext(Env{}, st, false)
	if out, err := run(h, ctx, []byte(`{"n": 3}`)); err != nil || string(out) != `{"n":3}` {
		t.Fatalf("%s %v", out, err)
	}
	if _, err := run(h, ctx, []byte(`{"n": 0}`)); err == nil || err.Error() != "zero" {
		t.Fatalf("error: %v", err)
	}
	if _, err := run(h, ctx, []byte(`{"n": 1}`)); err == nil || !strings.HasPrefix(err.Error(), "panic: runtime error") {
		t.Fatalf("panic: %v", err)
	}
	if _, err := run(h, NewTestContext(Env{}, st, true), []byte(`{"n": 2}`)); err == nil || !strings.Contains(err.Error(), ErrReadOnly.Error()) {
		t.Fatalf("write in a query: %v", err)
	}
	if len(st.Values) != 0 {
		t.Fatal("the query wrote")
	}
	if _, err := run(nil, ctx, nil); err == nil {
		t.Fatal("no handler registered, no error")
	}
}

func TestLoadSave(t *testing.T) {
	st := NewTestState()
	ctx := NewTestContext(Env{}, st, false)
	if _, found, err := Load[msg](ctx, "m"); found || err != nil {
		t.Fatal("found an absent key")
	}
	if err := Save(ctx, "m", msg{N: 4}); err != nil {
		t.Fatal(err)
	}
	if m, found, err := Load[msg](ctx, "m"); !found || err != nil || m.N != 4 {
		t.Fatalf("%v %v %v", m, found, err)
	}
	ctx.Set("bad", []byte("{"))
	if _, _, err := Load[msg](ctx, "bad"); err == nil {
		t.Fatal("corrupt state decoded")
	}
	ctx.Delete("bad")
	if got := st.Keys(); len(got) != 1 || got[0] != "m" {
		t.Fatalf("keys %v", got)
	}
	ctx.Emit("x.y", "k", "v")
	ctx.Send("to", "uphala", 0) // nothing to pay
	ctx.Send("to", "uphala", 5)
	if len(st.Events) != 1 || len(st.Payments) != 1 || st.Payments[0].Amount != "5" {
		t.Fatalf("%+v %+v", st.Events, st.Payments)
	}
}

func TestRandomUint64(t *testing.T) {
	ctx := NewTestContext(Env{}, NewTestState(), true)
	seen := map[uint64]bool{}
	for i := 0; i < 200; i++ {
		v := ctx.RandomUint64(3)
		if v >= 3 {
			t.Fatalf("%d out of range", v)
		}
		seen[v] = true
	}
	if len(seen) != 3 {
		t.Fatalf("200 draws below 3 gave only %v", seen)
	}
}

func TestCoin(t *testing.T) {
	if n, err := (Coin{"u", "18446744073709551615"}).Uint64(); err != nil || n != 1<<64-1 {
		t.Fatal(n, err)
	}
	if _, err := (Coin{"u", "18446744073709551616"}).Uint64(); err == nil {
		t.Fatal("overflow accepted")
	}
}
