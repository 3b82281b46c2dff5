package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/phala-cosmos/phala-cosmos/enclave/runtime/host"
)

// abiModule is the import module of the contract interface.
const abiModule = "phala"

// Fuel charged by host functions, on top of the instructions around them.
const (
	fuelHostCall   = 500 // every host function
	fuelPerByte    = 1   // every byte copied in or out
	fuelStateRead  = 2000
	fuelStateWrite = 10000
	fuelPerWritten = 10 // every byte of a key or value written
)

const i32 = api.ValueTypeI32

// abiFunction is one host function of the "phala" module.
type abiFunction struct {
	name            string
	params, results []api.ValueType
	fn              func(c *callState, m api.Module, stack []uint64)
}

// abiFunctions are the host functions, as the package documentation lists them.
var abiFunctions = []abiFunction{
	{"input", []api.ValueType{i32, i32}, []api.ValueType{i32}, (*callState).input},
	{"env", []api.ValueType{i32, i32}, []api.ValueType{i32}, (*callState).env},
	{"state_get", []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}, (*callState).stateGet},
	{"state_set", []api.ValueType{i32, i32, i32, i32}, nil, (*callState).stateSet},
	{"state_delete", []api.ValueType{i32, i32}, nil, (*callState).stateDelete},
	{"emit", []api.ValueType{i32, i32}, nil, (*callState).emit},
	{"output", []api.ValueType{i32, i32}, nil, (*callState).setOutput},
	{"send", []api.ValueType{i32, i32}, nil, (*callState).send},
}

// instantiateABI defines the "phala" module in rt.
func instantiateABI(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(abiModule)
	for _, f := range abiFunctions {
		fn := f.fn
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
			c := callOf(ctx)
			c.charge(fuelHostCall)
			fn(c, m, stack)
		}), f.params, f.results).Export(f.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

// checkImports refuses "phala" imports that are unknown or mistyped.
func checkImports(m wazero.CompiledModule) error {
	for _, f := range m.ImportedFunctions() {
		module, name, _ := f.Import()
		if module != abiModule {
			continue // host.Instantiate judges the others
		}
		i := slices.IndexFunc(abiFunctions, func(a abiFunction) bool { return a.name == name })
		if i < 0 {
			return fmt.Errorf("it imports %s.%s, which does not exist", module, name)
		}
		if !equalTypes(f.ParamTypes(), abiFunctions[i].params) || !equalTypes(f.ResultTypes(), abiFunctions[i].results) {
			return fmt.Errorf("it imports %s.%s with the wrong signature", module, name)
		}
	}
	return nil
}

// callState is one call's view of the host: its input, the buffered
// writes and what the contract produced.
type callState struct {
	limits  Limits
	call    Call
	envJSON []byte
	hostEnv host.Env
	fuel    api.MutableGlobal

	writes map[string][]byte // nil value: deleted
	events []Event
	sends  []Send
	output []byte
	err    error // set by a host function that stopped the call
}

func newCallState(limits Limits, call Call) *callState {
	envJSON, _ := json.Marshal(call.Env) // plain struct: cannot fail
	return &callState{
		limits:  limits,
		call:    call,
		envJSON: envJSON,
		hostEnv: host.Env{Time: call.Env.Time, Seed: call.Env.Seed},
		writes:  map[string][]byte{},
	}
}

type callKey struct{}

func withCall(ctx context.Context, c *callState) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

func callOf(ctx context.Context) *callState { return ctx.Value(callKey{}).(*callState) }

// abort records why the call stops and unwinds the contract (wazero turns
// a host function's panic into the call's error).
func (c *callState) abort(err error) {
	if c.err == nil {
		c.err = err
	}
	panic(err)
}

// charge takes fuel from the contract's counter, stopping it when none is
// left, exactly as metered code does.
func (c *callState) charge(units uint64) {
	left := int64(c.fuel.Get()) - int64(units)
	c.fuel.Set(uint64(left))
	if left < 0 {
		c.abort(fmt.Errorf("%w: the limit was %d", ErrOutOfFuel, c.call.Fuel))
	}
}

// used is the fuel consumed from limit (all of it when it ran out).
func (c *callState) used(limit uint64) uint64 {
	left := int64(c.fuel.Get())
	if left < 0 {
		return clampFuel(limit)
	}
	return clampFuel(limit) - uint64(left)
}

// read returns memory[ptr:ptr+n], a trap when out of bounds.
func (c *callState) read(m api.Module, ptr, n uint32) []byte {
	b, ok := m.Memory().Read(ptr, n)
	if !ok {
		c.abort(fmt.Errorf("%w: memory access out of bounds", ErrHostCall))
	}
	c.charge(uint64(n) * fuelPerByte)
	return b
}

// copyOut writes data at ptr when it fits in capacity and returns its length.
func (c *callState) copyOut(m api.Module, ptr, capacity uint32, data []byte) uint64 {
	if uint32(len(data)) <= capacity {
		c.charge(uint64(len(data)) * fuelPerByte)
		if !m.Memory().Write(ptr, data) {
			c.abort(fmt.Errorf("%w: memory access out of bounds", ErrHostCall))
		}
	}
	return uint64(uint32(len(data)))
}

func (c *callState) input(m api.Module, stack []uint64) {
	stack[0] = c.copyOut(m, uint32(stack[0]), uint32(stack[1]), c.call.Msg)
}

func (c *callState) env(m api.Module, stack []uint64) {
	stack[0] = c.copyOut(m, uint32(stack[0]), uint32(stack[1]), c.envJSON)
}

func (c *callState) key(m api.Module, ptr, n uint32) []byte {
	if int(n) > c.limits.MaxKey {
		c.abort(fmt.Errorf("%w: a state key of %d bytes is over the limit of %d", ErrHostCall, n, c.limits.MaxKey))
	}
	return c.read(m, ptr, n)
}

func (c *callState) stateGet(m api.Module, stack []uint64) {
	c.charge(fuelStateRead)
	key := c.key(m, uint32(stack[0]), uint32(stack[1]))
	value, buffered := c.writes[string(key)]
	found := buffered && value != nil // a buffered nil is a deletion
	if !buffered {
		var err error
		if value, found, err = c.call.State.Get(key); err != nil {
			// The enclave could not read its own state: not the contract's
			// fault, and not something replicas can agree on.
			c.abort(fmt.Errorf("runtime: reading state: %w", err))
		}
	}
	if !found {
		stack[0] = api.EncodeI32(-1)
		return
	}
	stack[0] = c.copyOut(m, uint32(stack[2]), uint32(stack[3]), value)
}

func (c *callState) write(key, value []byte) {
	if c.call.Entry == EntryQuery {
		c.abort(fmt.Errorf("%w: a query may not write state", ErrHostCall))
	}
	if _, seen := c.writes[string(key)]; !seen && len(c.writes) >= c.limits.MaxWrites {
		c.abort(fmt.Errorf("%w: more than %d keys written in one call", ErrHostCall, c.limits.MaxWrites))
	}
	c.charge(fuelStateWrite + uint64(len(key)+len(value))*fuelPerWritten)
	c.writes[string(key)] = value
}

func (c *callState) stateSet(m api.Module, stack []uint64) {
	key := c.key(m, uint32(stack[0]), uint32(stack[1]))
	if n := uint32(stack[3]); int(n) > c.limits.MaxValue {
		c.abort(fmt.Errorf("%w: a state value of %d bytes is over the limit of %d", ErrHostCall, n, c.limits.MaxValue))
	}
	value := bytes.Clone(c.read(m, uint32(stack[2]), uint32(stack[3])))
	if value == nil {
		value = []byte{} // an empty value is a value, not a deletion
	}
	c.write(bytes.Clone(key), value)
}

func (c *callState) stateDelete(m api.Module, stack []uint64) {
	c.write(bytes.Clone(c.key(m, uint32(stack[0]), uint32(stack[1]))), nil)
}

func (c *callState) emit(m api.Module, stack []uint64) {
	n := uint32(stack[1])
	if int(n) > c.limits.MaxEvent {
		c.abort(fmt.Errorf("%w: an event of %d bytes is over the limit of %d", ErrHostCall, n, c.limits.MaxEvent))
	}
	if len(c.events) >= c.limits.MaxEvents {
		c.abort(fmt.Errorf("%w: more than %d events in one call", ErrHostCall, c.limits.MaxEvents))
	}
	var ev Event
	dec := json.NewDecoder(bytes.NewReader(c.read(m, uint32(stack[0]), n)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil || !validEventType(ev.Type) {
		c.abort(fmt.Errorf("%w: an event must be JSON {\"type\": name, \"attributes\": [{\"key\", \"value\"}]} with a name of letters, digits, '_' or '.'", ErrHostCall))
	}
	c.events = append(c.events, ev)
}

func (c *callState) send(m api.Module, stack []uint64) {
	if c.call.Entry == EntryQuery {
		c.abort(fmt.Errorf("%w: a query may not send funds", ErrHostCall))
	}
	n := uint32(stack[1])
	if int(n) > c.limits.MaxEvent || len(c.sends) >= c.limits.MaxSends {
		c.abort(fmt.Errorf("%w: at most %d payments of %d bytes each per call", ErrHostCall, c.limits.MaxSends, c.limits.MaxEvent))
	}
	var s Send
	dec := json.NewDecoder(bytes.NewReader(c.read(m, uint32(stack[0]), n)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil || s.To == "" || !validName(s.Denom, 128) || !validAmount(s.Amount) {
		c.abort(fmt.Errorf("%w: a payment must be JSON {\"to\": address, \"denom\": name, \"amount\": positive decimal}", ErrHostCall))
	}
	c.sends = append(c.sends, s)
}

// validAmount: a positive decimal integer without leading zeros, at most
// 77 digits (below 2^256).
func validAmount(a string) bool {
	if a == "" || len(a) > 77 || a[0] == '0' {
		return false
	}
	return strings.IndexFunc(a, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

func validEventType(t string) bool { return validName(t, 64) }

// validName: 1 to most letters, digits, '_', '.' or '/'.
func validName(t string, most int) bool {
	if t == "" || len(t) > most {
		return false
	}
	return strings.IndexFunc(t, func(r rune) bool {
		return !(r == '_' || r == '.' || r == '/' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0
}

func (c *callState) setOutput(m api.Module, stack []uint64) {
	n := uint32(stack[1])
	if int(n) > c.limits.MaxOutput {
		c.abort(fmt.Errorf("%w: an output of %d bytes is over the limit of %d", ErrHostCall, n, c.limits.MaxOutput))
	}
	c.output = bytes.Clone(c.read(m, uint32(stack[0]), n))
}

// sortedWrites lists the buffered writes by key.
func (c *callState) sortedWrites() []Write {
	keys := make([]string, 0, len(c.writes))
	for k := range c.writes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]Write, len(keys))
	for i, k := range keys {
		out[i] = Write{Key: []byte(k), Value: c.writes[k]}
	}
	return out
}
