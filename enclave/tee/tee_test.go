package tee

import "testing"

func TestParseBackend(t *testing.T) {
	for _, s := range []string{"sgx", "sim"} {
		if b, err := ParseBackend(s); err != nil || string(b) != s {
			t.Errorf("%s: %v %v", s, b, err)
		}
	}
	if _, err := ParseBackend("tdx"); err == nil {
		t.Error("tdx accepted")
	}
	if BackendSim.String() != "sim (INSECURE simulation)" || BackendSGX.String() != "sgx" {
		t.Error("backend names")
	}
}
