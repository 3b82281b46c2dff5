// Package checkpoint keeps an enclave's progress across restarts: the light
// client's trusted block, the next message of each ingress queue and the next
// egress sequence number, sealed by the TEE every N blocks. A restart resumes
// from the newest checkpoint that unseals and decodes; a corrupted one is
// reported and the one before it used. Because a checkpoint holds the queue
// positions together with the state they produced, a message applied after
// the checkpoint is applied again only to state that never saw it, so no
// message takes effect twice.
package checkpoint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cometbft/cometbft/types"
)

// Queue is an ingress queue's position.
type Queue struct {
	Destination []byte
	Next        uint64
}

// State is what an enclave must not lose.
type State struct {
	// Trusted is the light client's newest verified block.
	Trusted *types.LightBlock
	// Queues are the ingress positions, in any order (saved sorted).
	Queues []Queue
	// EgressNext is the next egress sequence number.
	EgressNext uint64
	// App is the enclave program's own state (sealed like the rest).
	App []byte
}

// Sealer seals to the enclave itself (enclave/tee.TEE).
type Sealer interface {
	Seal(plaintext, additionalData []byte) ([]byte, error)
	Unseal(sealed, additionalData []byte) ([]byte, error)
}

// ErrNone is returned by Latest when no checkpoint can be used.
var ErrNone = errors.New("checkpoint: no usable checkpoint")

const (
	version = 1
	prefix  = "checkpoint-"
	suffix  = ".sealed"
	label   = "phala-cosmos/checkpoint/v1|"
)

// Store writes and reads sealed checkpoints in a directory.
type Store struct {
	dir  string
	tee  Sealer
	keep int
}

// NewStore keeps the newest keep checkpoints in dir.
func NewStore(dir string, tee Sealer, keep int) (*Store, error) {
	if keep < 2 {
		return nil, fmt.Errorf("checkpoint: keep at least 2 checkpoints (one to fall back on), got %d", keep)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &Store{dir: dir, tee: tee, keep: keep}, nil
}

// ad binds a sealed checkpoint to its height, so a file renamed to another
// height does not unseal.
func ad(height int64) []byte { return []byte(label + strconv.FormatInt(height, 10)) }

func (s *Store) path(height int64) string {
	return filepath.Join(s.dir, fmt.Sprintf("%s%020d%s", prefix, height, suffix))
}

// Save seals st as the checkpoint at its trusted height and prunes older
// ones beyond keep.
func (s *Store) Save(st State) error {
	plain, err := encode(st)
	if err != nil {
		return err
	}
	height := st.Trusted.Height
	sealed, err := s.tee.Seal(plain, ad(height))
	if err != nil {
		return fmt.Errorf("checkpoint: seal: %w", err)
	}
	tmp := s.path(height) + ".tmp"
	if err := os.WriteFile(tmp, sealed, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, s.path(height)); err != nil {
		return err
	}
	heights, err := s.heights()
	if err != nil {
		return err
	}
	for i := s.keep; i < len(heights); i++ {
		if err := os.Remove(s.path(heights[i])); err != nil {
			return err
		}
	}
	return nil
}

// heights lists the checkpoints' heights, newest first.
func (s *Store) heights() ([]int64, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, suffix) {
			continue
		}
		h, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(name, prefix), suffix), 10, 64)
		if err != nil {
			continue
		}
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] > out[j] })
	return out, nil
}

// Latest returns the newest usable checkpoint, and the errors of newer ones
// that were not usable (corrupted, sealed elsewhere, undecodable).
func (s *Store) Latest() (State, []error, error) {
	heights, err := s.heights()
	if err != nil {
		return State{}, nil, err
	}
	var skipped []error
	for _, h := range heights {
		st, err := s.load(h)
		if err == nil {
			return st, skipped, nil
		}
		skipped = append(skipped, fmt.Errorf("checkpoint at height %d: %w", h, err))
	}
	return State{}, skipped, ErrNone
}

func (s *Store) load(height int64) (State, error) {
	sealed, err := os.ReadFile(s.path(height))
	if err != nil {
		return State{}, err
	}
	plain, err := s.tee.Unseal(sealed, ad(height))
	if err != nil {
		return State{}, fmt.Errorf("does not unseal: %w", err)
	}
	st, err := decode(plain)
	if err != nil {
		return State{}, err
	}
	if st.Trusted.Height != height {
		return State{}, fmt.Errorf("holds height %d", st.Trusted.Height)
	}
	return st, nil
}

// encode: version, light block (length-prefixed protobuf), egress next,
// queue count, then (destination length, destination, next) sorted by
// destination, then the length-prefixed app state.
func encode(st State) ([]byte, error) {
	if st.Trusted == nil {
		return nil, errors.New("checkpoint: no trusted block")
	}
	pb, err := st.Trusted.ToProto()
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	lb, err := pb.Marshal()
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	queues := append([]Queue(nil), st.Queues...)
	sort.Slice(queues, func(i, j int) bool { return bytes.Compare(queues[i].Destination, queues[j].Destination) < 0 })
	out := []byte{version}
	out = binary.BigEndian.AppendUint32(out, uint32(len(lb)))
	out = append(out, lb...)
	out = binary.BigEndian.AppendUint64(out, st.EgressNext)
	out = binary.BigEndian.AppendUint32(out, uint32(len(queues)))
	for _, q := range queues {
		out = append(out, byte(len(q.Destination)))
		out = append(out, q.Destination...)
		out = binary.BigEndian.AppendUint64(out, q.Next)
	}
	out = binary.BigEndian.AppendUint32(out, uint32(len(st.App)))
	return append(out, st.App...), nil
}

func decode(b []byte) (State, error) {
	fail := func(what string) (State, error) { return State{}, fmt.Errorf("checkpoint: malformed: %s", what) }
	if len(b) < 5 || b[0] != version {
		return fail("version")
	}
	n := int(binary.BigEndian.Uint32(b[1:]))
	b = b[5:]
	if n > len(b) {
		return fail("light block length")
	}
	var pb cmtproto.LightBlock
	if err := pb.Unmarshal(b[:n]); err != nil {
		return fail("light block")
	}
	lb, err := types.LightBlockFromProto(&pb)
	if err != nil {
		return fail("light block: " + err.Error())
	}
	b = b[n:]
	if len(b) < 12 {
		return fail("egress")
	}
	st := State{Trusted: lb, EgressNext: binary.BigEndian.Uint64(b)}
	count := binary.BigEndian.Uint32(b[8:])
	b = b[12:]
	for i := uint32(0); i < count; i++ {
		if len(b) < 1 || len(b) < 1+int(b[0])+8 {
			return fail("queue")
		}
		l := int(b[0])
		st.Queues = append(st.Queues, Queue{Destination: append([]byte{}, b[1:1+l]...), Next: binary.BigEndian.Uint64(b[1+l:])})
		b = b[1+l+8:]
	}
	if len(b) < 4 || len(b)-4 != int(binary.BigEndian.Uint32(b)) {
		return fail("app state")
	}
	if len(b) > 4 {
		st.App = append([]byte{}, b[4:]...)
	}
	return st, nil
}
