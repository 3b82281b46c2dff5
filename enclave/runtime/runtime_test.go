package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phala-cosmos/phala-cosmos/internal/wasmbuild"
)

// Built once per test binary: each build takes seconds.
var (
	buildOnce         sync.Once
	helloWasm, abuseW []byte
)

func contracts(t *testing.T) (hello, abuse []byte) {
	t.Helper()
	buildOnce.Do(func() {
		helloWasm = wasmbuild.Build(t, "../../contracts/hello")
		abuseW = wasmbuild.Build(t, "./testdata/abuse")
	})
	if helloWasm == nil || abuseW == nil {
		t.Fatal("the test contracts did not build")
	}
	return helloWasm, abuseW
}

// mapState is a State over a map, with the writes of an Outcome applied.
type mapState map[string][]byte

func (s mapState) Get(key []byte) ([]byte, bool, error) {
	v, ok := s[string(key)]
	return v, ok, nil
}

func (s mapState) apply(ws []Write) {
	for _, w := range ws {
		if w.Value == nil {
			delete(s, string(w.Key))
		} else {
			s[string(w.Key)] = w.Value
		}
	}
}

func (s mapState) clone() mapState {
	c := mapState{}
	for k, v := range s {
		c[k] = v
	}
	return c
}

const plenty = 1 << 40

var blockTime = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

func env(sender string) Env {
	return Env{Sender: sender, Contract: "phala1contract", Height: 42, Time: blockTime, Seed: [32]byte{7}}
}

var engines = []Engine{EngineInterpreter, EngineCompiler}

// TestHello runs the tutorial's contract on both engines: same results,
// same events, same writes and exactly the same fuel.
func TestHello(t *testing.T) {
	hello, _ := contracts(t)
	ctx := context.Background()
	type step struct {
		entry  Entry
		sender string
		msg    string
		want   string
	}
	steps := []step{
		{EntryInit, "alice", `{"count": 5}`, ``},
		{EntryHandle, "bob", `{"increment": {"by": 3}}`, `{"count":8,"owner":"alice"}`},
		{EntryHandle, "bob", `{"increment": {}}`, `{"count":9,"owner":"alice"}`},
		{EntryQuery, "", `{"get_count": {}}`, `{"count":9,"owner":"alice"}`},
	}
	var fuelOf [][]uint64
	for _, engine := range engines {
		cfg := DefaultConfig()
		cfg.Engine = engine
		rt := New(cfg)
		defer rt.Close(ctx)
		state := mapState{}
		var fuel []uint64
		for i, s := range steps {
			out, err := rt.Run(ctx, hello, Call{Entry: s.entry, Msg: []byte(s.msg), Env: env(s.sender), State: state, Fuel: plenty})
			if err != nil {
				t.Fatalf("%s step %d: %v\nlog: %s", engine, i, err, out.Log)
			}
			if string(out.Output) != s.want {
				t.Fatalf("%s step %d: output %s, want %s", engine, i, out.Output, s.want)
			}
			if s.entry == EntryQuery && len(out.Writes) != 0 {
				t.Fatalf("a query wrote %v", out.Writes)
			}
			if s.entry == EntryHandle {
				if len(out.Events) != 1 || out.Events[0].Type != "hello.incremented" || out.Events[0].Attributes[0] != (Attribute{"by_owner", "false"}) {
					t.Fatalf("events: %+v", out.Events)
				}
			}
			state.apply(out.Writes)
			fuel = append(fuel, out.FuelUsed)
		}
		if got := string(state["counter"]); got != `{"count":9,"owner":"alice"}` {
			t.Fatalf("%s: state %s", engine, got)
		}
		t.Logf("%s: fuel per step %v", engine, fuel)
		fuelOf = append(fuelOf, fuel)
	}
	if fmt.Sprint(fuelOf[0]) != fmt.Sprint(fuelOf[1]) {
		t.Fatalf("the engines charged different fuel: %v and %v", fuelOf[0], fuelOf[1])
	}
}

// TestOutOfFuel: a command given one unit less than it needs runs out on
// both engines, uses exactly its limit and writes nothing; given exactly
// what it needs it succeeds.
func TestOutOfFuel(t *testing.T) {
	hello, abuse := contracts(t)
	ctx := context.Background()
	state := mapState{}
	rt := New(DefaultConfig())
	defer rt.Close(ctx)
	init, err := rt.Run(ctx, hello, Call{Entry: EntryInit, Env: env("alice"), State: state, Fuel: plenty})
	if err != nil {
		t.Fatal(err)
	}
	state.apply(init.Writes)
	inc := Call{Entry: EntryHandle, Msg: []byte(`{"increment": {}}`), Env: env("alice"), State: state, Fuel: plenty}
	out, err := rt.Run(ctx, hello, inc)
	if err != nil {
		t.Fatal(err)
	}
	need := out.FuelUsed
	for _, engine := range engines {
		cfg := DefaultConfig()
		cfg.Engine = engine
		r := New(cfg)
		defer r.Close(ctx)
		short := inc
		short.Fuel = need - 1
		out, err := r.Run(ctx, hello, short)
		if !errors.Is(err, ErrOutOfFuel) {
			t.Fatalf("%s: with %d fuel of %d: %v", engine, need-1, need, err)
		}
		if out.FuelUsed != need-1 || len(out.Writes) != 0 || len(out.Events) != 0 || len(out.Output) != 0 {
			t.Fatalf("%s: out of fuel left %+v", engine, out)
		}
		exact := inc
		exact.Fuel = need
		if out, err := r.Run(ctx, hello, exact); err != nil || out.FuelUsed != need {
			t.Fatalf("%s: with exactly %d fuel: %v (used %d)", engine, need, err, out.FuelUsed)
		}
		loop := Call{Entry: EntryHandle, Msg: []byte(`{"op": "loop"}`), Env: env("alice"), State: mapState{}, Fuel: 10_000_000}
		if out, err := r.Run(ctx, abuse, loop); !errors.Is(err, ErrOutOfFuel) || out.FuelUsed != loop.Fuel {
			t.Fatalf("%s: an endless loop: %v (used %d)", engine, err, out.FuelUsed)
		}
	}
	if string(state["counter"]) != `{"count":0,"owner":"alice"}` {
		t.Fatalf("state changed: %s", state["counter"])
	}
}

// TestMisbehaviour: each way a contract can go wrong gives its error, the
// same on both engines, and no writes.
func TestMisbehaviour(t *testing.T) {
	_, abuse := contracts(t)
	ctx := context.Background()
	cases := []struct {
		entry   Entry
		msg     string
		want    error
		message string
	}{
		{EntryHandle, `{"op": "write_then_fail"}`, ErrRefused, "refusing after a write"},
		{EntryHandle, `{"op": "write_then_panic"}`, ErrRefused, "panic: runtime error: invalid memory address or nil pointer dereference"},
		{EntryHandle, `{"op": "nope"}`, ErrRefused, "unknown op"},
		{EntryHandle, `{"op": "loop", "extra": 1}`, ErrRefused, `invalid message: json: unknown field "extra"`},
		{EntryHandle, `not json`, ErrRefused, "invalid message"},
		{EntryHandle, `{"op": "alloc", "arg": 100}`, ErrTrap, "wasm error: unreachable"}, // over 64 MiB: the Go runtime aborts
		{EntryHandle, `{"op": "writes", "arg": 1025}`, ErrHostCall, "more than 1024 keys written"},
		{EntryHandle, `{"op": "big_key", "arg": 257}`, ErrHostCall, "a state key of 257 bytes"},
		{EntryHandle, `{"op": "big_output", "arg": 70000}`, ErrHostCall, "an output of 70000 bytes"},
		{EntryHandle, `{"op": "bad_event"}`, ErrHostCall, "an event must be JSON"},
		{EntryQuery, `{"op": "write_then_fail"}`, ErrRefused, "panic: sdk: queries cannot write state"},
		{EntryQuery, `{"op": "raw_write"}`, ErrHostCall, "a query may not write state"},
	}
	for _, engine := range engines {
		cfg := DefaultConfig()
		cfg.Engine = engine
		rt := New(cfg)
		defer rt.Close(ctx)
		for _, c := range cases {
			out, err := rt.Run(ctx, abuse, Call{Entry: c.entry, Msg: []byte(c.msg), Env: env("mallory"), State: mapState{}, Fuel: 1 << 36})
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.message) {
				t.Fatalf("%s %s %s: %v, want %v with %q", engine, c.entry, c.msg, err, c.want, c.message)
			}
			if len(out.Writes) != 0 || len(out.Events) != 0 || out.FuelUsed == 0 {
				t.Fatalf("%s %s: %+v", engine, c.msg, out)
			}
		}
	}
	// Within the limits the same contract works.
	rt := New(DefaultConfig())
	defer rt.Close(ctx)
	for _, msg := range []string{`{"op": "alloc", "arg": 20}`, `{"op": "writes", "arg": 1023}`} {
		if out, err := rt.Run(ctx, abuse, Call{Entry: EntryHandle, Msg: []byte(msg), Env: env("a"), State: mapState{}, Fuel: 1 << 36}); err != nil {
			t.Fatalf("%s: %v\n%s", msg, err, out.Log)
		}
	}
}

// TestWritesAndReads: writes come back sorted, deletions as nil, and a call
// reads its own writes before they are committed.
func TestWritesAndReads(t *testing.T) {
	_, abuse := contracts(t)
	ctx := context.Background()
	rt := New(DefaultConfig())
	defer rt.Close(ctx)
	state := mapState{"z": []byte("old")}
	out, err := rt.Run(ctx, abuse, Call{Entry: EntryHandle, Msg: []byte(`{"op": "writes", "arg": 30}`), Env: env("a"), State: state, Fuel: plenty})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Writes) != 31 {
		t.Fatalf("%d writes, want 31", len(out.Writes))
	}
	for i := 1; i < len(out.Writes); i++ {
		if bytes.Compare(out.Writes[i-1].Key, out.Writes[i].Key) >= 0 {
			t.Fatalf("writes not sorted at %d: %q then %q", i, out.Writes[i-1].Key, out.Writes[i].Key)
		}
	}
	for _, w := range out.Writes {
		if (string(w.Key) == "z") != (w.Value == nil) {
			t.Fatalf("write %q = %q: only z is deleted", w.Key, w.Value)
		}
	}
	if len(state) != 1 {
		t.Fatal("Run changed the state it was given")
	}
	state["a"] = []byte("committed")
	q, err := rt.Run(ctx, abuse, Call{Entry: EntryQuery, Msg: []byte(`{"op": "read"}`), Env: env("a"), State: state, Fuel: plenty})
	if err != nil || string(q.Output) != `{"found":true,"value":"committed"}` {
		t.Fatalf("read: %s %v", q.Output, err)
	}
}

// TestDeterministicEnvironment: the contract sees the call's Env, and its
// random numbers and map order depend on the seed alone, on both engines.
func TestDeterministicEnvironment(t *testing.T) {
	_, abuse := contracts(t)
	ctx := context.Background()
	run := func(engine Engine, op string, seed byte) string {
		cfg := DefaultConfig()
		cfg.Engine = engine
		rt := New(cfg)
		defer rt.Close(ctx)
		e := env("alice")
		e.Seed = [32]byte{seed}
		out, err := rt.Run(ctx, abuse, Call{Entry: EntryQuery, Msg: []byte(`{"op": "` + op + `"}`), Env: e, State: mapState{}, Fuel: plenty})
		if err != nil {
			t.Fatal(err)
		}
		return string(out.Output)
	}
	var got Env
	if err := json.Unmarshal([]byte(run(EngineInterpreter, "env", 1)), &got); err != nil {
		t.Fatal(err)
	}
	if want := env("alice"); got.Sender != want.Sender || got.Contract != want.Contract || got.Height != 42 || !got.Time.Equal(blockTime) {
		t.Fatalf("env %+v", got)
	}
	first := run(EngineInterpreter, "random", 1)
	t.Logf("seed 1: %s", first)
	if again := run(EngineCompiler, "random", 1); again != first {
		t.Fatalf("the compiler drew %s, the interpreter %s", again, first)
	}
	if other := run(EngineInterpreter, "random", 2); other == first {
		t.Fatal("another seed drew the same numbers")
	}
}

// TestInvalidCode: what is not a contract is refused before any call.
func TestInvalidCode(t *testing.T) {
	ctx := context.Background()
	rt := New(DefaultConfig())
	defer rt.Close(ctx)
	notContract := wasmbuild.Build(t, "./meter/testdata/counter")
	for name, c := range map[string]struct {
		code []byte
		want string
	}{
		"garbage":      {[]byte("not wasm"), "not a WebAssembly 1.0 binary"},
		"no entry":     {notContract, "it does not export phala_init"},
		"truncated":    {notContract[:len(notContract)/2], "meter"},
		"empty module": {[]byte{0, 'a', 's', 'm', 1, 0, 0, 0}, "it does not export _initialize"},
	} {
		err := rt.Validate(ctx, c.code)
		if !errors.Is(err, ErrInvalidCode) || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s: %v, want %q", name, err, c.want)
		}
		if _, err := rt.Run(ctx, c.code, Call{Entry: EntryHandle, State: mapState{}, Fuel: plenty}); !errors.Is(err, ErrInvalidCode) {
			t.Fatalf("%s: Run: %v", name, err)
		}
	}
	if rt.cache.len() != 0 {
		t.Fatal("invalid code was cached")
	}
}

// TestCache: programs are compiled once, evicted least recently used
// first, and an evicted program still serves the calls using it.
func TestCache(t *testing.T) {
	hello, abuse := contracts(t)
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.CacheSize = 1
	rt := New(cfg)
	defer rt.Close(ctx)
	query := func(code []byte, msg string) error {
		_, err := rt.Run(ctx, code, Call{Entry: EntryQuery, Msg: []byte(msg), Env: env(""), State: mapState{}, Fuel: plenty})
		return err
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go func() { defer wg.Done(); errs <- query(hello, `{"get_count": {}}`) }()
		go func() { defer wg.Done(); errs <- query(abuse, `{"op": "env"}`) }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := rt.cache.len(); n != 1 {
		t.Fatalf("%d programs cached, the limit is 1", n)
	}
	rt.cache.mu.Lock()
	evicted := len(rt.cache.evicted)
	rt.cache.mu.Unlock()
	if evicted != 0 {
		t.Fatalf("%d evicted programs were never closed", evicted)
	}
}

func TestParseEngine(t *testing.T) {
	for _, e := range engines {
		if got, err := ParseEngine(e.String()); err != nil || got != e {
			t.Fatalf("%s: %v %v", e, got, err)
		}
	}
	if _, err := ParseEngine("jit"); err == nil {
		t.Fatal("jit accepted")
	}
}
