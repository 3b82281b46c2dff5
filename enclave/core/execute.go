package core

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	"github.com/cosmos/cosmos-sdk/types/bech32"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/contractstate"
	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
	"github.com/phala-cosmos/phala-cosmos/enclave/runtime"
)

// Errors of contract dispatch.
var (
	// ErrNotAssigned: the enclave is not scheduled on that contract.
	ErrNotAssigned = errors.New("core: not scheduled on that contract")
	// ErrWrongCode: the code given for a contract's call is not the code the
	// contract runs (its SHA-256 differs from the assigned code hash).
	ErrWrongCode = errors.New("core: code does not match the contract's code hash")
	// ErrNoCode: the enclave does not hold the contract's code (LoadCode).
	ErrNoCode = errors.New("core: contract code not loaded")
	// ErrRestoring: the contract's state is still to be restored from the
	// chain (RestoreContract) before its calls run.
	ErrRestoring = errors.New("core: contract state not restored yet")
)

// LoadCode keeps a module that contracts the enclave is scheduled on run;
// it returns how many do (a module none runs is refused with ErrWrongCode).
func (e *Enclave) LoadCode(code []byte) (int, error) {
	hash := sha256.Sum256(code)
	n := 0
	for _, a := range e.contracts {
		if bytes.Equal(a.codeHash, hash[:]) {
			n++
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("%w: no contract of this enclave runs code %x", ErrWrongCode, hash)
	}
	e.codes[hash] = code
	return n, nil
}

// queryContract answers a contract query from the state of the last call
// the enclave ran; it changes nothing.
func (e *Enclave) queryContract(q *api.ContractQuery, resp *api.QueryResponse) {
	fail := func(format string, args ...any) {
		resp.Result = &api.QueryResponse_Error{Error: fmt.Sprintf(format, args...)}
	}
	a := e.assignment(q.Contract)
	switch {
	case a == nil:
		fail("this worker is not scheduled on contract %x: ask one of its workers (phalad q confidential contract)", q.Contract)
		return
	case a.restoring:
		fail("this worker is rebuilding the contract's state from the chain: retry in a few blocks, or ask another of its workers")
		return
	case a.next <= 1:
		fail("the contract's init has not run on this worker yet: retry in a few blocks")
		return
	case e.codes[[32]byte(a.codeHash)] == nil:
		fail("this worker has not loaded the contract's code yet: retry, or ask another of its workers")
		return
	}
	contract, err := bech32.ConvertAndEncode(e.cfg.AddressPrefix, a.contract)
	if err != nil {
		fail("contract address: %v", err)
		return
	}
	latest := e.client.Latest()
	outcome, err := e.runtime.Run(context.Background(), e.codes[[32]byte(a.codeHash)], runtime.Call{
		Entry: runtime.EntryQuery, Msg: q.Msg, State: &a.state, Fuel: e.cfg.QueryFuel,
		Env: runtime.Env{Contract: contract, Height: latest.Height, Time: latest.Time, Seed: a.state.keys.Seed(0)},
	})
	res := &api.ContractQueryResult{CallsApplied: a.next - 1}
	if outcome != nil {
		res.FuelUsed = outcome.FuelUsed
	}
	if err != nil {
		res.Error = err.Error()
	} else {
		res.Output = outcome.Output
	}
	resp.Result = &api.QueryResponse_Contract{Contract: res}
}

// Public failure classes of a result (ContractResult.error). They say what
// kind of failure it was and nothing of the data; the full message goes
// into the output sealed to the sender.
const (
	failUnopened    = "the call does not open with the contract key"
	failOutOfFuel   = "out of fuel"
	failRefused     = "refused by the contract"
	failTrap        = "contract trapped"
	failHostCall    = "invalid host call"
	failInvalidCode = "invalid contract code"
	failPayment     = "invalid payment"
)

// errPayment: a payment the contract asked for cannot be made.
var errPayment = errors.New("invalid payment")

// DispatchContract takes call seq of a contract's queue (destination: the
// contract's address), proven like Dispatch, runs it with the contract's
// code (LoadCode) and emits its result. Whatever the call carries (a ciphertext that does not open, a
// message the contract refuses, a call that runs out of fuel) gives a
// result, so bad input never stalls the queue; only a refused proof, code
// not loaded or an enclave failure leaves the queue where it was.
func (e *Enclave) DispatchContract(contract []byte, height int64, seq uint64, msg []byte, proof *cmtcrypto.ProofOps) error {
	a := e.assignment(contract)
	if a == nil {
		return fmt.Errorf("%w: %x", ErrNotAssigned, contract)
	}
	if a.restoring {
		return fmt.Errorf("%w: contract %x", ErrRestoring, contract)
	}
	code := e.codes[[32]byte(a.codeHash)]
	if code == nil {
		return fmt.Errorf("%w: code %d of contract %x", ErrNoCode, a.codeID, contract)
	}
	appHash, err := e.provenAt(height)
	if err != nil {
		return err
	}
	var m api.IngressMessage
	if err := m.Unmarshal(msg); err != nil {
		return fmt.Errorf("core: contract call %d is not an IngressMessage: %w", seq, err)
	}
	q, err := ingress.NewQueue(contract, a.next)
	if err != nil {
		return err
	}
	if err := q.Accept(appHash, seq, msg, proof); err != nil {
		return err
	}
	call, ok := m.Body.(*api.IngressMessage_ContractCall)
	if !ok || call.ContractCall.Sequence != seq {
		return fmt.Errorf("core: message %d of contract %x's queue is not its call %d", seq, contract, seq)
	}
	before := e.snapshot()
	if err := e.runCall(a, call.ContractCall, code); err != nil {
		e.rollback(before)
		return fmt.Errorf("core: contract %x call %d: %w", contract, seq, err)
	}
	a.next = q.Next()
	return e.save()
}

// assignment returns the contract's assignment, or nil.
func (e *Enclave) assignment(contract []byte) *assignment {
	for i := range e.contracts {
		if bytes.Equal(e.contracts[i].contract, contract) {
			return &e.contracts[i]
		}
	}
	return nil
}

// runCall runs one call and emits its result; the contract's state and
// balance change only after the result is emitted.
func (e *Enclave) runCall(a *assignment, call *api.ContractCall, code []byte) error {
	chainID := e.cfg.ChainID
	res := &api.ContractResult{Contract: a.contract, Sequence: call.Sequence}
	plain, err := envelope.Open(a.key, call.Sealed, envelope.CommandContext(chainID, a.contract, call.Sender, call.Nonce))
	var sc api.SealedCall
	if err == nil {
		err = sc.Unmarshal(plain)
	}
	if err != nil || len(sc.ReplyKey) != 32 {
		// Nobody to seal an answer to: the public class is all there is.
		res.Error = failUnopened
		res.Digest = a.state.keys.Digest(u64(call.Sequence), []byte(res.Error))
		return e.emit(&api.EgressMessage{Body: &api.EgressMessage_ContractResult{ContractResult: res}})
	}
	outcome, funds, runErr := e.execute(a, call, sc.Msg, code)
	output := &api.CallOutput{}
	if runErr != nil {
		res.Error, output.Error = failureClass(runErr), runErr.Error()
	} else {
		output.Data = outcome.Output
		for _, ev := range outcome.Events {
			out := &api.ContractEvent{Type: ev.Type}
			for _, at := range ev.Attributes {
				out.Attributes = append(out.Attributes, &api.ContractAttribute{Key: at.Key, Value: at.Value})
			}
			res.Events = append(res.Events, out)
		}
		for _, s := range outcome.Sends {
			res.Sends = append(res.Sends, &api.ContractSend{To: s.To, Denom: s.Denom, Amount: s.Amount})
		}
		for _, w := range outcome.Writes {
			id, sealed := a.state.keys.ID(w.Key), []byte(nil)
			if w.Value != nil {
				if id, sealed, err = a.state.keys.Seal(w.Key, w.Value); err != nil {
					return err
				}
			}
			res.Writes = append(res.Writes, &api.StateEntry{Id: id, Sealed: sealed})
		}
		slices.SortFunc(res.Writes, func(x, y *api.StateEntry) int { return bytes.Compare(x.Id, y.Id) })
	}
	if outcome != nil {
		res.FuelUsed = outcome.FuelUsed
	}
	res.Digest = digest(a, call.Sequence, res, output, outcome, runErr == nil)
	rawOutput, err := output.Marshal()
	if err != nil {
		return err
	}
	sealedDigest := sha256.Sum256(call.Sealed)
	if res.SealedOutput, err = envelope.Seal(sc.ReplyKey, rawOutput, envelope.ResultContext(chainID, a.contract, call.Sequence, sealedDigest[:])); err != nil {
		return err
	}
	if err := e.emit(&api.EgressMessage{Body: &api.EgressMessage_ContractResult{ContractResult: res}}); err != nil {
		return err
	}
	if runErr == nil {
		a.state.apply(outcome.Writes, funds, outcome.Sends)
	}
	return nil
}

// execute runs the call's message in the runtime against the contract's
// state, and checks its payments against the contract's balance.
func (e *Enclave) execute(a *assignment, call *api.ContractCall, msg, code []byte) (*runtime.Outcome, []runtime.Coin, error) {
	funds, err := parseCoins(call.Funds)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: the call's funds %q: %v", errPayment, call.Funds, err)
	}
	sender, err := bech32.ConvertAndEncode(e.cfg.AddressPrefix, call.Sender)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: sender: %v", runtime.ErrHostCall, err)
	}
	contract, err := bech32.ConvertAndEncode(e.cfg.AddressPrefix, a.contract)
	if err != nil {
		return nil, nil, err
	}
	entry := runtime.EntryHandle
	if call.Init {
		entry = runtime.EntryInit
	}
	outcome, err := e.runtime.Run(context.Background(), code, runtime.Call{
		Entry: entry, Msg: msg, State: &a.state, Fuel: call.FuelLimit,
		Env: runtime.Env{Sender: sender, Contract: contract, Height: call.Height, Time: time.Unix(0, call.TimeUnixNano).UTC(),
			Funds: funds, Seed: a.state.keys.Seed(call.Sequence)},
	})
	if err != nil {
		return outcome, nil, err
	}
	if err := a.state.checkSends(e.cfg.AddressPrefix, funds, outcome.Sends); err != nil {
		return outcome, nil, err
	}
	return outcome, funds, nil
}

// failureClass is the public class of a call's failure.
func failureClass(err error) string {
	for _, c := range []struct {
		err   error
		class string
	}{
		{runtime.ErrOutOfFuel, failOutOfFuel}, {runtime.ErrRefused, failRefused}, {runtime.ErrTrap, failTrap},
		{runtime.ErrHostCall, failHostCall}, {runtime.ErrInvalidCode, failInvalidCode}, {errPayment, failPayment},
	} {
		if errors.Is(err, c.err) {
			return c.class
		}
	}
	return failTrap
}

// digest is what replicas of a contract agree on for one call: every
// field of the result, with the plaintext of the output and of the writes
// in place of their (randomly sealed) ciphertexts.
func digest(a *assignment, seq uint64, res *api.ContractResult, output *api.CallOutput, outcome *runtime.Outcome, ok bool) []byte {
	fields := [][]byte{u64(seq), []byte(res.Error), u64(res.FuelUsed), output.Data, []byte(output.Error)}
	if ok {
		events, _ := json.Marshal(outcome.Events)
		sends, _ := json.Marshal(outcome.Sends)
		fields = append(fields, events, sends)
		for _, w := range outcome.Writes {
			deleted := []byte{0}
			if w.Value == nil {
				deleted = []byte{1}
			}
			fields = append(fields, w.Key, deleted, w.Value)
		}
	}
	return a.state.keys.Digest(fields...)
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// parseCoins reads the chain's coin list ("100upha,5uatom"; empty: none).
func parseCoins(s string) ([]runtime.Coin, error) {
	var out []runtime.Coin
	if s == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		i := strings.IndexFunc(part, func(r rune) bool { return r < '0' || r > '9' })
		if i <= 0 || i == len(part) {
			return nil, fmt.Errorf("%q is not an amount and a denomination", part)
		}
		out = append(out, runtime.Coin{Amount: part[:i], Denom: part[i:]})
	}
	return out, nil
}

// contractState is a contract's state as its worker keeps it: the
// plaintext entries (which the chain holds sealed) and the balance of the
// contract's account as the enclave accounts for it (the funds of calls
// that succeeded minus what it paid), so a payment never exceeds what the
// chain holds for it.
type contractState struct {
	keys    *contractstate.Keys
	entries map[string][]byte
	balance map[string]*big.Int
}

// Get reads an entry (runtime.State).
func (s *contractState) Get(key []byte) ([]byte, bool, error) {
	v, ok := s.entries[string(key)]
	return v, ok, nil
}

// checkSends refuses payments to malformed addresses or beyond the balance
// (with the call's funds).
func (s *contractState) checkSends(prefix string, funds []runtime.Coin, sends []runtime.Send) error {
	available := s.withFunds(funds)
	for _, p := range sends {
		hrp, addr, err := bech32.DecodeAndConvert(p.To)
		if err != nil || hrp != prefix || (len(addr) != 20 && len(addr) != 32) {
			return fmt.Errorf("%w: %q is not a %s account address", errPayment, p.To, prefix)
		}
		amount, _ := new(big.Int).SetString(p.Amount, 10)
		have := available[p.Denom]
		if have == nil || have.Cmp(amount) < 0 {
			return fmt.Errorf("%w: the contract pays %s%s but holds less", errPayment, p.Amount, p.Denom)
		}
		have.Sub(have, amount)
	}
	return nil
}

// withFunds is a copy of the balance with funds added.
func (s *contractState) withFunds(funds []runtime.Coin) map[string]*big.Int {
	out := make(map[string]*big.Int, len(s.balance))
	for d, v := range s.balance {
		out[d] = new(big.Int).Set(v)
	}
	for _, c := range funds {
		amount, ok := new(big.Int).SetString(c.Amount, 10)
		if !ok {
			continue
		}
		if out[c.Denom] == nil {
			out[c.Denom] = new(big.Int)
		}
		out[c.Denom].Add(out[c.Denom], amount)
	}
	return out
}

// apply commits a successful call: its writes, funds and payments.
func (s *contractState) apply(writes []runtime.Write, funds []runtime.Coin, sends []runtime.Send) {
	for _, w := range writes {
		if w.Value == nil {
			delete(s.entries, string(w.Key))
		} else {
			s.entries[string(w.Key)] = w.Value
		}
	}
	s.balance = s.withFunds(funds)
	for _, p := range sends {
		amount, _ := new(big.Int).SetString(p.Amount, 10)
		s.balance[p.Denom].Sub(s.balance[p.Denom], amount)
		if s.balance[p.Denom].Sign() == 0 {
			delete(s.balance, p.Denom)
		}
	}
}
