package meter

import "fmt"

// ExportKind is what an export names.
type ExportKind byte

// Export kinds of the binary format.
const (
	ExportFunction ExportKind = 0
	ExportTable    ExportKind = 1
	ExportMemory   ExportKind = 2
	ExportGlobal   ExportKind = 3
)

// Exports lists a module's exports by name, reading only the section
// headers and the export section: a cheap, deterministic check the chain
// can make on uploaded code before any worker compiles it.
func Exports(module []byte) (map[string]ExportKind, error) {
	if len(module) < 8 || string(module[:8]) != "\x00asm\x01\x00\x00\x00" {
		return nil, fmt.Errorf("%w: not a WebAssembly 1.0 binary", ErrModule)
	}
	sections, err := splitSections(module[8:])
	if err != nil {
		return nil, err
	}
	out := map[string]ExportKind{}
	for _, s := range sections {
		if s.id != secExport {
			continue
		}
		r := reader{b: s.body}
		n, err := r.u32()
		if err != nil {
			return nil, err
		}
		for i := uint32(0); i < n; i++ {
			l, err := r.u32()
			if err != nil {
				return nil, err
			}
			name, err := r.bytes(int(l))
			if err != nil {
				return nil, err
			}
			kind, err := r.byte()
			if err != nil {
				return nil, err
			}
			if kind > byte(ExportGlobal) {
				return nil, fmt.Errorf("%w: export kind %d", ErrModule, kind)
			}
			if _, err := r.u32(); err != nil { // index
				return nil, err
			}
			out[string(name)] = ExportKind(kind)
		}
	}
	return out, nil
}
