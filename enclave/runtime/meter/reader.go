package meter

import "fmt"

// reader decodes the binary format's primitives.
type reader struct {
	b   []byte
	pos int
}

func (r *reader) done() bool { return r.pos >= len(r.b) }

func (r *reader) byte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, fmt.Errorf("%w: truncated", ErrModule)
	}
	r.pos++
	return r.b[r.pos-1], nil
}

func (r *reader) bytes(n int) ([]byte, error) {
	if n < 0 || n > len(r.b)-r.pos {
		return nil, fmt.Errorf("%w: truncated", ErrModule)
	}
	r.pos += n
	return r.b[r.pos-n : r.pos], nil
}

// uleb reads an unsigned LEB128 of at most bits bits.
func (r *reader) uleb(bits uint) (uint64, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if shift >= bits+7 {
			return 0, fmt.Errorf("%w: LEB128 too long", ErrModule)
		}
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
	}
}

func (r *reader) u32() (uint32, error) {
	v, err := r.uleb(32)
	if err == nil && v > 1<<32-1 {
		err = fmt.Errorf("%w: u32 out of range", ErrModule)
	}
	return uint32(v), err
}

func (r *reader) u64() (uint64, error) { return r.uleb(64) }

// s64 reads a signed LEB128 (also used for i32.const and block types).
func (r *reader) s64() (int64, error) {
	var v int64
	var shift uint
	for {
		if shift >= 70 {
			return 0, fmt.Errorf("%w: LEB128 too long", ErrModule)
		}
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, nil
		}
	}
}

// limits reads table or memory limits: a flag, a minimum and maybe a maximum.
func (r *reader) limits() error {
	flag, err := r.byte()
	if err != nil {
		return err
	}
	if _, err := r.u32(); err != nil {
		return err
	}
	if flag&1 != 0 {
		_, err = r.u32()
	}
	return err
}

// blockType reads a block type: 0x40 (empty), a value type, or a type index
// (a signed LEB128).
func (r *reader) blockType() error {
	_, err := r.s64()
	return err
}

func appendU32(out []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			out = append(out, c|0x80)
			continue
		}
		return append(out, c)
	}
}

func appendS64(out []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(out, c)
		}
		out = append(out, c|0x80)
	}
}
