// Package core is the enclave program's state machine (pRuntime's role),
// independent of how its sidecar talks to it. It holds the enclave's sealed
// keys, follows the chain with the light client from a pinned anchor, takes
// its ingress messages only with proofs against verified app hashes and in
// order, acts on them (registration, gatekeeper duties, the master key), and
// produces signed, numbered egress for the sidecar to submit.
//
// Write-ahead rule: every ingress message that changes the enclave's state
// is followed by a sealed checkpoint before anything it produced can leave
// (TakeEgress returns only checkpointed egress), so a crash never makes the
// enclave emit two different messages under one number or generate a second
// master key. Headers alone are checkpointed every CheckpointEvery blocks.
package core

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	"github.com/cometbft/cometbft/types"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/binding"
	"github.com/phala-cosmos/phala-cosmos/enclave/checkpoint"
	"github.com/phala-cosmos/phala-cosmos/enclave/egress"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
	"github.com/phala-cosmos/phala-cosmos/enclave/keys"
	"github.com/phala-cosmos/phala-cosmos/enclave/lightclient"
	"github.com/phala-cosmos/phala-cosmos/enclave/masterkey"
	"github.com/phala-cosmos/phala-cosmos/enclave/query"
	"github.com/phala-cosmos/phala-cosmos/enclave/runtime"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee"
)

// Config is what the operator pins when starting the enclave.
type Config struct {
	// ChainID and GenesisHash (SHA-256 of the genesis app_state) name the
	// chain; the registration binds both.
	ChainID     string
	GenesisHash []byte
	// Anchor is the trusted header to start from on first start.
	Anchor lightclient.TrustAnchor
	// StateDir holds the sealed keys and checkpoints.
	StateDir string
	// CheckpointEvery is how many blocks of headers between checkpoints.
	CheckpointEvery int64
	// Light tunes the light client.
	Light lightclient.Options
	// PerformanceScore is the enclave's benchmark score (enclave/benchmark),
	// reported at registration and with every heartbeat.
	PerformanceScore uint64
	// AddressPrefix is the chain's bech32 account prefix, for the addresses
	// contracts see ("phala" when empty).
	AddressPrefix string
	// Runtime configures the contract runtime (runtime.DefaultConfig when
	// its cache size is zero).
	Runtime runtime.Config
	// QueryFuel is the fuel limit of one contract query (DefaultQueryFuel
	// when zero).
	QueryFuel uint64
}

// DefaultQueryFuel is the fuel of a contract query unless configured: the
// chain's default max_fuel_per_call.
const DefaultQueryFuel = 100_000_000

// randomnessLabel derives the heartbeat beacon from the master key.
const randomnessLabel = "heartbeat-randomness"

// Egress is a signed message for the chain.
type Egress struct {
	Sequence  uint64
	Payload   []byte
	Signature []byte
}

// Enclave is the running enclave.
type Enclave struct {
	cfg         Config
	tee         tee.TEE
	keys        *keys.Keys
	checkpoints *checkpoint.Store
	client      *lightclient.Client // nil until the anchor header arrives
	queue       *ingress.Queue
	egressNext  uint64
	outbox      []Egress
	lastSaved   int64

	registered bool
	gatekeeper bool
	// masters holds the master key's generations, oldest first; the last is
	// current. Old generations stay for data sealed under them.
	masters []generation
	// contracts are the contracts this worker is scheduled on.
	contracts []assignment
	runtime   *runtime.Runtime
	// codes are the modules of the contracts, by SHA-256 (not
	// checkpointed: the sidecar provides them again after a restart).
	codes map[[32]byte][]byte
}

// generation is one generation of the master key.
type generation struct {
	number uint32
	key    *masterkey.Master
}

// master returns the current master key, or nil.
func (e *Enclave) master() *generation {
	if len(e.masters) == 0 {
		return nil
	}
	return &e.masters[len(e.masters)-1]
}

// generationOf returns generation n of the master key, nil if not held.
func (e *Enclave) generationOf(n uint32) *generation {
	for i := range e.masters {
		if e.masters[i].number == n {
			return &e.masters[i]
		}
	}
	return nil
}

// holds reports whether the enclave has generation n of the master key.
func (e *Enclave) holds(n uint32) bool { return e.generationOf(n) != nil }

// addGeneration keeps generations in order.
func (e *Enclave) addGeneration(g generation) {
	at := len(e.masters)
	for at > 0 && e.masters[at-1].number > g.number {
		at--
	}
	e.masters = append(e.masters[:at], append([]generation{g}, e.masters[at:]...)...)
}

// Errors of the enclave API.
var (
	// ErrNotSynced: no header verified yet, or none kept at that height.
	ErrNotSynced = errors.New("core: no verified header for that")
)

// Open starts the enclave: its keys (generated and sealed on first start),
// then the newest usable checkpoint, if any. It returns the checkpoints that
// could not be used.
func Open(t tee.TEE, cfg Config) (*Enclave, []error, error) {
	if cfg.CheckpointEvery < 1 {
		return nil, nil, fmt.Errorf("core: checkpoint interval must be at least 1 block, got %d", cfg.CheckpointEvery)
	}
	k, err := keys.LoadOrCreate(t, cfg.StateDir)
	if err != nil {
		return nil, nil, err
	}
	store, err := checkpoint.NewStore(cfg.StateDir, t, 3)
	if err != nil {
		return nil, nil, err
	}
	if cfg.AddressPrefix == "" {
		cfg.AddressPrefix = "phala"
	}
	if cfg.Runtime.CacheSize == 0 {
		cfg.Runtime = runtime.DefaultConfig()
	}
	if cfg.QueryFuel == 0 {
		cfg.QueryFuel = DefaultQueryFuel
	}
	e := &Enclave{cfg: cfg, tee: t, keys: k, checkpoints: store, egressNext: 1, runtime: runtime.New(cfg.Runtime), codes: map[[32]byte][]byte{}}
	if e.queue, err = ingress.NewQueue(k.IdentityPublic(), 1); err != nil {
		return nil, nil, err
	}
	st, skipped, err := store.Latest()
	if errors.Is(err, checkpoint.ErrNone) {
		return e, skipped, nil
	}
	if err != nil {
		return nil, skipped, err
	}
	if err := e.restore(st); err != nil {
		return nil, skipped, err
	}
	return e, skipped, nil
}

// Info describes the enclave; nothing secret.
type Info struct {
	Backend         tee.Backend
	Measurement     tee.Measurement
	IdentityPubkey  []byte
	ECDHPubkey      []byte
	SyncedHeight    int64
	NextIngress     uint64
	NextEgress      uint64
	Registered      bool
	Gatekeeper      bool
	MasterPublicKey []byte
	// MasterKeyGeneration is the generation of MasterPublicKey (0: none).
	MasterKeyGeneration uint32
	// Contracts are the contracts the enclave is scheduled on, in the
	// order it was assigned them.
	Contracts []ContractProgress
}

// ContractProgress is where the enclave is in one contract's queue.
type ContractProgress struct {
	Contract []byte
	CodeID   uint64
	// Next is the next call it expects.
	Next uint64
	// CodeLoaded tells whether the enclave holds the contract's module.
	CodeLoaded bool
	// Restoring: the enclave waits for the contract's state from the chain
	// (RestoreContract), proven at AssignedHeight or later.
	Restoring      bool
	AssignedHeight int64
}

// Info reports the enclave's public state.
func (e *Enclave) Info() Info {
	info := Info{
		Backend: e.tee.Backend(), Measurement: e.tee.Measurement(),
		IdentityPubkey: e.keys.IdentityPublic(), ECDHPubkey: e.keys.ECDHPublic(),
		NextIngress: e.queue.Next(), NextEgress: e.egressNext, Registered: e.registered, Gatekeeper: e.gatekeeper,
	}
	if e.client != nil {
		info.SyncedHeight = e.client.Latest().Height
	}
	if m := e.master(); m != nil {
		info.MasterPublicKey, info.MasterKeyGeneration = m.key.Public(), m.number
	}
	for _, a := range e.contracts {
		_, loaded := e.codes[[32]byte(a.codeHash)]
		info.Contracts = append(info.Contracts, ContractProgress{Contract: a.contract, CodeID: a.codeID, Next: a.next, CodeLoaded: loaded,
			Restoring: a.restoring, AssignedHeight: a.assignedAt})
	}
	return info
}

// Attest returns evidence for registering with operator: the TEE's quote of
// the binding, computed here from the pinned chain and the enclave's keys.
func (e *Enclave) Attest(operator []byte) ([]byte, error) {
	data := binding.ReportData(e.cfg.ChainID, e.cfg.GenesisHash, e.keys.IdentityPublic(), e.keys.ECDHPublic(), operator)
	return e.tee.Quote(data)
}

// SyncHeaders verifies light blocks in order; the first ever must be the
// anchor. It returns the verified height; a refused block stops the batch
// and leaves the client at the last good one.
func (e *Enclave) SyncHeaders(blocks []*types.LightBlock) (int64, error) {
	for _, lb := range blocks {
		if e.client == nil {
			c, err := lightclient.New(e.cfg.Anchor, lb, e.cfg.Light)
			if err != nil {
				return 0, err
			}
			e.client = c
			continue
		}
		if err := e.client.Update(lb); err != nil {
			return e.client.Latest().Height, err
		}
	}
	if e.client == nil {
		return 0, nil
	}
	h := e.client.Latest().Height
	if h-e.lastSaved >= e.cfg.CheckpointEvery {
		if err := e.save(); err != nil {
			return h, err
		}
	}
	return h, nil
}

// Dispatch takes ingress message seq, proven by an ABCI query at height
// (checked against the verified header at height+1), and acts on it.
func (e *Enclave) Dispatch(height int64, seq uint64, msg []byte, proof *cmtcrypto.ProofOps) error {
	appHash, err := e.provenAt(height)
	if err != nil {
		return err
	}
	var m api.IngressMessage
	if err := m.Unmarshal(msg); err != nil {
		return fmt.Errorf("core: ingress %d is not an IngressMessage: %w", seq, err)
	}
	// Accept (order and proof) before acting; act on a copy of the state so
	// a failure leaves nothing half done.
	before := e.snapshot()
	if err := e.queue.Accept(appHash, seq, msg, proof); err != nil {
		return err
	}
	if err := e.act(&m, height); err != nil {
		e.rollback(before)
		return fmt.Errorf("core: ingress %d: %w", seq, err)
	}
	return e.save()
}

// provenAt is the app hash a proof at height is checked against: the one
// in the verified header at height+1.
func (e *Enclave) provenAt(height int64) ([]byte, error) {
	if e.client == nil {
		return nil, ErrNotSynced
	}
	v, err := e.client.At(height + 1)
	if err != nil {
		return nil, fmt.Errorf("%w: header %d (a proof at height %d needs it): %v", ErrNotSynced, height+1, height, err)
	}
	return v.AppHash, nil
}

// act carries out an ingress message proven at height.
func (e *Enclave) act(m *api.IngressMessage, height int64) error {
	switch body := m.Body.(type) {
	case *api.IngressMessage_Registered:
		e.registered = true
		if e.cfg.PerformanceScore > 0 {
			return e.emit(&api.EgressMessage{Body: &api.EgressMessage_BenchmarkResult{
				BenchmarkResult: &api.BenchmarkResult{PerformanceScore: e.cfg.PerformanceScore}}})
		}
	case *api.IngressMessage_HeartbeatChallenge:
		c := body.HeartbeatChallenge
		e.forgetEgressBelow(c.EgressAcknowledged)
		return e.emit(&api.EgressMessage{Body: &api.EgressMessage_Heartbeat{
			Heartbeat: &api.Heartbeat{ChallengeHeight: c.Height, PerformanceScore: e.cfg.PerformanceScore}}})
	case *api.IngressMessage_RandomnessRequest:
		current := e.master()
		if !e.gatekeeper || current == nil {
			return nil // only a gatekeeper holding the key can answer
		}
		round := body.RandomnessRequest.Round
		value, err := current.key.Derive(randomnessLabel, binary.BigEndian.AppendUint64(nil, round))
		if err != nil {
			return err
		}
		return e.emit(&api.EgressMessage{Body: &api.EgressMessage_Randomness{Randomness: &api.Randomness{Round: round, Value: value}}})
	case *api.IngressMessage_GatekeeperAppointed:
		e.gatekeeper = true
		if body.GatekeeperAppointed.First && len(e.masters) == 0 {
			return e.generate(1)
		}
	case *api.IngressMessage_MasterKeyRotation:
		current := e.master()
		if !e.gatekeeper || current == nil || body.MasterKeyRotation.Generation != current.number+1 {
			return nil // not the leader's to do, or done already
		}
		return e.generate(body.MasterKeyRotation.Generation)
	case *api.IngressMessage_GatekeeperAdded:
		if !e.gatekeeper {
			return nil // only a gatekeeper holding the key shares it
		}
		// Every generation, so the newcomer can read old data too.
		added := body.GatekeeperAdded
		for _, g := range e.masters {
			share, err := g.key.ShareTo(e.cfg.ChainID, added.Identity, added.EcdhPubkey)
			if err != nil {
				return err
			}
			if err := e.emit(&api.EgressMessage{Body: &api.EgressMessage_MasterKeyShare{
				MasterKeyShare: &api.MasterKeyShare{To: added.Identity, Share: share, Generation: g.number}}}); err != nil {
				return err
			}
		}
	case *api.IngressMessage_MasterKeyShare:
		share := body.MasterKeyShare
		if share.Generation == 0 || e.holds(share.Generation) {
			return nil // already held (or not a generation)
		}
		// The chain relays shares with the published master public key of
		// their generation; Receive refuses any other key.
		master, err := masterkey.Receive(e.keys, e.cfg.ChainID, e.keys.IdentityPublic(), share.MasterPublicKey, share.Share)
		if err != nil {
			return err
		}
		e.addGeneration(generation{share.Generation, master})
	case *api.IngressMessage_ContractKeyRequest:
		return e.answerKeyRequest(body.ContractKeyRequest)
	case *api.IngressMessage_ContractAssigned:
		return e.takeAssignment(body.ContractAssigned, height)
	case *api.IngressMessage_ContractUnassigned:
		e.dropAssignment(body.ContractUnassigned.Contract)
	case *api.IngressMessage_ContractShareRequest:
		return e.answerShareRequest(body.ContractShareRequest)
	default:
		return errors.New("unknown ingress message")
	}
	return nil
}

// generate makes generation n of the master key and publishes it.
func (e *Enclave) generate(n uint32) error {
	key, err := masterkey.Generate()
	if err != nil {
		return err
	}
	e.addGeneration(generation{n, key})
	return e.emit(&api.EgressMessage{Body: &api.EgressMessage_MasterKeyPublished{
		MasterKeyPublished: &api.MasterKeyPublished{PublicKey: key.Public(), Generation: n}}})
}

// emit signs payload m as the next egress message.
func (e *Enclave) emit(m *api.EgressMessage) error {
	payload, err := m.Marshal()
	if err != nil {
		return err
	}
	seq := e.egressNext
	sig := e.keys.Sign(egress.SignBytes(e.cfg.ChainID, e.keys.IdentityPublic(), seq, payload))
	e.outbox = append(e.outbox, Egress{Sequence: seq, Payload: payload, Signature: sig})
	e.egressNext++
	return nil
}

// forgetEgressBelow drops outbox messages the chain has accepted (it says
// so in a proven challenge), so the outbox and checkpoints stay small.
func (e *Enclave) forgetEgressBelow(next uint64) {
	kept := e.outbox[:0]
	for _, m := range e.outbox {
		if m.Sequence >= next {
			kept = append(kept, m)
		}
	}
	e.outbox = kept
}

// Query answers a user's sealed query (enclave/query) with an answer sealed
// to the user; it changes nothing. A request that does not open is refused
// with query.ErrRequest; a query the enclave cannot answer gets an answer
// saying why.
func (e *Enclave) Query(sealed []byte) ([]byte, error) {
	id := e.keys.IdentityPublic()
	q, err := query.OpenRequest(e.keys, e.cfg.ChainID, id, sealed)
	if err != nil {
		return nil, err
	}
	var resp api.QueryResponse
	switch q.Query.(type) {
	case *api.QueryRequest_Contract:
		e.queryContract(q.GetContract(), &resp)
	case *api.QueryRequest_Status:
		info := e.Info()
		resp.Result = &api.QueryResponse_Status{Status: &api.EnclaveStatus{
			SyncedHeight: info.SyncedHeight, Registered: info.Registered, Gatekeeper: info.Gatekeeper,
			MasterKeyGeneration: info.MasterKeyGeneration, MasterPublicKey: info.MasterPublicKey,
			PerformanceScore: e.cfg.PerformanceScore,
		}}
	default:
		resp.Result = &api.QueryResponse_Error{Error: "unknown query: this enclave answers status and contract queries"}
	}
	return query.SealResponse(e.cfg.ChainID, id, sealed, q, &resp)
}

// TakeEgress returns the checkpointed egress from sequence from on (the
// sidecar asks again from where the chain is).
func (e *Enclave) TakeEgress(from uint64) []Egress {
	var out []Egress
	for _, m := range e.outbox {
		if m.Sequence >= from {
			out = append(out, m)
		}
	}
	return out
}

// state is the enclave's own part of a checkpoint.
type state struct {
	registered, gatekeeper bool
	masters                []generation
	outbox                 []Egress
	egressNext             uint64
	queueNext              uint64
	contracts              []assignment
}

func (e *Enclave) snapshot() state {
	return state{e.registered, e.gatekeeper, append([]generation(nil), e.masters...), append([]Egress(nil), e.outbox...), e.egressNext, e.queue.Next(),
		append([]assignment(nil), e.contracts...)}
}

func (e *Enclave) rollback(s state) {
	e.registered, e.gatekeeper, e.masters, e.outbox, e.egressNext, e.contracts = s.registered, s.gatekeeper, s.masters, s.outbox, s.egressNext, s.contracts
	e.queue, _ = ingress.NewQueue(e.keys.IdentityPublic(), s.queueNext)
}

// save writes a checkpoint of everything.
func (e *Enclave) save() error {
	if e.client == nil {
		return nil
	}
	app, err := e.encodeApp()
	if err != nil {
		return err
	}
	st := checkpoint.State{
		Trusted:    e.client.TrustedBlock(),
		Queues:     []checkpoint.Queue{{Destination: e.keys.IdentityPublic(), Next: e.queue.Next()}},
		EgressNext: e.egressNext,
		App:        app,
	}
	if err := e.checkpoints.Save(st); err != nil {
		return err
	}
	e.lastSaved = st.Trusted.Height
	return nil
}

func (e *Enclave) restore(st checkpoint.State) error {
	c, err := lightclient.Resume(e.cfg.ChainID, st.Trusted, e.cfg.Light)
	if err != nil {
		return err
	}
	e.client, e.egressNext, e.lastSaved = c, st.EgressNext, st.Trusted.Height
	for _, q := range st.Queues {
		if bytes.Equal(q.Destination, e.keys.IdentityPublic()) {
			if e.queue, err = ingress.NewQueue(q.Destination, q.Next); err != nil {
				return err
			}
		}
	}
	return e.decodeApp(st.App)
}

// App state layout: flags (bit 0 registered, bit 1 gatekeeper), the number of
// master key generations, then (generation, 4-byte length, sealed key) per
// generation, the outbox count, then (sequence, payload length, payload,
// 64-byte signature) per message, then the contract assignments
// (encodeContracts; absent in checkpoints written before contracts). It
// lives only inside the sealed checkpoint.
func (e *Enclave) encodeApp() ([]byte, error) {
	var flags byte
	if e.registered {
		flags |= 1
	}
	if e.gatekeeper {
		flags |= 2
	}
	out := []byte{flags}
	out = binary.BigEndian.AppendUint32(out, uint32(len(e.masters)))
	for _, g := range e.masters {
		sealed, err := g.key.Seal(e.tee)
		if err != nil {
			return nil, err
		}
		out = binary.BigEndian.AppendUint32(out, g.number)
		out = binary.BigEndian.AppendUint32(out, uint32(len(sealed)))
		out = append(out, sealed...)
	}
	out = binary.BigEndian.AppendUint32(out, uint32(len(e.outbox)))
	for _, m := range e.outbox {
		out = binary.BigEndian.AppendUint64(out, m.Sequence)
		out = binary.BigEndian.AppendUint32(out, uint32(len(m.Payload)))
		out = append(out, m.Payload...)
		out = append(out, m.Signature...)
	}
	return e.encodeContracts(out)
}

func (e *Enclave) decodeApp(b []byte) error {
	bad := errors.New("core: malformed app state in checkpoint")
	if len(b) < 5 {
		return bad
	}
	e.registered, e.gatekeeper = b[0]&1 != 0, b[0]&2 != 0
	generations := binary.BigEndian.Uint32(b[1:])
	b = b[5:]
	e.masters = nil
	for i := uint32(0); i < generations; i++ {
		if len(b) < 8 {
			return bad
		}
		number, n := binary.BigEndian.Uint32(b), int(binary.BigEndian.Uint32(b[4:]))
		b = b[8:]
		if len(b) < n {
			return bad
		}
		m, err := masterkey.Unseal(e.tee, b[:n])
		if err != nil {
			return err
		}
		e.addGeneration(generation{number, m})
		b = b[n:]
	}
	if len(b) < 4 {
		return bad
	}
	count := binary.BigEndian.Uint32(b)
	b = b[4:]
	e.outbox = nil
	for i := uint32(0); i < count; i++ {
		if len(b) < 12 {
			return bad
		}
		seq, l := binary.BigEndian.Uint64(b), int(binary.BigEndian.Uint32(b[8:]))
		b = b[12:]
		if len(b) < l+64 {
			return bad
		}
		e.outbox = append(e.outbox, Egress{Sequence: seq, Payload: append([]byte{}, b[:l]...), Signature: append([]byte{}, b[l:l+64]...)})
		b = b[l+64:]
	}
	e.contracts = nil
	if len(b) == 0 {
		return nil // written before contracts
	}
	rest, err := e.decodeContracts(b)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return bad
	}
	return nil
}
