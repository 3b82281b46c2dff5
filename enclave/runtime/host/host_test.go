package host

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/phala-cosmos/phala-cosmos/internal/wasmbuild"
)

// run starts the probe in a fresh runtime with env and returns its output.
func run(t *testing.T, cfg wazero.RuntimeConfig, bin []byte, env *Env) string {
	t.Helper()
	ctx := WithEnv(context.Background(), env)
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	defer r.Close(ctx)
	compiled, err := r.CompileModule(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := Instantiate(ctx, r, compiled); err != nil {
		t.Fatal(err)
	}
	mod, err := r.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithStartFunctions("_initialize"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mod.ExportedFunction("probe").Call(ctx); err != nil {
		t.Fatal(err)
	}
	return string(env.Output)
}

// TestDeterministic: a Go contract reading the clock, the runtime's random
// numbers and map iteration order prints the same thing on every run and
// engine given the same Env, and something else given another seed.
func TestDeterministic(t *testing.T) {
	bin := wasmbuild.Build(t, "./testdata/probe")
	blockTime := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	env := func(seed byte) *Env { return &Env{Time: blockTime, Seed: [32]byte{seed}} }

	first := run(t, wazero.NewRuntimeConfigInterpreter(), bin, env(1))
	t.Logf("seed 1: %q", first)
	if !strings.HasPrefix(first, fmt.Sprint(blockTime.UnixNano())) {
		t.Fatalf("the contract's clock is not the block time: %q", first)
	}
	for name, cfg := range map[string]wazero.RuntimeConfig{
		"interpreter again": wazero.NewRuntimeConfigInterpreter(),
		"compiler":          wazero.NewRuntimeConfigCompiler(),
	} {
		if got := run(t, cfg, bin, env(1)); got != first {
			t.Fatalf("%s: %q, want %q", name, got, first)
		}
	}
	if other := run(t, wazero.NewRuntimeConfigInterpreter(), bin, env(2)); other == first {
		t.Fatalf("another seed gave the same random numbers and map order: %q", other)
	}
}

// TestRandomStream: the stream depends only on the seed and the position,
// not on how the contract splits its reads; another seed gives another one.
func TestRandomStream(t *testing.T) {
	var a, b, c [40]byte
	e1, e2, e3 := &Env{Seed: [32]byte{9}}, &Env{Seed: [32]byte{9}}, &Env{Seed: [32]byte{10}}
	e1.read(a[:10])
	e1.read(a[10:33])
	e1.read(a[33:])
	e2.read(b[:])
	e3.read(c[:])
	if a != b {
		t.Fatal("the random stream depends on how it is read")
	}
	if a == c {
		t.Fatal("two seeds gave the same stream")
	}
}
