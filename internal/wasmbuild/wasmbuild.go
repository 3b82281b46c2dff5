// Package wasmbuild builds Go packages into contract modules for tests, as
// contracts are built (make contracts): GOOS=wasip1 GOARCH=wasm,
// -buildmode=c-shared (a reactor exporting its go:wasmexport functions and
// _initialize), -trimpath so that the code hash does not depend on where
// the checkout is.
package wasmbuild

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Build compiles the Go package at dir (relative to the test's package; it
// may be in another module, such as contracts/) with the toolchain running
// the test and returns the module.
func Build(t testing.TB, dir string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), filepath.Base(dir)+".wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s for wasip1: %v\n%s", dir, err, b)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}
