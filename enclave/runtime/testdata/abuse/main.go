// Command abuse is the runtime's test contract: each command misbehaves in
// one way, so that the tests can check the runtime's answer to it.
package main

import (
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"unsafe"

	"github.com/phala-cosmos/phala-cosmos/contracts/sdk"
)

// Msg selects the misbehaviour (commands and queries alike).
type Msg struct {
	Op  string `json:"op"`
	Arg int    `json:"arg"`
}

//go:wasmimport phala state_set
func rawStateSet(kptr unsafe.Pointer, klen uint32, vptr unsafe.Pointer, vlen uint32)

//go:wasmimport phala output
func rawOutput(ptr unsafe.Pointer, n uint32)

var sink [][]byte

func do(ctx *sdk.Context, m Msg) (any, error) {
	switch m.Op {
	case "loop":
		for i := 0; ; i++ {
			sink = sink[:0]
		}
	case "alloc": // Arg MiB, kept alive
		for i := 0; i < m.Arg; i++ {
			sink = append(sink, make([]byte, 1<<20))
		}
		return len(sink), nil
	case "write_then_fail":
		ctx.Set("a", []byte("written"))
		return nil, errors.New("refusing after a write")
	case "write_then_panic":
		ctx.Set("a", []byte("written"))
		var p *Msg
		return p.Op, nil
	case "writes": // Arg distinct keys
		for i := 0; i < m.Arg; i++ {
			ctx.Set(string(rune('a'+i%26))+hex.EncodeToString([]byte{byte(i >> 8), byte(i)}), []byte{byte(i)})
		}
		ctx.Delete("z")
		return nil, nil
	case "raw_write": // past the SDK's read-only guard
		k, v := []byte("k"), []byte("v")
		rawStateSet(unsafe.Pointer(&k[0]), 1, unsafe.Pointer(&v[0]), 1)
		return nil, nil
	case "big_key":
		ctx.Set(string(make([]byte, m.Arg)), nil)
		return nil, nil
	case "big_output":
		out := make([]byte, m.Arg)
		rawOutput(unsafe.Pointer(&out[0]), uint32(len(out)))
		return nil, nil
	case "bad_event":
		ctx.Emit("no spaces allowed")
		return nil, nil
	case "random":
		var b [16]byte
		_, _ = ctx.Random().Read(b[:])
		m := map[int]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 8: true}
		order := []int{}
		for k := range m {
			order = append(order, k)
		}
		return map[string]any{"bytes": hex.EncodeToString(b[:]), "n": ctx.RandomUint64(1000), "v2": rand.IntN(1000), "order": order}, nil
	case "env":
		return ctx.Env, nil
	case "read":
		v, ok := ctx.Get("a")
		return map[string]any{"value": string(v), "found": ok}, nil
	}
	return nil, errors.New("unknown op")
}

func init() {
	sdk.Register(sdk.Contract[struct{}, Msg, Msg]{
		Init:   func(*sdk.Context, struct{}) error { return nil },
		Handle: do,
		Query:  do,
	})
}

func main() {}
