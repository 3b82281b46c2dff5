//go:build wasip1

package sdk

import (
	"encoding/json"
	"unsafe"
)

// The host interface (enclave/runtime documents it).

//go:wasmimport phala input
func hostInput(ptr unsafe.Pointer, capacity uint32) uint32

//go:wasmimport phala env
func hostEnv(ptr unsafe.Pointer, capacity uint32) uint32

//go:wasmimport phala state_get
func hostStateGet(kptr unsafe.Pointer, klen uint32, vptr unsafe.Pointer, vcap uint32) int32

//go:wasmimport phala state_set
func hostStateSet(kptr unsafe.Pointer, klen uint32, vptr unsafe.Pointer, vlen uint32)

//go:wasmimport phala state_delete
func hostStateDelete(kptr unsafe.Pointer, klen uint32)

//go:wasmimport phala emit
func hostEmit(ptr unsafe.Pointer, n uint32)

//go:wasmimport phala send
func hostSend(ptr unsafe.Pointer, n uint32)

//go:wasmimport phala output
func hostOutput(ptr unsafe.Pointer, n uint32)

//go:wasmexport phala_init
func phalaInit() int32 { return serve(handlers.init, false) }

//go:wasmexport phala_handle
func phalaHandle() int32 { return serve(handlers.handle, false) }

//go:wasmexport phala_query
func phalaQuery() int32 { return serve(handlers.query, true) }

// fetch reads a host buffer of unknown length: ask with a guess, then
// again with the exact size.
func fetch(read func(ptr unsafe.Pointer, capacity uint32) uint32) []byte {
	buf := make([]byte, 256)
	n := read(unsafe.Pointer(unsafe.SliceData(buf)), uint32(len(buf)))
	if n > uint32(len(buf)) {
		buf = make([]byte, n)
		read(unsafe.Pointer(unsafe.SliceData(buf)), n)
	}
	return buf[:n]
}

func ptr(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }

// serve runs one entry point: 0 with the result, or 1 with the reason.
func serve(h handler, readOnly bool) int32 {
	ctx := &Context{store: hostStore{}, readOnly: readOnly}
	if err := json.Unmarshal(fetch(hostEnv), &ctx.Env); err != nil {
		panic("sdk: the host's environment is not JSON: " + err.Error())
	}
	out, err := run(h, ctx, fetch(hostInput))
	if err != nil {
		msg := []byte(err.Error())
		hostOutput(ptr(msg), uint32(len(msg)))
		return 1
	}
	hostOutput(ptr(out), uint32(len(out)))
	return 0
}

// hostStore is state through the host functions.
type hostStore struct{}

func (hostStore) get(key string) ([]byte, bool) {
	k := []byte(key)
	buf := make([]byte, 256)
	n := hostStateGet(ptr(k), uint32(len(k)), ptr(buf), uint32(len(buf)))
	if n < 0 {
		return nil, false
	}
	if int(n) > len(buf) {
		buf = make([]byte, n)
		hostStateGet(ptr(k), uint32(len(k)), ptr(buf), uint32(n))
	}
	return buf[:n], true
}

func (hostStore) set(key string, value []byte) {
	k := []byte(key)
	hostStateSet(ptr(k), uint32(len(k)), ptr(value), uint32(len(value)))
}

func (hostStore) delete(key string) {
	k := []byte(key)
	hostStateDelete(ptr(k), uint32(len(k)))
}

func (hostStore) emit(ev Event) {
	raw, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	hostEmit(ptr(raw), uint32(len(raw)))
}

func (hostStore) send(p Payment) {
	raw, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	hostSend(ptr(raw), uint32(len(raw)))
}
