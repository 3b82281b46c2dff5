package e2e

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
)

// syncBuffer collects a process's output for the test to read.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startWorker starts phala-worker for the enclave at socket, as bob.
func startWorker(t *testing.T, d *devnet, socket string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	out := &syncBuffer{}
	cmd := exec.Command(workerBinary, "--enclave-socket", socket, "--chain-id", chainID, "--node", d.rpcURL(0),
		"--home", d.home, "--from", "bob", "--endpoint", "http://127.0.0.1:8200", "--interval", "500ms", "--metrics", "127.0.0.1:0")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, out
}

// testWorkerSidecar runs a phala-enclave with its phala-worker sidecar on
// the devnet: the sidecar registers the worker from the enclave's own
// attestation, keeps the enclave in sync and delivers its registration
// message; SIGKILLed and restarted, it picks up where the enclave is.
func testWorkerSidecar(t *testing.T, d *devnet) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, stateDir, e, info := startAnchoredEnclave(ctx, t, d)
	socket := filepath.Join(stateDir, "enclave.sock")
	worker, out := startWorker(t, d, socket)

	bob := strings.TrimSpace(d.mustPhalad(t, "keys", "show", "bob", "-a", "--keyring-backend", "test"))
	inSync := func(what string) {
		t.Helper()
		waitFor(t, 90*time.Second, what, func() (bool, string) {
			got, err := e.client.Info(ctx, &api.InfoRequest{})
			if err != nil {
				return false, err.Error()
			}
			h, err := d.height(0)
			if err != nil {
				return false, err.Error()
			}
			return got.Registered && got.SyncedHeight >= h-3, fmt.Sprintf("registered %v, enclave at %d, node at %d; worker output:\n%s",
				got.Registered, got.SyncedHeight, h, out.String())
		})
	}
	inSync("the sidecar to register the worker and bring the enclave in sync")
	var w struct {
		Worker struct {
			Operator string `json:"operator"`
			Backend  string `json:"backend"`
		} `json:"worker"`
	}
	d.queryJSON(t, &w, "q", "registry", "worker", hex.EncodeToString(info.IdentityPubkey))
	if w.Worker.Operator != bob || w.Worker.Backend != "sim" {
		t.Fatalf("registered worker %+v", w.Worker)
	}

	_ = worker.Process.Kill()
	_ = worker.Wait()
	before, _ := e.client.Info(ctx, &api.InfoRequest{})
	waitFor(t, 30*time.Second, "new blocks while the sidecar is down", func() (bool, string) {
		h, err := d.height(0)
		return err == nil && h >= before.SyncedHeight+5, fmt.Sprint(h)
	})
	_, out = startWorker(t, d, socket)
	inSync("the restarted sidecar to catch the enclave up")
	if !strings.Contains(out.String(), "is registered") {
		t.Fatalf("the restarted sidecar registered again or said nothing:\n%s", out.String())
	}
	// Its Prometheus metrics show the enclave's height.
	m := regexp.MustCompile(`metrics on (http://\S+/metrics)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no metrics address in the output:\n%s", out.String())
	}
	resp, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	synced := regexp.MustCompile(`(?m)^phala_worker_enclave_synced_height (\S+)$`).FindStringSubmatch(string(body))
	if synced == nil || synced[1] == "0" {
		t.Fatalf("metrics lack the enclave's height:\n%s", body)
	}
}
