package runtime

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/phala-cosmos/phala-cosmos/enclave/runtime/host"
	"github.com/phala-cosmos/phala-cosmos/enclave/runtime/meter"
)

// Engine selects how wazero executes contracts.
type Engine int

const (
	// EngineInterpreter needs no executable memory; the default.
	EngineInterpreter Engine = iota
	// EngineCompiler compiles to machine code: faster, but it maps
	// executable pages, which an SGX enclave may not allow.
	EngineCompiler
)

// String names the engine as flags spell it.
func (e Engine) String() string {
	if e == EngineCompiler {
		return "compiler"
	}
	return "interpreter"
}

// ParseEngine reads "interpreter" or "compiler".
func ParseEngine(s string) (Engine, error) {
	switch s {
	case "interpreter":
		return EngineInterpreter, nil
	case "compiler":
		return EngineCompiler, nil
	}
	return 0, fmt.Errorf("runtime: unknown engine %q (want interpreter or compiler)", s)
}

// Limits bound what one call may do. Replicas must use the same limits.
type Limits struct {
	MemoryPages uint32 // linear memory, in 64 KiB pages
	MaxMessage  int    // bytes of the input message
	MaxKey      int    // bytes of a state key
	MaxValue    int    // bytes of a state value
	MaxWrites   int    // distinct keys written (or deleted) per call
	MaxOutput   int    // bytes of the output
	MaxEvents   int    // events per call
	MaxEvent    int    // bytes of one event's JSON
	MaxSends    int    // payments per call
}

// DefaultLimits are the limits of the chain's first version.
var DefaultLimits = Limits{
	MemoryPages: 1024, // 64 MiB
	MaxMessage:  64 << 10,
	MaxKey:      256,
	MaxValue:    64 << 10,
	MaxWrites:   1024,
	MaxOutput:   64 << 10,
	MaxEvents:   64,
	MaxEvent:    4 << 10,
	MaxSends:    16,
}

// Config configures a Runtime.
type Config struct {
	Engine Engine
	Limits Limits
	// CacheSize is how many compiled contracts are kept (at least 1).
	CacheSize int
}

// DefaultConfig is the interpreter, DefaultLimits and 16 cached contracts.
func DefaultConfig() Config {
	return Config{Engine: EngineInterpreter, Limits: DefaultLimits, CacheSize: 16}
}

// Entry is a contract's entry point.
type Entry int

const (
	// EntryInit runs once, when the contract is instantiated.
	EntryInit Entry = iota
	// EntryHandle runs a command (a transaction).
	EntryHandle
	// EntryQuery answers a query; it may read state but not write it.
	EntryQuery
)

func (e Entry) export() string {
	switch e {
	case EntryInit:
		return "phala_init"
	case EntryHandle:
		return "phala_handle"
	default:
		return "phala_query"
	}
}

// String names the entry point.
func (e Entry) String() string {
	switch e {
	case EntryInit:
		return "init"
	case EntryHandle:
		return "handle"
	case EntryQuery:
		return "query"
	}
	return fmt.Sprintf("entry(%d)", int(e))
}

// Env is what a contract learns about its call. The contract reads it as
// JSON; Seed is not given to it directly but drives its random numbers.
type Env struct {
	Sender   string    `json:"sender"`
	Contract string    `json:"contract"`
	Height   int64     `json:"height"`
	Time     time.Time `json:"time"`
	// Funds are the coins the command moved to the contract's account on
	// chain (public: the chain moved them).
	Funds []Coin   `json:"funds"`
	Seed  [32]byte `json:"-"`
}

// Coin is an amount of one denomination; Amount is a decimal integer.
type Coin struct {
	Denom  string `json:"denom"`
	Amount string `json:"amount"`
}

// Send asks the chain to pay Coin from the contract's account to To (an
// account address, checked by the chain), once the result is accepted.
type Send struct {
	To string `json:"to"`
	Coin
}

// State is the contract's storage as it was before the call.
type State interface {
	// Get returns the value under key, or ok false.
	Get(key []byte) (value []byte, ok bool, err error)
}

// Call is one execution.
type Call struct {
	Entry Entry
	Msg   []byte
	Env   Env
	State State
	Fuel  uint64
}

// Attribute is one key/value of an event.
type Attribute struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Event is a public event a contract emits.
type Event struct {
	Type       string      `json:"type"`
	Attributes []Attribute `json:"attributes"`
}

// Write is one change to state; Value nil is a deletion.
type Write struct {
	Key   []byte
	Value []byte
}

// Outcome is what a call produced.
type Outcome struct {
	// Output is the result (empty when the call failed).
	Output []byte
	// Events and Writes are empty unless the call succeeded; Writes are
	// sorted by key.
	Events []Event
	Writes []Write
	// Sends are the payments the contract asks for, in order.
	Sends []Send
	// FuelUsed is charged whether or not the call succeeded.
	FuelUsed uint64
	// Log is what the contract printed (bounded; useful for debugging).
	Log []byte
}

// Runtime executes contracts. It is safe for concurrent use.
type Runtime struct {
	cfg   Config
	cache *cache
}

// New returns a Runtime.
func New(cfg Config) *Runtime {
	if cfg.CacheSize < 1 {
		cfg.CacheSize = 1
	}
	return &Runtime{cfg: cfg, cache: newCache(cfg.CacheSize)}
}

// Close releases every compiled module.
func (r *Runtime) Close(ctx context.Context) error { return r.cache.close(ctx) }

// CodeHash is the identity of a contract's code.
func CodeHash(code []byte) [32]byte { return sha256.Sum256(code) }

// Validate checks that code is a contract this runtime can run and compiles
// it into the cache.
func (r *Runtime) Validate(ctx context.Context, code []byte) error {
	p, err := r.load(ctx, code)
	if err != nil {
		return err
	}
	r.cache.release(ctx, p)
	return nil
}

// Run executes call against code. The error is nil, or wraps ErrInvalidCode,
// ErrOutOfFuel, ErrRefused, ErrTrap or ErrHostCall; the Outcome is returned
// with every error but ErrInvalidCode (fuel is used either way).
func (r *Runtime) Run(ctx context.Context, code []byte, call Call) (*Outcome, error) {
	if len(call.Msg) > r.cfg.Limits.MaxMessage {
		return &Outcome{}, fmt.Errorf("%w: the message is %d bytes, over the limit of %d", ErrHostCall, len(call.Msg), r.cfg.Limits.MaxMessage)
	}
	p, err := r.load(ctx, code)
	if err != nil {
		return nil, err
	}
	defer r.cache.release(ctx, p)
	return r.run(ctx, p, call)
}

func (r *Runtime) load(ctx context.Context, code []byte) (*program, error) {
	return r.cache.acquire(ctx, CodeHash(code), func() (*program, error) { return r.compile(ctx, code) })
}

// program is one compiled contract in its own wazero runtime (the WASI host
// module is shaped by the contract's imports).
type program struct {
	hash     [32]byte
	rt       wazero.Runtime
	compiled wazero.CompiledModule
	refs     int
}

func (r *Runtime) compile(ctx context.Context, code []byte) (*program, error) {
	metered, err := meter.Instrument(code)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidCode, err)
	}
	cfg := wazero.NewRuntimeConfigInterpreter()
	if r.cfg.Engine == EngineCompiler {
		cfg = wazero.NewRuntimeConfigCompiler()
	}
	cfg = cfg.WithMemoryLimitPages(r.cfg.Limits.MemoryPages).WithCloseOnContextDone(true)
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	fail := func(err error) (*program, error) {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("%w: %v", ErrInvalidCode, err)
	}
	compiled, err := rt.CompileModule(ctx, metered)
	if err != nil {
		return fail(err)
	}
	if err := checkExports(compiled); err != nil {
		return fail(err)
	}
	if err := checkImports(compiled); err != nil {
		return fail(err)
	}
	if err := host.Instantiate(ctx, rt, compiled, abiModule); err != nil {
		return fail(err)
	}
	if err := instantiateABI(ctx, rt); err != nil {
		return fail(err)
	}
	return &program{hash: CodeHash(code), rt: rt, compiled: compiled}, nil
}

// checkExports requires the entry points, _initialize and a memory.
func checkExports(m wazero.CompiledModule) error {
	fns := m.ExportedFunctions()
	for _, name := range []string{"_initialize", EntryInit.export(), EntryHandle.export(), EntryQuery.export()} {
		f, ok := fns[name]
		if !ok {
			return fmt.Errorf("it does not export %s (build with contracts/sdk, -buildmode=c-shared)", name)
		}
		want := []api.ValueType{api.ValueTypeI32}
		if name == "_initialize" {
			want = nil
		}
		if len(f.ParamTypes()) != 0 || !equalTypes(f.ResultTypes(), want) {
			return fmt.Errorf("%s has the wrong signature", name)
		}
	}
	if len(m.ExportedMemories()) == 0 {
		return errors.New("it exports no memory")
	}
	return nil
}

func equalTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// run executes one call in a fresh instance of p.
func (r *Runtime) run(ctx context.Context, p *program, call Call) (*Outcome, error) {
	c := newCallState(r.cfg.Limits, call)
	ctx = withCall(ctx, c)
	ctx = host.WithEnv(ctx, &c.hostEnv)
	// No start functions: the budget is set first, so that the Go runtime's
	// own initialisation is metered like the rest.
	mod, err := p.rt.InstantiateModule(ctx, p.compiled, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		return &Outcome{}, fmt.Errorf("%w: instantiating: %v", ErrTrap, err)
	}
	defer mod.Close(ctx)
	fuel := mod.ExportedGlobal(meter.FuelGlobal).(api.MutableGlobal)
	fuel.Set(clampFuel(call.Fuel))
	c.fuel = fuel

	status, err := invoke(ctx, mod, "_initialize")
	if err == nil {
		status, err = invoke(ctx, mod, call.Entry.export())
	}
	out := &Outcome{FuelUsed: c.used(call.Fuel), Log: c.hostEnv.Output}
	switch {
	case c.err != nil: // a host function's verdict comes first: it is what stopped the call
		return out, c.err
	case int64(fuel.Get()) < 0:
		return out, fmt.Errorf("%w: the limit was %d", ErrOutOfFuel, call.Fuel)
	case err != nil:
		return out, trapError(err)
	case status == 1:
		return out, fmt.Errorf("%w: %s", ErrRefused, c.output)
	case status != 0:
		return out, fmt.Errorf("%w: %s returned status %d", ErrTrap, call.Entry, status)
	}
	out.Output, out.Events, out.Writes, out.Sends = c.output, c.events, c.sortedWrites(), c.sends
	return out, nil
}

// invoke calls an exported function without arguments; status is its i32
// result, if any.
func invoke(ctx context.Context, mod api.Module, name string) (uint32, error) {
	res, err := mod.ExportedFunction(name).Call(ctx)
	if err != nil || len(res) == 0 {
		return 0, err
	}
	return uint32(res[0]), nil
}

// clampFuel keeps the budget a positive int64, as the meter counts.
func clampFuel(f uint64) uint64 {
	const most = 1<<63 - 1
	return min(f, most)
}

// trapError turns wazero's error into a deterministic one: engines word
// their traps and stack traces differently, so only the kind is kept.
func trapError(err error) error {
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return fmt.Errorf("%w: exited with code %d", ErrTrap, exit.ExitCode())
	}
	return fmt.Errorf("%w: %s", ErrTrap, trapKind(err))
}

// trapKind is the first line of a wazero trap ("wasm error: unreachable"),
// which both engines word alike; the stack trace after it is dropped.
func trapKind(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	if strings.HasPrefix(line, "wasm error: ") {
		return line
	}
	return "host error"
}
