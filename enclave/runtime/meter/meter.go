// Package meter adds deterministic fuel metering to a WebAssembly module by
// rewriting it (wazero has no fuel of its own). The instrumented module gets
// one more global, a mutable i64 exported as FuelGlobal, and every metered
// block of every function body starts by subtracting its cost from it and
// trapping (unreachable) when the result is negative. Because the charge is
// ordinary WebAssembly, every engine (wazero's interpreter and compiler) and
// every replica runs out of fuel at the same instruction.
//
// Metered blocks: a function body is cut at its start and after every
// control instruction (block, loop, if, else, end, br, br_if, br_table,
// return, call, call_indirect, unreachable); each piece is charged, on entry,
// one unit per instruction it holds. A loop's body is charged on every
// iteration, since a branch to a loop goes to its start.
//
// The host sets the budget by writing FuelGlobal before a call and reads
// what is left after it; a trap with a negative FuelGlobal is out of fuel.
// Supported: the core instruction set with sign extension, saturating
// conversions, bulk memory and reference types (what Go's wasip1 port
// emits); SIMD and threads are refused.
package meter

import (
	"bytes"
	"errors"
	"fmt"
)

// FuelGlobal is the export name of the fuel counter.
const FuelGlobal = "phala_fuel"

// ErrModule is returned for modules that cannot be instrumented: malformed,
// or using instructions the meter does not know.
var ErrModule = errors.New("meter: cannot instrument module")

// Section ids of the binary format.
const (
	secImport   = 2
	secGlobal   = 6
	secExport   = 7
	secCode     = 10
	kindGlobal  = 3
	typeI64     = 0x7e
	mutableFlag = 1
)

// Instrument returns the module with fuel metering. It refuses a module that
// already exports FuelGlobal.
func Instrument(module []byte) ([]byte, error) {
	if len(module) < 8 || !bytes.Equal(module[:8], []byte{0, 'a', 's', 'm', 1, 0, 0, 0}) {
		return nil, fmt.Errorf("%w: not a WebAssembly 1.0 binary", ErrModule)
	}
	sections, err := splitSections(module[8:])
	if err != nil {
		return nil, err
	}
	importedGlobals, definedGlobals := 0, 0
	for _, s := range sections {
		switch s.id {
		case secImport:
			if importedGlobals, err = countImportedGlobals(s.body); err != nil {
				return nil, err
			}
		case secGlobal:
			r := reader{b: s.body}
			n, err := r.u32()
			if err != nil {
				return nil, err
			}
			definedGlobals = int(n)
		case secExport:
			if bytes.Contains(s.body, []byte(FuelGlobal)) {
				return nil, fmt.Errorf("%w: it already exports %q", ErrModule, FuelGlobal)
			}
		}
	}
	fuel := uint32(importedGlobals + definedGlobals)

	out := append([]byte{}, module[:8]...)
	sawGlobal, sawExport := false, false
	for _, s := range sections {
		body := s.body
		switch s.id {
		case secGlobal:
			sawGlobal = true
			if body, err = appendGlobal(body); err != nil {
				return nil, err
			}
		case secExport:
			sawExport = true
			if body, err = appendExport(body, fuel); err != nil {
				return nil, err
			}
		case secCode:
			if body, err = meterCode(body, fuel); err != nil {
				return nil, err
			}
		}
		// Sections the module lacks go where the order requires.
		if !sawGlobal && s.id != 0 && rank(s.id) > rank(secGlobal) {
			sawGlobal = true
			g, _ := appendGlobal([]byte{0})
			out = appendSection(out, secGlobal, g)
		}
		if !sawExport && s.id != 0 && rank(s.id) > rank(secExport) {
			sawExport = true
			e, _ := appendExport([]byte{0}, fuel)
			out = appendSection(out, secExport, e)
		}
		out = appendSection(out, s.id, body)
	}
	if !sawGlobal {
		g, _ := appendGlobal([]byte{0})
		out = appendSection(out, secGlobal, g)
	}
	if !sawExport {
		e, _ := appendExport([]byte{0}, fuel)
		out = appendSection(out, secExport, e)
	}
	return out, nil
}

// rank orders section ids as the binary format requires: the data count
// section (12) sits between elements (9) and code (10).
func rank(id byte) int {
	if id == 12 {
		return 95
	}
	return int(id) * 10
}

type section struct {
	id   byte
	body []byte
}

func splitSections(b []byte) ([]section, error) {
	var out []section
	r := reader{b: b}
	for !r.done() {
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		n, err := r.u32()
		if err != nil {
			return nil, err
		}
		body, err := r.bytes(int(n))
		if err != nil {
			return nil, err
		}
		out = append(out, section{id, body})
	}
	return out, nil
}

func appendSection(out []byte, id byte, body []byte) []byte {
	out = append(out, id)
	out = appendU32(out, uint32(len(body)))
	return append(out, body...)
}

// countImportedGlobals reads the import section.
func countImportedGlobals(body []byte) (int, error) {
	r := reader{b: body}
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	globals := 0
	for i := uint32(0); i < n; i++ {
		for j := 0; j < 2; j++ { // module and field names
			l, err := r.u32()
			if err != nil {
				return 0, err
			}
			if _, err := r.bytes(int(l)); err != nil {
				return 0, err
			}
		}
		kind, err := r.byte()
		if err != nil {
			return 0, err
		}
		switch kind {
		case 0: // function: type index
			_, err = r.u32()
		case 1: // table: reftype, limits
			if _, err = r.byte(); err == nil {
				err = r.limits()
			}
		case 2: // memory: limits
			err = r.limits()
		case kindGlobal: // global: valtype, mutability
			globals++
			_, err = r.bytes(2)
		default:
			err = fmt.Errorf("%w: import kind %d", ErrModule, kind)
		}
		if err != nil {
			return 0, err
		}
	}
	return globals, nil
}

// appendGlobal adds `(global (mut i64) (i64.const 0))` to a global section.
func appendGlobal(body []byte) ([]byte, error) {
	r := reader{b: body}
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	out := appendU32(nil, n+1)
	out = append(out, body[r.pos:]...)
	return append(out, typeI64, mutableFlag, 0x42, 0, 0x0b), nil
}

// appendExport exports global index fuel as FuelGlobal.
func appendExport(body []byte, fuel uint32) ([]byte, error) {
	r := reader{b: body}
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	out := appendU32(nil, n+1)
	out = append(out, body[r.pos:]...)
	out = appendU32(out, uint32(len(FuelGlobal)))
	out = append(out, FuelGlobal...)
	out = append(out, kindGlobal)
	return appendU32(out, fuel), nil
}

// meterCode rewrites every function body of a code section.
func meterCode(body []byte, fuel uint32) ([]byte, error) {
	r := reader{b: body}
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	out := appendU32(nil, n)
	for i := uint32(0); i < n; i++ {
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		fn, err := r.bytes(int(size))
		if err != nil {
			return nil, err
		}
		metered, err := meterFunction(fn, fuel)
		if err != nil {
			return nil, fmt.Errorf("%w: function %d: %v", ErrModule, i, err)
		}
		out = appendU32(out, uint32(len(metered)))
		out = append(out, metered...)
	}
	if !r.done() {
		return nil, fmt.Errorf("%w: trailing bytes in the code section", ErrModule)
	}
	return out, nil
}

// meterFunction inserts a charge at the start of every metered block.
func meterFunction(fn []byte, fuel uint32) ([]byte, error) {
	r := reader{b: fn}
	groups, err := r.u32()
	if err != nil {
		return nil, err
	}
	for i := uint32(0); i < groups; i++ {
		if _, err := r.u32(); err != nil {
			return nil, err
		}
		if _, err := r.byte(); err != nil {
			return nil, err
		}
	}
	out := append([]byte{}, fn[:r.pos]...)
	// Cut the body into metered blocks: [start, end) byte ranges.
	code := fn[r.pos:]
	cr := reader{b: code}
	start, count := 0, 0
	for !cr.done() {
		op, err := cr.byte()
		if err != nil {
			return nil, err
		}
		if err := skipImmediates(&cr, op); err != nil {
			return nil, err
		}
		count++
		if endsBlock(op) {
			out = appendCharge(out, fuel, count)
			out = append(out, code[start:cr.pos]...)
			start, count = cr.pos, 0
		}
	}
	if count > 0 { // a body always ends with `end`; defensive
		out = appendCharge(out, fuel, count)
		out = append(out, code[start:]...)
	}
	return out, nil
}

// appendCharge emits: fuel -= cost; if fuel < 0 { unreachable }.
func appendCharge(out []byte, fuel uint32, cost int) []byte {
	out = append(out, 0x23) // global.get
	out = appendU32(out, fuel)
	out = append(out, 0x42) // i64.const
	out = appendS64(out, int64(cost))
	out = append(out, 0x7d, 0x24) // i64.sub, global.set
	out = appendU32(out, fuel)
	out = append(out, 0x23) // global.get
	out = appendU32(out, fuel)
	out = append(out, 0x42, 0x00, 0x53)        // i64.const 0, i64.lt_s
	return append(out, 0x04, 0x40, 0x00, 0x0b) // if (empty) unreachable end
}

// endsBlock reports control instructions that end a metered block.
func endsBlock(op byte) bool {
	switch op {
	case 0x00, 0x02, 0x03, 0x04, 0x05, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11:
		return true
	}
	return false
}

// skipImmediates advances past op's immediates.
func skipImmediates(r *reader, op byte) error {
	switch {
	case op == 0x02 || op == 0x03 || op == 0x04: // block, loop, if: block type
		return r.blockType()
	case op == 0x0c || op == 0x0d: // br, br_if
		_, err := r.u32()
		return err
	case op == 0x0e: // br_table
		n, err := r.u32()
		if err != nil {
			return err
		}
		for i := uint32(0); i <= n; i++ {
			if _, err := r.u32(); err != nil {
				return err
			}
		}
		return nil
	case op == 0x10: // call
		_, err := r.u32()
		return err
	case op == 0x11: // call_indirect: type, table
		if _, err := r.u32(); err != nil {
			return err
		}
		_, err := r.u32()
		return err
	case op == 0x1c: // select t*
		n, err := r.u32()
		if err != nil {
			return err
		}
		_, err = r.bytes(int(n))
		return err
	case op >= 0x20 && op <= 0x26: // local.*, global.*, table.get/set
		_, err := r.u32()
		return err
	case op >= 0x28 && op <= 0x3e: // loads and stores: align, offset
		if _, err := r.u32(); err != nil {
			return err
		}
		_, err := r.u64()
		return err
	case op == 0x3f || op == 0x40: // memory.size, memory.grow
		_, err := r.byte()
		return err
	case op == 0x41: // i32.const
		_, err := r.s64()
		return err
	case op == 0x42: // i64.const
		_, err := r.s64()
		return err
	case op == 0x43: // f32.const
		_, err := r.bytes(4)
		return err
	case op == 0x44: // f64.const
		_, err := r.bytes(8)
		return err
	case op == 0xd0: // ref.null t
		_, err := r.byte()
		return err
	case op == 0xd2: // ref.func
		_, err := r.u32()
		return err
	case op == 0xfc:
		return skipPrefixed(r)
	case op == 0x00 || op == 0x01 || op == 0x05 || op == 0x0b || op == 0x0f || op == 0x1a || op == 0x1b ||
		(op >= 0x45 && op <= 0xc4) || op == 0xd1:
		return nil // no immediates
	}
	return fmt.Errorf("unsupported opcode 0x%02x", op)
}

// skipPrefixed handles the 0xFC instructions: saturating conversions, bulk
// memory and table instructions.
func skipPrefixed(r *reader) error {
	sub, err := r.u32()
	if err != nil {
		return err
	}
	immediates := map[uint32]int{
		0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, // trunc_sat
		8: 2, 9: 1, 10: 2, 11: 1, // memory.init, data.drop, memory.copy, memory.fill
		12: 2, 13: 1, 14: 2, 15: 1, 16: 1, 17: 1, // table.init, elem.drop, table.copy, grow, size, fill
	}
	n, ok := immediates[sub]
	if !ok {
		return fmt.Errorf("unsupported opcode 0xfc %d", sub)
	}
	for i := 0; i < n; i++ {
		if _, err := r.u32(); err != nil {
			return err
		}
	}
	return nil
}
