package types

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/phala-cosmos/phala-cosmos/enclave/runtime/meter"
)

// RequiredExports are the functions a contract module must export
// (contracts/sdk provides them).
var RequiredExports = []string{"_initialize", "phala_init", "phala_handle", "phala_query"}

var gzipMagic = []byte{0x1f, 0x8b}

// IsGzip reports whether an upload is gzip-compressed.
func IsGzip(upload []byte) bool { return bytes.HasPrefix(upload, gzipMagic) }

// DecodeUpload returns the module in an upload, decompressing gzip, and
// refuses a module over maxSize bytes however well it compresses.
func DecodeUpload(upload []byte, maxSize uint64) ([]byte, error) {
	if !IsGzip(upload) {
		if uint64(len(upload)) > maxSize {
			return nil, fmt.Errorf("%w: the module is %d bytes, over max_code_size %d", ErrInvalidCode, len(upload), maxSize)
		}
		return upload, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(upload))
	if err != nil {
		return nil, fmt.Errorf("%w: bad gzip: %v", ErrInvalidCode, err)
	}
	module, err := io.ReadAll(io.LimitReader(zr, int64(maxSize)+1))
	if err != nil {
		return nil, fmt.Errorf("%w: bad gzip: %v", ErrInvalidCode, err)
	}
	// ReadAll stopped at the limit or at the end of the stream; junk after
	// the compressed data fails there as a bad header.
	if uint64(len(module)) > maxSize {
		return nil, fmt.Errorf("%w: the module decompresses to more than max_code_size %d bytes", ErrInvalidCode, maxSize)
	}
	return module, nil
}

// ValidateModule checks, deterministically and without compiling, that a
// module can be a contract: WebAssembly 1.0 that the fuel meter can
// instrument, exporting the entry points and a memory. Workers check the
// rest when they compile it.
func ValidateModule(module []byte) error {
	exports, err := meter.Exports(module)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidCode, err)
	}
	var missing []string
	for _, name := range RequiredExports {
		if kind, ok := exports[name]; !ok || kind != meter.ExportFunction {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: it does not export %v (build it with contracts/sdk and -buildmode=c-shared)", ErrInvalidCode, missing)
	}
	hasMemory := false
	for _, kind := range exports {
		hasMemory = hasMemory || kind == meter.ExportMemory
	}
	if !hasMemory {
		return fmt.Errorf("%w: it exports no memory", ErrInvalidCode)
	}
	if _, err := meter.Instrument(module); err != nil {
		if errors.Is(err, meter.ErrModule) {
			return fmt.Errorf("%w: %v", ErrInvalidCode, err)
		}
		return err
	}
	return nil
}
