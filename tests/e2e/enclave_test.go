package e2e

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/light/provider"
	lighthttp "github.com/cometbft/cometbft/light/provider/http"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/cosmos/cosmos-sdk/types/bech32"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
)

// enclaveProcess is a running phala-enclave and a client on its socket.
type enclaveProcess struct {
	cmd    *exec.Cmd
	client api.EnclaveClient
	conn   *grpc.ClientConn
}

// startEnclave starts phala-enclave (sim backend) on the devnet's genesis,
// anchored to block 1 when trustHash is given, and waits for its socket.
func startEnclave(t *testing.T, d *devnet, stateDir, trustHash string) *enclaveProcess {
	t.Helper()
	socket := filepath.Join(stateDir, "enclave.sock")
	args := []string{"--backend", "sim", "--state-dir", stateDir, "--genesis", filepath.Join(d.home, "node0", "config", "genesis.json"),
		"--checkpoint-every", "5"}
	if trustHash != "" {
		args = append(args, "--trust-height", "1", "--trust-hash", trustHash)
	}
	cmd := exec.Command(enclaveBinary, args...)
	logFile, err := os.Create(filepath.Join(stateDir, "enclave.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &enclaveProcess{cmd: cmd}
	t.Cleanup(func() { p.kill() })
	waitFor(t, 20*time.Second, "the enclave's socket", func() (bool, string) {
		c, err := net.Dial("unix", socket)
		if err == nil {
			c.Close()
		}
		return err == nil, fmt.Sprint(err)
	})
	p.conn, err = grpc.NewClient("unix://"+socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	p.client = api.NewEnclaveClient(p.conn)
	return p
}

func (p *enclaveProcess) kill() {
	if p.conn != nil {
		p.conn.Close()
	}
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}
}

// startAnchoredEnclave starts phala-enclave anchored to the devnet's block 1
// (as its operator would pin it) and returns a light block provider on
// node0, its state directory, the process and its first Info.
func startAnchoredEnclave(ctx context.Context, t *testing.T, d *devnet) (provider.Provider, string, *enclaveProcess, *api.InfoResponse) {
	t.Helper()
	node, err := lighthttp.New(chainID, d.rpcURL(0))
	if err != nil {
		t.Fatal(err)
	}
	first, err := node.LightBlock(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	stateDir := t.TempDir()
	e := startEnclave(t, d, stateDir, hex.EncodeToString(first.Hash()))
	info, err := e.client.Info(ctx, &api.InfoRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return node, stateDir, e, info
}

// testEnclaveProcess runs the real phala-enclave against the devnet, with
// this test in the sidecar's place: it registers from the enclave's own
// attestation (so the enclave computed the chain's binding itself), syncs
// headers from block 1, takes its first ingress message with a proof,
// refuses a replay and a forged header, and after SIGKILL resumes from its
// sealed checkpoint without the anchor.
func testEnclaveProcess(t *testing.T, d *devnet) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	node, stateDir, e, info := startAnchoredEnclave(ctx, t, d)
	if info.Backend != "sim" || info.ChainId != chainID {
		t.Fatalf("info: %+v", info)
	}

	carol := strings.TrimSpace(d.mustPhalad(t, "keys", "show", "carol", "-a", "--keyring-backend", "test"))
	_, operator, err := bech32.DecodeAndConvert(carol)
	if err != nil {
		t.Fatal(err)
	}
	att, err := e.client.Attest(ctx, &api.AttestRequest{Operator: operator})
	if err != nil {
		t.Fatal(err)
	}
	evidence := filepath.Join(t.TempDir(), "evidence.bin")
	writeFile(t, evidence, string(att.Evidence))
	identity := hex.EncodeToString(info.IdentityPubkey)
	d.sendTx(t, "registry", "register-worker", evidence, "--identity-pubkey", identity,
		"--ecdh-pubkey", hex.EncodeToString(info.EcdhPubkey), "--endpoint", "http://127.0.0.1:8100", "--from", "carol")

	// Sync to a height whose predecessor's state holds the registration.
	rpc, err := rpchttp.New(d.rpcURL(0), "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	var h int64
	var res []byte
	var proof []byte
	waitFor(t, 30*time.Second, "the registration's ingress message", func() (bool, string) {
		if h, err = d.height(0); err != nil {
			return false, err.Error()
		}
		q, err := rpc.ABCIQueryWithOptions(ctx, "/store/"+ingress.StoreKey+"/key", ingress.MessageKey(info.IdentityPubkey, 1),
			rpcclient.ABCIQueryOptions{Height: h - 1, Prove: true})
		if err != nil || len(q.Response.Value) == 0 {
			return false, fmt.Sprint(err)
		}
		res = q.Response.Value
		if proof, err = q.Response.ProofOps.Marshal(); err != nil {
			t.Fatal(err)
		}
		return true, ""
	})
	sync := func(from, to int64) {
		t.Helper()
		var batch [][]byte
		for k := from; k <= to; k++ {
			lb, err := node.LightBlock(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			pb, err := lb.ToProto()
			if err != nil {
				t.Fatal(err)
			}
			bz, err := pb.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			batch = append(batch, bz)
		}
		got, err := e.client.SyncHeaders(ctx, &api.SyncHeadersRequest{LightBlocks: batch})
		if err != nil || got.Height != to {
			t.Fatalf("sync %d..%d: %+v %v", from, to, got, err)
		}
	}
	sync(1, h)
	if _, err := e.client.Dispatch(ctx, &api.DispatchRequest{Height: h - 1, Sequence: 1, Message: res, Proof: proof}); err != nil {
		t.Fatalf("dispatch the registration: %v", err)
	}
	if info, err = e.client.Info(ctx, &api.InfoRequest{}); err != nil || !info.Registered || info.NextIngress != 2 {
		t.Fatalf("after the registration message: %+v %v", info, err)
	}
	_, err = e.client.Dispatch(ctx, &api.DispatchRequest{Height: h - 1, Sequence: 1, Message: res, Proof: proof})
	if status.Code(err) != codes.AlreadyExists {
		t.Fatalf("replayed ingress message: %v", err)
	}

	// A forged next header is refused.
	next, err := node.LightBlock(ctx, h+1)
	if err != nil {
		waitFor(t, 10*time.Second, fmt.Sprintf("height %d", h+1), func() (bool, string) {
			next, err = node.LightBlock(ctx, h+1)
			return err == nil, fmt.Sprint(err)
		})
	}
	pb, err := next.ToProto()
	if err != nil {
		t.Fatal(err)
	}
	pb.SignedHeader.Header.AppHash = []byte("forged app hash, 32 bytes long!!")
	forged, _ := pb.Marshal()
	if _, err := e.client.SyncHeaders(ctx, &api.SyncHeadersRequest{LightBlocks: [][]byte{forged}}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("forged header: %v", err)
	}

	// SIGKILL, then restart without the anchor: it resumes from its sealed
	// checkpoint, registered, at the height it had reached.
	e.kill()
	again := startEnclave(t, d, stateDir, "")
	resumed, err := again.client.Info(ctx, &api.InfoRequest{})
	if err != nil || !resumed.Registered || resumed.SyncedHeight != h || resumed.NextIngress != 2 ||
		hex.EncodeToString(resumed.IdentityPubkey) != identity {
		t.Fatalf("after SIGKILL and restart: %+v %v", resumed, err)
	}
	if _, err := again.client.SyncHeaders(ctx, &api.SyncHeadersRequest{}); err != nil {
		t.Fatal(err)
	}
}
