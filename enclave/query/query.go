// Package query is the public, end-to-end encrypted query protocol between a
// user and an enclave: the user seals a QueryRequest to the enclave's
// attested X25519 key (from its registration on chain) with a fresh reply
// key inside; the enclave seals its QueryResponse to that reply key. Both
// envelopes (enclave/envelope) are bound to the chain-id and the enclave's
// identity, and the response also to the exact request, so neither can be
// replayed to another enclave or chain, or answered with another request's
// response. The relay in between (HTTP, the sidecar) sees only ciphertext.
package query

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
)

// MaxRequestSize bounds a sealed request.
const MaxRequestSize = 64 << 10

const (
	requestDomain  = "phala-cosmos/query/request/v1"
	responseDomain = "phala-cosmos/query/response/v1"
)

// ErrRequest is returned for a request the enclave cannot open or decode:
// sealed to another enclave or chain, tampered, or malformed.
var ErrRequest = errors.New("query: cannot open the request (sealed to another enclave or chain, or tampered)")

func associatedData(domain, chainID string, enclave []byte, extra ...[]byte) []byte {
	out := []byte(domain)
	for _, part := range append([][]byte{[]byte(chainID), enclave}, extra...) {
		out = binary.BigEndian.AppendUint32(out, uint32(len(part)))
		out = append(out, part...)
	}
	return out
}

// Request is a sealed query and the reply key to open its answer.
type Request struct {
	sealed  []byte
	reply   *ecdh.PrivateKey
	chainID string
	enclave []byte
}

// NewRequest seals q to the enclave with identity key enclave and X25519 key
// enclaveECDH, on chain chainID, with a fresh reply key.
func NewRequest(chainID string, enclave, enclaveECDH []byte, q *api.QueryRequest) (*Request, error) {
	reply, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	withKey := *q
	withKey.ReplyKey = reply.PublicKey().Bytes()
	plain, err := withKey.Marshal()
	if err != nil {
		return nil, err
	}
	sealed, err := envelope.Seal(enclaveECDH, plain, associatedData(requestDomain, chainID, enclave))
	if err != nil {
		return nil, err
	}
	return &Request{sealed: sealed, reply: reply, chainID: chainID, enclave: enclave}, nil
}

// Bytes is the sealed request to send.
func (r *Request) Bytes() []byte { return r.sealed }

// Open opens the enclave's answer to this request.
func (r *Request) Open(sealedResponse []byte) (*api.QueryResponse, error) {
	plain, err := envelope.Open(r.reply, sealedResponse, responseAD(r.chainID, r.enclave, r.sealed))
	if err != nil {
		return nil, fmt.Errorf("query: cannot open the answer (not from this enclave for this request, or tampered): %w", err)
	}
	var resp api.QueryResponse
	if err := resp.Unmarshal(plain); err != nil {
		return nil, fmt.Errorf("query: malformed answer: %w", err)
	}
	return &resp, nil
}

func responseAD(chainID string, enclave, sealedRequest []byte) []byte {
	digest := sha256.Sum256(sealedRequest)
	return associatedData(responseDomain, chainID, enclave, digest[:])
}

// Opener opens envelopes sealed to the enclave's X25519 key (enclave/keys).
type Opener interface {
	OpenEnvelope(sealed, associatedData []byte) ([]byte, error)
}

// OpenRequest is the enclave's side: it opens a request sealed to it.
func OpenRequest(o Opener, chainID string, enclave, sealed []byte) (*api.QueryRequest, error) {
	if len(sealed) > MaxRequestSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrRequest, len(sealed), MaxRequestSize)
	}
	plain, err := o.OpenEnvelope(sealed, associatedData(requestDomain, chainID, enclave))
	if err != nil {
		return nil, ErrRequest
	}
	var q api.QueryRequest
	if err := q.Unmarshal(plain); err != nil || len(q.ReplyKey) != 32 {
		return nil, fmt.Errorf("%w: malformed request", ErrRequest)
	}
	return &q, nil
}

// SealResponse seals the enclave's answer to the request's reply key, bound
// to the request.
func SealResponse(chainID string, enclave, sealedRequest []byte, q *api.QueryRequest, resp *api.QueryResponse) ([]byte, error) {
	plain, err := resp.Marshal()
	if err != nil {
		return nil, err
	}
	return envelope.Seal(q.ReplyKey, plain, responseAD(chainID, enclave, sealedRequest))
}
