// Package runtime runs confidential contracts: WebAssembly modules written
// with contracts/sdk and executed on wazero, metered (enclave/runtime/meter)
// and sandboxed (enclave/runtime/host) so that every replica given the same
// code, message, environment, state and fuel computes the same Outcome or
// fails with the same error.
//
// A contract exports three entry points, phala_init, phala_handle and
// phala_query, each taking nothing and returning an i32 status (0: success,
// 1: the contract refused the message, its output then being the reason),
// plus the _initialize of Go's wasip1 reactor. It may import only WASI
// (answered by package host) and the "phala" module defined here:
//
//	input(ptr, cap i32) i32                  the message; returns its length, copies it when it fits
//	env(ptr, cap i32) i32                    the call's Env as JSON, same convention
//	state_get(kptr, klen, vptr, vcap i32) i32  the value's length (copied when it fits), -1 when absent
//	state_set(kptr, klen, vptr, vlen i32)
//	state_delete(kptr, klen i32)
//	emit(ptr, len i32)                       a public event as JSON ({"type":..., "attributes":[...]})
//	send(ptr, len i32)                       a payment from the contract's account ({"to":..., "denom":..., "amount":...})
//	output(ptr, len i32)                     the result (or, with status 1, the reason)
//
// Every call runs in a fresh instance: nothing survives in memory from one
// call to the next, only what the contract wrote to state. Writes are
// buffered and returned, sorted by key, only when the call succeeds; a
// refusal, a trap or running out of fuel leaves state untouched. Queries may
// not write. Host functions charge fuel too (per call and per byte), through
// the same exported counter the meter charges.
//
// The runtime never sees ciphertext: the enclave decrypts messages and state
// before a call and seals the Outcome's writes and output after it.
//
// Compiled modules are cached by the SHA-256 of their code, a bounded number
// of them, each in its own wazero runtime. The engine is explicit: the
// interpreter, which needs no executable memory (an SGX enclave built with
// EGo has none unless it opts in, see docs/attestation.md), is the default;
// the compiler is faster and may be chosen where executable pages exist.
// Both charge identical fuel.
package runtime
