package types_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
)

func gz(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestDecodeUpload(t *testing.T) {
	module := append([]byte("\x00asm\x01\x00\x00\x00"), make([]byte, 1000)...)
	for _, tc := range []struct {
		name   string
		upload []byte
		max    uint64
		ok     bool
	}{
		{"raw", module, 2000, true},
		{"raw too big", module, 1007, false},
		{"gzip", gz(t, module), 2000, true},
		{"gzip bomb", gz(t, make([]byte, 1<<20)), 2000, false},
		{"gzip at the limit", gz(t, module), uint64(len(module)), true},
		{"gzip one over", gz(t, module), uint64(len(module)) - 1, false},
		{"two gzip members", append(gz(t, module), gz(t, module)...), 2000, false},
		{"corrupt gzip", gz(t, module)[:20], 2000, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := types.DecodeUpload(tc.upload, tc.max)
			if tc.ok != (err == nil) {
				t.Fatalf("err %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, types.ErrInvalidCode) {
				t.Fatalf("err %v is not ErrInvalidCode", err)
			}
			if tc.ok && !bytes.Equal(got, module) {
				t.Fatal("decoded the wrong bytes")
			}
		})
	}
}

func TestValidateModule(t *testing.T) {
	for name, module := range map[string][]byte{
		"not wasm":      []byte("hello"),
		"empty module":  []byte("\x00asm\x01\x00\x00\x00"),
		"wasm version2": []byte("\x00asm\x02\x00\x00\x00"),
	} {
		if err := types.ValidateModule(module); !errors.Is(err, types.ErrInvalidCode) {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func FuzzDecodeUpload(f *testing.F) {
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Add(gz(&testing.T{}, []byte("\x00asm\x01\x00\x00\x00")))
	f.Fuzz(func(t *testing.T, upload []byte) {
		module, err := types.DecodeUpload(upload, 4096)
		if err != nil {
			return
		}
		if len(module) > 4096 {
			t.Fatalf("decoded %d bytes over the limit", len(module))
		}
		_ = types.ValidateModule(module) // must not panic
	})
}
