package devnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	cmttypes "github.com/cometbft/cometbft/types"
)

// node is one process the supervisor started: a validator, or a worker's
// enclave or sidecar.
type node struct {
	index   int
	name    string
	restart string // how to restart it by hand
	cmd     *exec.Cmd
	logPath string
	pidPath string
	exited  chan struct{}
	err     error // set before exited is closed
}

// supervisor starts the validators, watches them and stops them.
type supervisor struct {
	layout  Layout
	chainID string
	binary  string
	out     io.Writer

	// validators and accounts are the devnet's genesis validators and its
	// accounts (for the workers' operators and votes on gatekeepers).
	validators int
	accounts   []Account

	mu       sync.Mutex
	nodes    []*node
	enclaves []*node
	sidecars []*node
}

// startNodes launches `phalad start` for every node, logging to
// <node>/phalad.log and recording its pid in <node>/phalad.pid.
func (s *supervisor) startNodes() error {
	for i := 0; i < s.layout.Nodes; i++ {
		n, err := s.startNode(i)
		if err != nil {
			s.stop()
			return err
		}
		s.mu.Lock()
		s.nodes = append(s.nodes, n)
		s.mu.Unlock()
	}
	return nil
}

func (s *supervisor) startNode(i int) (*node, error) {
	home := s.layout.NodeHome(i)
	n, err := startProcess(s.layout.NodeName(i), s.binary, []string{"start", "--home", home},
		filepath.Join(home, "phalad.log"), filepath.Join(home, "phalad.pid"))
	if err != nil {
		return nil, err
	}
	n.index = i
	n.restart = fmt.Sprintf("phalad start --home %s", home)
	return n, nil
}

// startProcess starts binary with args, logging to logPath and recording its
// pid in pidPath (removed when it exits).
func startProcess(name, binary string, args []string, logPath, pidPath string) (*node, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Own process group: Ctrl-C reaches the supervisor, which stops the
	// processes in order. Pdeathsig stops one if the supervisor is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	n := &node{name: name, cmd: cmd, logPath: logPath, pidPath: pidPath, exited: make(chan struct{})}
	if err := os.WriteFile(n.pidPath, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
		return nil, err
	}
	go func() {
		n.err = cmd.Wait()
		logFile.Close()
		_ = os.Remove(n.pidPath)
		close(n.exited)
	}()
	return n, nil
}

// waitForBlocks waits until node0 has committed minHeight blocks, printing
// progress, and fails early if a node exits.
func (s *supervisor) waitForBlocks(ctx context.Context, minHeight int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	lastPrint := time.Time{}
	for {
		for _, n := range s.nodes {
			select {
			case <-n.exited:
				return fmt.Errorf("%s exited during start-up (%v); last lines of %s:\n%s",
					n.name, n.err, n.logPath, tail(n.logPath, 15))
			default:
			}
		}
		height, _ := s.height(ctx, 0)
		if height >= minHeight {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no block %d after %s (node0 at height %d); see the logs under %s/node*/phalad.log",
				minHeight, timeout, height, s.layout.Home)
		}
		if time.Since(lastPrint) > 5*time.Second {
			fmt.Fprintf(s.out, "waiting for blocks: node0 at height %d\n", height)
			lastPrint = time.Now()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// height asks node i for its latest committed height.
func (s *supervisor) height(ctx context.Context, i int) (int64, error) {
	c, err := rpchttp.New(s.layout.RPCAddr(i), "/websocket")
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	st, err := c.Status(ctx)
	if err != nil {
		return 0, err
	}
	return st.SyncInfo.LatestBlockHeight, nil
}

// snapshot is what the status line shows.
type snapshot struct {
	height  int64
	up      int
	signing int
	setSize int
	workers workerSnapshot
}

// observe asks every node for its height and node0's last commit for the
// number of validators that signed it.
func (s *supervisor) observe(ctx context.Context) snapshot {
	var snap snapshot
	for i := 0; i < s.layout.Nodes; i++ {
		h, err := s.height(ctx, i)
		if err != nil {
			continue
		}
		snap.up++
		if h > snap.height {
			snap.height = h
		}
	}
	if c, err := rpchttp.New(s.layout.RPCAddr(0), "/websocket"); err == nil {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		if b, err := c.Block(cctx, nil); err == nil && b.Block.LastCommit != nil {
			snap.setSize = len(b.Block.LastCommit.Signatures)
			for _, sig := range b.Block.LastCommit.Signatures {
				if sig.BlockIDFlag == cmttypes.BlockIDFlagCommit {
					snap.signing++
				}
			}
		}
	}
	snap.workers = s.observeWorkers(ctx)
	return snap
}

// watch prints a status line until ctx ends, and a line for each node that
// exits. On a terminal the line is rewritten in place.
func (s *supervisor) watch(ctx context.Context, tty bool) {
	s.mu.Lock()
	all := append(append(append([]*node(nil), s.nodes...), s.enclaves...), s.sidecars...)
	s.mu.Unlock()
	for _, n := range all {
		go func(n *node) {
			select {
			case <-n.exited:
				if ctx.Err() == nil {
					fmt.Fprintf(s.out, "\n%s exited: %v (log: %s). Restart it with: %s\n", n.name, n.err, n.logPath, n.restart)
				}
			case <-ctx.Done():
			}
		}(n)
	}
	interval := 5 * time.Second
	if tty {
		interval = time.Second
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			if tty {
				fmt.Fprintln(s.out)
			}
			return
		case <-ticker.C:
		}
		snap := s.observe(ctx)
		line := fmt.Sprintf("%s  height %d | nodes up %d/%d | validators signed last block %d/%d",
			time.Now().Format("15:04:05"), snap.height, snap.up, s.layout.Nodes, snap.signing, snap.setSize)
		if len(s.layout.Companions()) > 0 {
			line += " | " + snap.workers.String()
		}
		if tty {
			fmt.Fprintf(s.out, "\r%-120s", line)
		} else {
			fmt.Fprintln(s.out, line)
		}
	}
}

// stop stops the workers (sidecars before their enclaves), then the nodes.
func (s *supervisor) stop() {
	s.mu.Lock()
	sidecars, enclaves, nodes := append([]*node(nil), s.sidecars...), append([]*node(nil), s.enclaves...), append([]*node(nil), s.nodes...)
	s.mu.Unlock()
	stopAll(sidecars)
	stopAll(enclaves)
	stopAll(nodes)
}

// stopAll sends SIGTERM to every process still running, waits up to 20
// seconds for them to exit, then kills what is left.
func stopAll(nodes []*node) {
	for _, n := range nodes {
		select {
		case <-n.exited:
		default:
			_ = n.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	deadline := time.After(20 * time.Second)
	for _, n := range nodes {
		select {
		case <-n.exited:
		case <-deadline:
			_ = n.cmd.Process.Kill()
			<-n.exited
		}
	}
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	bz, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(bz), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// checkNotRunning fails if a node or worker of this devnet still runs (its
// pid file names a live process).
func checkNotRunning(l Layout) error {
	pidFiles := map[string]string{}
	var names []string
	for i := 0; i < l.Nodes; i++ {
		pidFiles[l.NodeName(i)] = filepath.Join(l.NodeHome(i), "phalad.pid")
		names = append(names, l.NodeName(i))
	}
	for _, c := range l.Companions() {
		for _, part := range []string{"enclave", "worker"} {
			name := c.Name + " " + part
			pidFiles[name] = filepath.Join(l.CompanionDir(c), part+".pid")
			names = append(names, name)
		}
	}
	for _, name := range names {
		bz, err := os.ReadFile(pidFiles[name])
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(bz)))
		if err != nil {
			continue
		}
		if syscall.Kill(pid, 0) == nil {
			return fmt.Errorf("%s of the devnet at %s is already running (pid %d); stop that devnet first", name, l.Home, pid)
		}
	}
	return nil
}
