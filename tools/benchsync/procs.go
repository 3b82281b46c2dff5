package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
)

// pollEvery is how often the enclave's synced height is sampled during a run.
const pollEvery = 5 * time.Millisecond

// enclave is a phala-enclave process this tool started.
type enclave struct {
	cmd      *exec.Cmd
	exited   chan struct{}
	conn     *grpc.ClientConn
	client   api.EnclaveClient
	socket   string
	sockDir  string
	identity string
	log      *lineLog
}

// startEnclave starts phala-enclave (sim) on stateDir, anchored at block 1,
// and waits until it answers on its socket. The socket lives in a short
// temporary directory (Unix socket paths are limited to 108 bytes).
func startEnclave(ctx context.Context, bin, stateDir string, net *devnet, anchor string) (*enclave, error) {
	sockDir, err := os.MkdirTemp("", "benchsync")
	if err != nil {
		return nil, err
	}
	e := &enclave{socket: filepath.Join(sockDir, "enclave.sock"), sockDir: sockDir, exited: make(chan struct{}), log: &lineLog{}}
	e.cmd = exec.Command(bin, "--backend", "sim", "--state-dir", stateDir, "--socket", e.socket,
		"--genesis", net.genesis, "--trust-height", "1", "--trust-hash", anchor)
	e.cmd.Stdout, e.cmd.Stderr = e.log, e.log
	e.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := e.cmd.Start(); err != nil {
		os.RemoveAll(sockDir)
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	go func() { _ = e.cmd.Wait(); close(e.exited) }()
	if e.conn, err = grpc.NewClient("unix://"+e.socket, grpc.WithTransportCredentials(insecure.NewCredentials())); err != nil {
		e.stop()
		return nil, err
	}
	e.client = api.NewEnclaveClient(e.conn)
	deadline := time.Now().Add(30 * time.Second)
	for {
		info, err := e.client.Info(ctx, &api.InfoRequest{})
		if err == nil {
			e.identity = hex.EncodeToString(info.IdentityPubkey)
			return e, nil
		}
		select {
		case <-e.exited:
			return nil, fmt.Errorf("phala-enclave exited: %s", e.log.String())
		default:
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			e.stop()
			return nil, fmt.Errorf("phala-enclave did not answer on %s: %v; output: %s", e.socket, err, e.log.String())
		}
		_ = waitCtx(ctx, 50*time.Millisecond)
	}
}

// cpuSeconds is the CPU time the enclave process has used so far.
func (e *enclave) cpuSeconds() float64 { return procCPU(e.cmd.Process.Pid) }

// stop ends the enclave (SIGTERM, SIGKILL after 10 s) and removes its socket directory.
func (e *enclave) stop() error {
	if e.conn != nil {
		_ = e.conn.Close()
	}
	defer os.RemoveAll(e.sockDir)
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.exited:
		return nil
	case <-time.After(10 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.exited
		return errors.New("phala-enclave ignored SIGTERM for 10 s")
	}
}

// catchUpRun is one timed catch-up. Times are seconds from the line the sidecar
// prints once it knows the worker is registered (its catch-up starts there).
type catchUpRun struct {
	Concurrency int      `json:"fetch_concurrency"`
	Head        int64    `json:"head"`                // the sidecar synced 1..Head
	Messages    int      `json:"ingress_messages"`    // delivered with proofs after the headers
	HeaderS     float64  `json:"headers_s"`           // until the enclave reported Head
	CatchUpS    float64  `json:"catch_up_s"`          // until the sidecar exited (headers, ingress, egress check)
	TotalS      float64  `json:"process_s"`           // from starting the sidecar process to its exit
	HeadersPerS float64  `json:"headers_per_s"`       // Head / HeaderS
	BlocksPerS  float64  `json:"blocks_per_s"`        // Head / CatchUpS, the message included
	MessageS    *float64 `json:"message_s,omitempty"` // from the last header to the delivery line, when sampled in between
	CPU         cpu      `json:"cpu_s"`
}

// cpu is the CPU time each party used during a run, in seconds.
type cpu struct {
	Sidecar float64 `json:"sidecar"`
	Enclave float64 `json:"enclave"`
	Nodes   float64 `json:"nodes"`
}

var (
	registeredLine = regexp.MustCompile(`^(registered worker|worker [0-9a-f]+ is registered)`)
	deliveredLine  = regexp.MustCompile(`^delivered ingress message (\d+) at height (\d+)`)
)

// timeSidecar runs `phala-worker --once` against e and times it from its
// output lines and the enclave's synced height, sampled every pollEvery.
func timeSidecar(ctx context.Context, bin string, net *devnet, from string, e *enclave, concurrency int) (catchUpRun, error) {
	cmd := exec.CommandContext(ctx, bin, "--once", "--fetch-concurrency", strconv.Itoa(concurrency),
		"--enclave-socket", e.socket, "--chain-id", net.chainID, "--node", net.rpc,
		"--home", net.home, "--from", from, "--endpoint", "http://127.0.0.1:8000")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return catchUpRun{}, err
	}
	stderr := &lineLog{}
	cmd.Stderr = stderr

	nodes := net.nodePIDs()
	nodeCPU0, enclaveCPU0 := sumCPU(nodes), e.cpuSeconds()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return catchUpRun{}, err
	}
	// The enclave's height, sampled until the sidecar exits.
	var samples heightSamples
	pollCtx, stopPoll := context.WithCancel(ctx)
	polled := make(chan struct{})
	go func() { defer close(polled); samples.poll(pollCtx, e.client) }()

	var reg, delivered time.Time
	var deliveredAt int64
	var messages int
	out := &lineLog{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line, now := sc.Text(), time.Now()
		out.Write([]byte(line + "\n"))
		if registeredLine.MatchString(line) && reg.IsZero() {
			reg = now
		}
		if m := deliveredLine.FindStringSubmatch(line); m != nil {
			messages++
			delivered = now
			deliveredAt, _ = strconv.ParseInt(m[2], 10, 64)
		}
	}
	waitErr := cmd.Wait()
	end := time.Now()
	stopPoll()
	<-polled
	if waitErr != nil {
		return catchUpRun{}, fmt.Errorf("phala-worker: %v; output:\n%s%s", waitErr, out.String(), stderr.String())
	}
	if reg.IsZero() || messages == 0 {
		return catchUpRun{}, fmt.Errorf("phala-worker neither said the worker is registered nor delivered its message; output:\n%s%s", out.String(), stderr.String())
	}
	head := deliveredAt + 1 // messages are proven at the head's predecessor
	r := catchUpRun{Concurrency: concurrency, Head: head, Messages: messages,
		CatchUpS: end.Sub(reg).Seconds(),
		TotalS:   end.Sub(start).Seconds(),
	}
	// The headers are done when the enclave reports head; if the sidecar
	// delivered its message and exited before the next sample, the delivery
	// line bounds it (a few ms late).
	synced := delivered
	if t, ok := samples.firstAtLeast(head); ok && t.Before(delivered) {
		synced = t
		msg := delivered.Sub(t).Seconds()
		r.MessageS = &msg
	}
	r.HeaderS = synced.Sub(reg).Seconds()
	r.HeadersPerS = float64(head) / r.HeaderS
	r.BlocksPerS = float64(head) / r.CatchUpS
	r.CPU = cpu{
		Sidecar: (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds(),
		Enclave: e.cpuSeconds() - enclaveCPU0,
		Nodes:   sumCPU(nodes) - nodeCPU0,
	}
	return r, nil
}

// heightSamples records when the enclave first reported each synced height.
type heightSamples struct {
	times   []time.Time
	heights []int64
}

func (s *heightSamples) poll(ctx context.Context, c api.EnclaveClient) {
	for ctx.Err() == nil {
		info, err := c.Info(ctx, &api.InfoRequest{})
		if err == nil && (len(s.heights) == 0 || info.SyncedHeight > s.heights[len(s.heights)-1]) {
			s.times = append(s.times, time.Now())
			s.heights = append(s.heights, info.SyncedHeight)
		}
		_ = waitCtx(ctx, pollEvery)
	}
}

// firstAtLeast is the first time the enclave was seen at height h or above.
func (s *heightSamples) firstAtLeast(h int64) (time.Time, bool) {
	for i, x := range s.heights {
		if x >= h {
			return s.times[i], true
		}
	}
	return time.Time{}, false
}

// lineLog collects a process's output.
type lineLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times (100 on Linux).
const clockTicks = 100

// procCPU is the user+system CPU time of pid in seconds (0 if unknown).
func procCPU(pid int) float64 {
	bz, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which is in parentheses and may hold spaces).
	s := string(bz)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / clockTicks
}

func sumCPU(pids []int) float64 {
	var total float64
	for _, p := range pids {
		total += procCPU(p)
	}
	return total
}

// copyDir copies the regular files of src (one level deep or more) into dst.
func copyDir(src, dst string) error {
	return filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case info.IsDir():
			return os.MkdirAll(target, 0o700)
		case !info.Mode().IsRegular():
			return nil // sockets
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// rpcClient is a CometBFT RPC client of the sidecar's node.
func (d *devnet) rpcClient() (*rpchttp.HTTP, error) { return rpchttp.New(d.rpcHTTP, "/websocket") }

// height is the node's latest height.
func (d *devnet) height(ctx context.Context) (int64, error) {
	c, err := d.rpcClient()
	if err != nil {
		return 0, err
	}
	st, err := c.Status(ctx)
	if err != nil {
		return 0, err
	}
	return st.SyncInfo.LatestBlockHeight, nil
}

// blockHash is the hex hash of the block at height (the enclave's anchor).
func (d *devnet) blockHash(ctx context.Context, height int64) (string, error) {
	c, err := d.rpcClient()
	if err != nil {
		return "", err
	}
	b, err := c.Block(ctx, &height)
	if err != nil {
		return "", fmt.Errorf("block %d: %w", height, err)
	}
	return hex.EncodeToString(b.BlockID.Hash), nil
}

// signaturesNeeded is how many signatures, taken in validator-set order as
// CometBFT's light verification takes them, exceed 2/3 of the voting power
// at height, and the number of validators.
func (d *devnet) signaturesNeeded(ctx context.Context, height int64) (int, int, error) {
	c, err := d.rpcClient()
	if err != nil {
		return 0, 0, err
	}
	perPage := 100
	res, err := c.Validators(ctx, &height, nil, &perPage)
	if err != nil {
		return 0, 0, err
	}
	var total int64
	for _, v := range res.Validators {
		total += v.VotingPower
	}
	var tallied int64
	for i, v := range res.Validators {
		tallied += v.VotingPower
		if tallied > total*2/3 {
			return i + 1, len(res.Validators), nil
		}
	}
	return len(res.Validators), len(res.Validators), nil
}
