// Package host is the only environment a contract sees: a deterministic
// implementation of the WASI preview 1 functions the Go wasip1 runtime
// imports. Time is the block time, randomness is a stream derived from a
// seed the chain fixes, standard output is captured (bounded), and there are
// no arguments, environment, files or sleeping. Every replica given the same
// Env therefore runs a contract identically, map iteration order included
// (the Go runtime seeds map hashing from random_get).
package host

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

// ModuleName is the import module the Go runtime uses.
const ModuleName = "wasi_snapshot_preview1"

// MaxOutput bounds what a contract may print per execution.
const MaxOutput = 64 << 10

// WASI errno values used here.
const (
	errnoSuccess = 0
	errnoBadF    = 8
	errnoFault   = 21
	errnoNoSys   = 52
)

// Env is one execution's environment.
type Env struct {
	// Time is what clocks read: the block time.
	Time time.Time
	// Seed derives the random stream (for example from the block and the
	// contract; secret to the enclave if it must not be predictable).
	Seed [32]byte
	// Output collects standard output and error, up to MaxOutput bytes.
	Output []byte

	counter uint64
	pending []byte
}

type envKey struct{}

// WithEnv returns ctx carrying env for the calls made with it.
func WithEnv(ctx context.Context, env *Env) context.Context {
	return context.WithValue(ctx, envKey{}, env)
}

func envOf(ctx context.Context) *Env {
	if e, ok := ctx.Value(envKey{}).(*Env); ok {
		return e
	}
	return &Env{} // no environment: the epoch and the zero seed
}

// read fills b from the seed's stream: SHA-256(seed ‖ counter) blocks.
func (e *Env) read(b []byte) {
	for len(b) > 0 {
		if len(e.pending) == 0 {
			block := sha256.Sum256(binary.BigEndian.AppendUint64(append([]byte{}, e.Seed[:]...), e.counter))
			e.counter++
			e.pending = block[:]
		}
		n := copy(b, e.pending)
		b, e.pending = b[n:], e.pending[n:]
	}
}

// Instantiate defines the host module in r for the contract compiled as
// contract: the functions above, and for any other WASI import the contract
// declares (files, sockets...) a function that answers ENOSYS, which is as
// deterministic as the rest. Imports from other modules are refused, but for
// the modules named in others, which the caller defines.
func Instantiate(ctx context.Context, r wazero.Runtime, contract wazero.CompiledModule, others ...string) error {
	b := r.NewHostModuleBuilder(ModuleName)
	defined := map[string]bool{}
	i32 := api.ValueTypeI32
	i64 := api.ValueTypeI64
	define := func(name string, fn api.GoModuleFunc, params []api.ValueType) {
		defined[name] = true
		b.NewFunctionBuilder().WithGoModuleFunction(fn, params, []api.ValueType{i32}).Export(name)
	}
	zeroSizes := api.GoModuleFunc(func(_ context.Context, m api.Module, stack []uint64) {
		stack[0] = errnoOf(m.Memory().WriteUint32Le(uint32(stack[0]), 0) && m.Memory().WriteUint32Le(uint32(stack[1]), 0))
	})
	nothing := api.GoModuleFunc(func(_ context.Context, _ api.Module, stack []uint64) { stack[0] = errnoSuccess })
	define("args_sizes_get", zeroSizes, []api.ValueType{i32, i32})
	define("environ_sizes_get", zeroSizes, []api.ValueType{i32, i32})
	define("args_get", nothing, []api.ValueType{i32, i32})
	define("environ_get", nothing, []api.ValueType{i32, i32})
	define("sched_yield", nothing, nil)
	define("clock_time_get", func(ctx context.Context, m api.Module, stack []uint64) {
		// At least 1: Go's runtime dies on a clock reading zero (a zero or
		// pre-1970 block time must not crash every contract).
		now := max(envOf(ctx).Time.UnixNano(), 1)
		stack[0] = errnoOf(m.Memory().WriteUint64Le(uint32(stack[2]), uint64(now)))
	}, []api.ValueType{i32, i64, i32})
	define("random_get", func(ctx context.Context, m api.Module, stack []uint64) {
		buf, ok := m.Memory().Read(uint32(stack[0]), uint32(stack[1]))
		if !ok {
			stack[0] = errnoFault
			return
		}
		envOf(ctx).read(buf)
		stack[0] = errnoSuccess
	}, []api.ValueType{i32, i32})
	define("fd_write", fdWrite, []api.ValueType{i32, i32, i32, i32})
	// No preopened directories and no descriptors to inspect: the Go runtime
	// stops looking at EBADF.
	badFD := api.GoModuleFunc(func(_ context.Context, _ api.Module, stack []uint64) { stack[0] = errnoBadF })
	define("fd_prestat_get", badFD, []api.ValueType{i32, i32})
	define("fd_fdstat_get", badFD, []api.ValueType{i32, i32})
	// Sleeping and waiting on files would depend on time passing: refused.
	define("poll_oneoff", func(_ context.Context, _ api.Module, stack []uint64) { stack[0] = errnoNoSys },
		[]api.ValueType{i32, i32, i32, i32})
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
		code := uint32(stack[0])
		_ = m.CloseWithExitCode(ctx, code)
		panic(sys.NewExitError(code))
	}), []api.ValueType{i32}, nil).Export("proc_exit")
	defined["proc_exit"] = true
	for _, f := range contract.ImportedFunctions() {
		module, name, _ := f.Import()
		if slices.Contains(others, module) {
			continue
		}
		if module != ModuleName {
			return fmt.Errorf("host: the contract imports %s.%s: contracts may import only %s", module, name, strings.Join(append([]string{ModuleName}, others...), " and "))
		}
		results := f.ResultTypes()
		if defined[name] {
			continue
		}
		if len(results) != 1 || results[0] != i32 {
			return fmt.Errorf("host: the contract imports %s.%s with an unexpected signature", module, name)
		}
		defined[name] = true
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, _ api.Module, stack []uint64) {
			stack[0] = errnoNoSys
		}), f.ParamTypes(), results).Export(name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

// fdWrite captures writes to standard output and error; other descriptors
// do not exist.
func fdWrite(ctx context.Context, m api.Module, stack []uint64) {
	fd, iovs, count, written := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), uint32(stack[3])
	if fd != 1 && fd != 2 {
		stack[0] = errnoBadF
		return
	}
	env := envOf(ctx)
	var total uint32
	for i := uint32(0); i < count; i++ {
		ptr, ok1 := m.Memory().ReadUint32Le(iovs + 8*i)
		size, ok2 := m.Memory().ReadUint32Le(iovs + 8*i + 4)
		data, ok3 := m.Memory().Read(ptr, size)
		if !ok1 || !ok2 || !ok3 {
			stack[0] = errnoFault
			return
		}
		room := MaxOutput - len(env.Output)
		env.Output = append(env.Output, data[:min(len(data), max(room, 0))]...)
		total += size
	}
	stack[0] = errnoOf(m.Memory().WriteUint32Le(written, total))
}

func errnoOf(ok bool) uint64 {
	if ok {
		return errnoSuccess
	}
	return errnoFault
}
