package e2e

import (
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// workerStatus is `q registry worker-status` as JSON.
type workerStatus struct {
	InService bool `json:"in_service"`
	Bond      struct {
		Amount string `json:"amount"`
	} `json:"bond"`
	Stats struct {
		Unresponsive     bool   `json:"unresponsive"`
		Heartbeats       string `json:"heartbeats"`
		Missed           string `json:"missed"`
		Slashed          string `json:"slashed"`
		Rewarded         string `json:"rewarded"`
		PerformanceScore string `json:"performance_score"`
	} `json:"stats"`
}

func num(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// devnetWorkerIdentity returns the identity key (hex) of the worker the
// devnet account name operates.
func devnetWorkerIdentity(t *testing.T, d *devnet, name string) string {
	t.Helper()
	operator := strings.TrimSpace(d.mustPhalad(t, "keys", "show", name, "-a", "--keyring-backend", "test"))
	var res struct {
		Workers []struct {
			IdentityPubkey []byte `json:"identity_pubkey"`
			Operator       string `json:"operator"`
		} `json:"workers"`
	}
	d.queryJSON(t, &res, "q", "registry", "workers")
	for _, w := range res.Workers {
		if w.Operator == operator {
			return hex.EncodeToString(w.IdentityPubkey)
		}
	}
	return ""
}

// testDevnetWorkers checks the workers `make devnet` runs: all three
// register, stay in sync and answer heartbeats, with a benchmark score.
// Then worker0's enclave and sidecar are SIGKILLed: the chain marks it
// unresponsive, slashes its bond and takes it out of service. Restarted
// with the devnet's own scripts, its enclave resumes from its sealed
// checkpoint (not from block 1), the sidecar tops the bond up, and the next
// answered challenge brings the worker back. It returns a function stopping
// the restarted processes (the devnet does not own them).
func testDevnetWorkers(t, outer *testing.T, d *devnet) (stop func()) {
	stop = func() {}
	ids := map[string]string{}
	for _, name := range []string{"gatekeeper0", "worker0", "worker1"} {
		waitFor(t, 60*time.Second, name+" to register", func() (bool, string) {
			ids[name] = devnetWorkerIdentity(t, d, name)
			return ids[name] != "", "not registered"
		})
	}
	status := func(name string) workerStatus {
		var st workerStatus
		d.queryJSON(t, &st, "q", "registry", "worker-status", ids[name])
		return st
	}
	for _, name := range []string{"gatekeeper0", "worker0", "worker1"} {
		waitFor(t, 180*time.Second, name+" to answer a heartbeat", func() (bool, string) {
			st := status(name)
			return num(st.Stats.Heartbeats) >= 1 && st.InService && num(st.Stats.PerformanceScore) > 0, fmt.Sprintf("%+v", st)
		})
	}

	// The enclaves answer end-to-end encrypted queries at the endpoints they
	// registered; garbage is refused with a clear error.
	var answer struct {
		SyncedHeight string `json:"synced_height"`
		Registered   bool   `json:"registered"`
		Gatekeeper   bool   `json:"gatekeeper"`
	}
	for name, gatekeeper := range map[string]bool{"gatekeeper0": true, "worker1": false} {
		if name == "gatekeeper0" {
			waitFor(t, 120*time.Second, "gatekeeper0 to take office", func() (bool, string) {
				d.queryJSON(t, &answer, "q", "enclave", ids[name])
				return answer.Gatekeeper, fmt.Sprintf("%+v", answer)
			})
		}
		d.queryJSON(t, &answer, "q", "enclave", ids[name])
		if num(answer.SyncedHeight) < 2 || !answer.Registered || answer.Gatekeeper != gatekeeper {
			t.Fatalf("%s answers %+v", name, answer)
		}
	}
	var worker struct {
		Worker struct {
			Endpoint string `json:"endpoint"`
		} `json:"worker"`
	}
	d.queryJSON(t, &worker, "q", "registry", "worker", ids["worker1"])
	res, err := http.Post(worker.Worker.Endpoint+"/v1/query", "application/octet-stream", strings.NewReader("not a sealed query"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "cannot open the request") {
		t.Fatalf("garbage query: %s %q", res.Status, body)
	}

	dir := filepath.Join(d.home, "workers", "worker0")
	for _, part := range []string{"worker", "enclave"} {
		if err := syscall.Kill(readPID(t, filepath.Join(dir, part+".pid")), syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	before := status("worker0")
	waitFor(t, 240*time.Second, "the killed worker0 to be marked unresponsive", func() (bool, string) {
		st := status("worker0")
		return st.Stats.Unresponsive, fmt.Sprintf("%+v", st)
	})
	after := status("worker0")
	if after.InService || num(after.Stats.Missed) < 1 || num(after.Stats.Slashed) <= 0 ||
		num(after.Bond.Amount) != num(before.Bond.Amount)-num(after.Stats.Slashed) {
		t.Fatalf("after the miss: %+v (before %+v)", after, before)
	}

	// Restart both with the scripts the devnet wrote.
	enclaveLog := filepath.Join(dir, "enclave.log")
	logged, err := os.ReadFile(enclaveLog)
	if err != nil {
		t.Fatal(err)
	}
	stopEnclave := startCommand(t, outer, enclaveLog, filepath.Join(dir, "run-enclave.sh"))
	waitFor(t, 30*time.Second, "the restarted enclave's start line", func() (bool, string) {
		bz, _ := os.ReadFile(enclaveLog)
		return strings.Contains(string(bz[len(logged):]), "serving"), "not started"
	})
	stopWorker := startCommand(t, outer, filepath.Join(dir, "worker.log"), filepath.Join(dir, "run-worker.sh"))
	stop = func() { _ = stopWorker(); _ = stopEnclave() }
	bz, _ := os.ReadFile(enclaveLog)
	m := regexp.MustCompile(`synced height (\d+)`).FindStringSubmatch(string(bz[len(logged):]))
	if m == nil || num(m[1]) <= 1 {
		t.Fatalf("the restarted enclave did not resume from a checkpoint: %q", string(bz[len(logged):]))
	}
	waitFor(t, 240*time.Second, "worker0 to answer again and recover", func() (bool, string) {
		st := status("worker0")
		return !st.Stats.Unresponsive && st.InService && num(st.Stats.Heartbeats) > num(after.Stats.Heartbeats), fmt.Sprintf("%+v", st)
	})
	return stop
}
