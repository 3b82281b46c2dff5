package sdk

import (
	"maps"
	"slices"
)

// TestState is an in-memory state for unit tests of contract logic, outside
// the enclave.
type TestState struct {
	Values   map[string][]byte
	Events   []Event
	Payments []Payment
}

func (s *TestState) get(key string) ([]byte, bool) {
	v, ok := s.Values[key]
	return v, ok
}

func (s *TestState) set(key string, value []byte) { s.Values[key] = slices.Clone(value) }
func (s *TestState) delete(key string)            { delete(s.Values, key) }
func (s *TestState) emit(ev Event)                { s.Events = append(s.Events, ev) }
func (s *TestState) send(p Payment)               { s.Payments = append(s.Payments, p) }

// Keys lists the stored keys, sorted.
func (s *TestState) Keys() []string { return slices.Sorted(maps.Keys(s.Values)) }

// NewTestState returns an empty state.
func NewTestState() *TestState { return &TestState{Values: map[string][]byte{}} }

// NewTestContext returns a Context for env over state; readOnly makes it a
// query's.
func NewTestContext(env Env, state *TestState, readOnly bool) *Context {
	return &Context{Env: env, store: state, readOnly: readOnly}
}
