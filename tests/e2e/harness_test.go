package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// phaladBinary, enclaveBinary and workerBinary are the programs under test,
// set by TestMain.
var phaladBinary, enclaveBinary, workerBinary string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	phaladBinary, enclaveBinary, workerBinary = os.Getenv("PHALAD"), os.Getenv("PHALA_ENCLAVE"), os.Getenv("PHALA_WORKER")
	if testing.Short() {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "phala-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	for _, b := range []struct {
		path *string
		pkg  string
	}{{&phaladBinary, "phalad"}, {&enclaveBinary, "phala-enclave"}, {&workerBinary, "phala-worker"}} {
		if *b.path != "" {
			continue
		}
		*b.path = filepath.Join(dir, b.pkg)
		build := exec.Command("go", "build", "-o", *b.path, "../../cmd/"+b.pkg)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building", b.pkg+":", err)
			return 1
		}
	}
	return m.Run()
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// freePortBase finds a port base whose ports for nodes validators are all free.
func freePortBase(t *testing.T, nodes int) int {
	t.Helper()
	// Stay below the kernel's ephemeral range: a client connection (the
	// test's, a sidecar's) can hold any port in it, and a node restarted on
	// the devnet's ports would then find one taken.
	top := 32768
	if bz, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(bz)); len(f) == 2 {
			if lo, err := strconv.Atoi(f[0]); err == nil && lo > 20000 {
				top = lo
			}
		}
	}
	slots := (top - 10*nodes - 10000) / 10
	for attempt := 0; attempt < 50; attempt++ {
		base := 10000 + 10*rand.Intn(slots)
		free := true
		for p := base; p < base+10*nodes && free; p++ {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				free = false
				continue
			}
			ln.Close()
		}
		if free {
			return base
		}
	}
	t.Fatal("no free port range found")
	return 0
}

// devnet is a running scripts/devnet.sh.
type devnet struct {
	home     string
	portBase int
	nodes    int
	cmd      *exec.Cmd
	mu       sync.Mutex
	output   bytes.Buffer
	ready    chan struct{}
	exited   chan struct{}
}

// devnetCandidates is the number of waiting candidates the tests' devnets run.
const devnetCandidates = 2

// startDevnet runs scripts/devnet.sh with the given number of validators
// (and devnetCandidates waiting candidates) and waits until it reports the
// network ready.
func startDevnet(t *testing.T, home string, portBase, validators int, extraEnv ...string) *devnet {
	t.Helper()
	nodes := validators + devnetCandidates
	d := &devnet{home: home, portBase: portBase, nodes: nodes, ready: make(chan struct{}), exited: make(chan struct{})}
	d.cmd = exec.Command(filepath.Join(repoRoot(t), "scripts", "devnet.sh"))
	d.cmd.Env = append(os.Environ(),
		"PHALAD="+phaladBinary,
		"DEVNET_HOME="+home,
		"DEVNET_PORT_BASE="+strconv.Itoa(portBase),
		"DEVNET_VALIDATORS="+strconv.Itoa(validators),
		"DEVNET_CANDIDATES="+strconv.Itoa(devnetCandidates),
	)
	d.cmd.Env = append(d.cmd.Env, extraEnv...)
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	d.cmd.Stderr = d.cmd.Stdout
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		scanner := bufio.NewScanner(stdout)
		once := sync.Once{}
		for scanner.Scan() {
			line := scanner.Text()
			d.mu.Lock()
			d.output.WriteString(line + "\n")
			d.mu.Unlock()
			if strings.HasPrefix(line, "devnet ready") {
				once.Do(func() { close(d.ready) })
			}
		}
		_ = d.cmd.Wait()
		close(d.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-d.exited:
		default:
			_ = d.cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-d.exited:
			case <-time.After(60 * time.Second):
				_ = d.cmd.Process.Kill()
			}
		}
		if t.Failed() {
			t.Logf("devnet output:\n%s", d.Output())
		}
	})
	select {
	case <-d.ready:
	case <-d.exited:
		t.Fatalf("devnet exited before it was ready:\n%s", d.Output())
	case <-time.After(3 * time.Minute):
		t.Fatalf("devnet not ready after 3 minutes:\n%s", d.Output())
	}
	return d
}

// Output is everything the devnet printed so far.
func (d *devnet) Output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.output.String()
}

// stop interrupts the devnet as Ctrl-C would and waits for it to exit.
func (d *devnet) stop(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.exited:
	case <-time.After(60 * time.Second):
		t.Fatalf("devnet did not stop within 60s of Ctrl-C:\n%s", d.Output())
	}
	if !strings.Contains(d.Output(), "all nodes stopped") {
		t.Fatalf("devnet did not report stopping its nodes:\n%s", d.Output())
	}
}

func (d *devnet) rpcURL(node int) string {
	return fmt.Sprintf("http://127.0.0.1:%d", d.portBase+10*node+1)
}

// rpc calls a CometBFT RPC method on node and decodes its result into out.
func (d *devnet) rpc(node int, path string, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.rpcURL(node)+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var envelope struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Message string `json:"message"`
			Data    string `json:"data"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &envelope); err != nil {
		return fmt.Errorf("%s: %w (%s)", path, err, body)
	}
	if envelope.Error != nil {
		return fmt.Errorf("%s: %s %s", path, envelope.Error.Message, envelope.Error.Data)
	}
	return json.Unmarshal(envelope.Result, out)
}

// height is node's latest committed height, or an error if it is down.
func (d *devnet) height(node int) (int64, error) {
	var st struct {
		SyncInfo struct {
			LatestBlockHeight string `json:"latest_block_height"`
		} `json:"sync_info"`
	}
	if err := d.rpc(node, "/status", &st); err != nil {
		return 0, err
	}
	return strconv.ParseInt(st.SyncInfo.LatestBlockHeight, 10, 64)
}

// signers counts the commit signatures in the last commit of block height on node.
func (d *devnet) signers(node int, height int64) (int, error) {
	var res struct {
		Block struct {
			LastCommit struct {
				Signatures []struct {
					BlockIDFlag int `json:"block_id_flag"`
				} `json:"signatures"`
			} `json:"last_commit"`
		} `json:"block"`
	}
	if err := d.rpc(node, fmt.Sprintf("/block?height=%d", height), &res); err != nil {
		return 0, err
	}
	n := 0
	for _, s := range res.Block.LastCommit.Signatures {
		if s.BlockIDFlag == 2 { // BlockIDFlagCommit
			n++
		}
	}
	return n, nil
}

// waitFor polls cond every 500ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s (last: %s)", timeout, what, last)
}

// phalad runs the CLI against the devnet (--home is the devnet home, whose
// client.toml names the chain, node0 and the test keyring).
func (d *devnet) phalad(args ...string) (string, string, error) {
	cmd := exec.Command(phaladBinary, append([]string{"--home", d.home}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// mustPhalad runs the CLI and fails the test on error.
func (d *devnet) mustPhalad(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := d.phalad(args...)
	if err != nil {
		t.Fatalf("phalad %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// startPhalad runs phalad with args, appending its output to logPath. The
// returned stop sends SIGTERM and waits for the exit (SIGKILL after 30s); it
// also runs when owner (the test the process belongs to, which may outlive
// t) ends, and prints the log if owner failed.
func startPhalad(t, owner *testing.T, logPath string, args ...string) (stop func() error) {
	t.Helper()
	return startCommand(t, owner, logPath, phaladBinary, args...)
}

// startCommand is startPhalad for any program.
func startCommand(t, owner *testing.T, logPath, binary string, args ...string) (stop func() error) {
	t.Helper()
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); logFile.Close(); close(exited) }()
	var once sync.Once
	var stopErr error
	stop = func() error {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
				stopErr = fmt.Errorf("%s %s ignored SIGTERM for 30s", binary, strings.Join(args, " "))
			}
		})
		return stopErr
	}
	owner.Cleanup(func() {
		_ = stop()
		if owner.Failed() {
			log, _ := os.ReadFile(logPath)
			owner.Logf("%s:\n%s", logPath, log)
		}
	})
	return stop
}

// queryJSON runs a phalad query with JSON output and decodes it into out.
func (d *devnet) queryJSON(t *testing.T, out any, args ...string) {
	t.Helper()
	raw := d.mustPhalad(t, append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(raw), out); err != nil {
		t.Fatalf("phalad %s: %v\n%s", strings.Join(args, " "), err, raw)
	}
}

// sendTx sends a transaction with the CLI, waits for its block and fails the
// test unless it succeeded there. It returns the committed result.
func (d *devnet) sendTx(t *testing.T, args ...string) txResult {
	t.Helper()
	var res txResult
	out := d.mustPhalad(t, append(append([]string{"tx"}, args...), "-y", "-o", "json")...)
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Code != 0 {
		t.Fatalf("tx %s refused at check: %v %+v", strings.Join(args, " "), err, res)
	}
	included := d.mustPhalad(t, "q", "wait-tx", res.TxHash, "--timeout", "30s", "-o", "json")
	if err := json.Unmarshal([]byte(included), &res); err != nil || res.Code != 0 {
		t.Fatalf("tx %s failed in its block: %v %+v", strings.Join(args, " "), err, res)
	}
	return res
}

// txResult is the part of a transaction result the tests read.
type txResult struct {
	TxHash string `json:"txhash"`
	Code   int    `json:"code"`
	RawLog string `json:"raw_log"`
	Events []struct {
		Type       string `json:"type"`
		Attributes []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"attributes"`
	} `json:"events"`
}

// attribute returns the value of the first attribute key of an event of
// type typ, "" if there is none.
func (r txResult) attribute(typ, key string) string {
	for _, e := range r.Events {
		if e.Type != typ {
			continue
		}
		for _, a := range e.Attributes {
			if a.Key == key {
				return a.Value
			}
		}
	}
	return ""
}
