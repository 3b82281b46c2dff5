package meter

import (
	"context"
	"errors"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/phala-cosmos/phala-cosmos/internal/wasmbuild"
)

// instance is an instrumented module started with a fuel budget.
type instance struct {
	mod  api.Module
	fuel api.MutableGlobal
}

func start(t *testing.T, ctx context.Context, cfg wazero.RuntimeConfig, bin []byte, fuel int64) (*instance, error) {
	t.Helper()
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	t.Cleanup(func() { r.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	// No start functions: the budget is set first, then _initialize runs metered.
	mod, err := r.InstantiateWithConfig(ctx, bin, wazero.NewModuleConfig().WithStartFunctions())
	if err != nil {
		t.Fatal(err)
	}
	g, ok := mod.ExportedGlobal(FuelGlobal).(api.MutableGlobal)
	if !ok {
		t.Fatalf("no mutable %s global", FuelGlobal)
	}
	g.Set(uint64(fuel))
	_, err = mod.ExportedFunction("_initialize").Call(ctx)
	return &instance{mod, g}, err
}

func (i *instance) left() int64 { return int64(i.fuel.Get()) }

var engines = map[string]func() wazero.RuntimeConfig{
	"interpreter": wazero.NewRuntimeConfigInterpreter,
	"compiler":    wazero.NewRuntimeConfigCompiler,
}

// TestGoContract: a Go wasip1 contract, instrumented, computes what it did
// before; both engines charge exactly the same fuel and run out at exactly
// the same point, with a trap.
func TestGoContract(t *testing.T) {
	ctx := context.Background()
	plain := wasmbuild.Build(t, "./testdata/counter")
	metered, err := Instrument(plain)
	if err != nil {
		t.Fatal(err)
	}
	const budget = int64(1) << 40
	used := map[string]int64{}
	for name, cfg := range engines {
		inst, err := start(t, ctx, cfg(), metered, budget)
		if err != nil {
			t.Fatalf("%s: _initialize: %v", name, err)
		}
		before := inst.left()
		res, err := inst.mod.ExportedFunction("increment").Call(ctx, 1000)
		if err != nil || res[0] != 1000 {
			t.Fatalf("%s: increment(1000) = %v, %v", name, res, err)
		}
		used[name] = before - inst.left()
		if used[name] < 1000 {
			t.Fatalf("%s: increment(1000) charged %d fuel, less than one per iteration", name, used[name])
		}
	}
	if used["interpreter"] != used["compiler"] {
		t.Fatalf("engines charged differently: %v", used)
	}

	// The same budget, too small for the call: both trap at the same point.
	left := map[string]int64{}
	for name, cfg := range engines {
		inst, err := start(t, ctx, cfg(), metered, budget)
		if err != nil {
			t.Fatal(err)
		}
		inst.fuel.Set(uint64(used[name] / 2))
		if _, err := inst.mod.ExportedFunction("increment").Call(ctx, 1000); err == nil {
			t.Fatalf("%s: the call finished with half the fuel it needs", name)
		}
		left[name] = inst.left()
		if left[name] >= 0 {
			t.Fatalf("%s: trapped with %d fuel left: not out of fuel", name, left[name])
		}
	}
	if left["interpreter"] != left["compiler"] {
		t.Fatalf("engines ran out at different points: %v", left)
	}
	// Instantiation itself is metered.
	if _, err := start(t, ctx, wazero.NewRuntimeConfigInterpreter(), metered, 10); err == nil {
		t.Fatal("_initialize ran on 10 units of fuel")
	}
	// Instrumenting twice is refused.
	if _, err := Instrument(metered); !errors.Is(err, ErrModule) {
		t.Fatalf("instrumenting an instrumented module: %v", err)
	}
}

// module builds a one-function module `() -> ()` with the given body
// (locals declaration included) and no other sections.
func module(body []byte) []byte {
	out := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	out = appendSection(out, 1, []byte{1, 0x60, 0, 0}) // one type: () -> ()
	out = appendSection(out, 3, []byte{1, 0})          // one function of type 0
	out = appendSection(out, 7, []byte{1, 1, 'f', 0, 0})
	code := appendU32([]byte{1}, uint32(len(body)))
	return appendSection(out, 10, append(code, body...))
}

// TestHandBuiltModules: a loop's body is charged per iteration; a module
// without a global section gets one; malformed and unsupported modules are
// refused with ErrModule.
func TestHandBuiltModules(t *testing.T) {
	ctx := context.Background()
	// (loop (br 0)) never ends unless fuel runs out.
	forever := module([]byte{0, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b})
	metered, err := Instrument(forever)
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range engines {
		r := wazero.NewRuntimeWithConfig(ctx, cfg())
		mod, err := r.Instantiate(ctx, metered)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		g := mod.ExportedGlobal(FuelGlobal).(api.MutableGlobal)
		g.Set(1000)
		if _, err := mod.ExportedFunction("f").Call(ctx); err == nil {
			t.Fatalf("%s: an endless loop returned", name)
		}
		// Entry block (loop: 1) then the loop body (br: 1) per iteration,
		// until the balance goes negative: 1000 - 1 - 1000 = -1.
		if left := int64(g.Get()); left != -1 {
			t.Fatalf("%s: %d fuel left, want -1", name, left)
		}
		r.Close(ctx)
	}

	for name, bin := range map[string][]byte{
		"not wasm":  []byte("hello"),
		"truncated": forever[:len(forever)-3],
		"simd":      module([]byte{0, 0xfd, 0x0c, 0x0b}),
		"bad op":    module([]byte{0, 0xff, 0x0b}),
	} {
		if _, err := Instrument(bin); !errors.Is(err, ErrModule) {
			t.Errorf("%s: %v, want ErrModule", name, err)
		}
	}
}

// FuzzInstrument: no input panics; what instruments is still a module
// wazero can decode if the input was.
func FuzzInstrument(f *testing.F) {
	f.Add(module([]byte{0, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b}))
	f.Add(module([]byte{0, 0x41, 0x7f, 0x1a, 0x0b}))
	f.Fuzz(func(t *testing.T, bin []byte) {
		out, err := Instrument(bin)
		if err != nil {
			return
		}
		ctx := context.Background()
		r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
		defer r.Close(ctx)
		if _, errIn := r.CompileModule(ctx, bin); errIn == nil {
			if _, errOut := r.CompileModule(ctx, out); errOut != nil {
				t.Fatalf("a valid module became invalid: %v", errOut)
			}
		}
	})
}

// BenchmarkOverhead runs increment(100000) in the Go test contract, plain and
// metered, on both engines (the plain module is the baseline of the same run).
func BenchmarkOverhead(b *testing.B) {
	ctx := context.Background()
	plain := wasmbuild.Build(b, "./testdata/counter")
	metered, err := Instrument(plain)
	if err != nil {
		b.Fatal(err)
	}
	for _, engine := range []string{"interpreter", "compiler"} {
		for _, variant := range []string{"plain", "metered"} {
			b.Run(engine+"/"+variant, func(b *testing.B) {
				r := wazero.NewRuntimeWithConfig(ctx, engines[engine]())
				defer r.Close(ctx)
				wasi_snapshot_preview1.MustInstantiate(ctx, r)
				bin := plain
				if variant == "metered" {
					bin = metered
				}
				mod, err := r.InstantiateWithConfig(ctx, bin, wazero.NewModuleConfig().WithStartFunctions())
				if err != nil {
					b.Fatal(err)
				}
				var fuel api.MutableGlobal
				if variant == "metered" {
					fuel = mod.ExportedGlobal(FuelGlobal).(api.MutableGlobal)
					fuel.Set(1 << 62)
				}
				if _, err := mod.ExportedFunction("_initialize").Call(ctx); err != nil {
					b.Fatal(err)
				}
				inc := mod.ExportedFunction("increment")
				for b.Loop() {
					if fuel != nil {
						fuel.Set(1 << 62)
					}
					if _, err := inc.Call(ctx, 100_000); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func TestExports(t *testing.T) {
	bin := wasmbuild.Build(t, "./testdata/counter")
	exports, err := Exports(bin)
	if err != nil {
		t.Fatal(err)
	}
	if exports["increment"] != ExportFunction || exports["_initialize"] != ExportFunction || exports["memory"] != ExportMemory {
		t.Fatalf("exports %v", exports)
	}
	if _, err := Exports(bin[:len(bin)/3]); !errors.Is(err, ErrModule) {
		t.Fatalf("a truncated module: %v", err)
	}
	if _, err := Exports([]byte("\x00asm\x02\x00\x00\x00")); !errors.Is(err, ErrModule) {
		t.Fatalf("version 2: %v", err)
	}
}
