package query

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
)

type keyOpener struct{ k *ecdh.PrivateKey }

func (o keyOpener) OpenEnvelope(sealed, ad []byte) ([]byte, error) {
	return envelope.Open(o.k, sealed, ad)
}

// TestRoundTrip: a request opens only at its enclave on its chain, and the
// answer opens only for the request it answers, untampered.
func TestRoundTrip(t *testing.T) {
	key, _ := ecdh.X25519().GenerateKey(rand.Reader)
	other, _ := ecdh.X25519().GenerateKey(rand.Reader)
	enclave := bytes.Repeat([]byte{7}, 32)
	status := &api.QueryRequest{Query: &api.QueryRequest_Status{Status: &api.StatusQuery{}}}
	req, err := NewRequest("chain-1", enclave, key.PublicKey().Bytes(), status)
	if err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func() (*api.QueryRequest, error){
		"another key": func() (*api.QueryRequest, error) {
			return OpenRequest(keyOpener{other}, "chain-1", enclave, req.Bytes())
		},
		"another chain": func() (*api.QueryRequest, error) { return OpenRequest(keyOpener{key}, "chain-2", enclave, req.Bytes()) },
		"another enclave": func() (*api.QueryRequest, error) {
			return OpenRequest(keyOpener{key}, "chain-1", bytes.Repeat([]byte{8}, 32), req.Bytes())
		},
		"tampered": func() (*api.QueryRequest, error) {
			bad := append([]byte{}, req.Bytes()...)
			bad[len(bad)-1] ^= 1
			return OpenRequest(keyOpener{key}, "chain-1", enclave, bad)
		},
		"oversized": func() (*api.QueryRequest, error) {
			return OpenRequest(keyOpener{key}, "chain-1", enclave, make([]byte, MaxRequestSize+1))
		},
	} {
		if _, err := open(); !errors.Is(err, ErrRequest) {
			t.Errorf("%s: %v, want ErrRequest", name, err)
		}
	}
	q, err := OpenRequest(keyOpener{key}, "chain-1", enclave, req.Bytes())
	if err != nil || q.GetStatus() == nil || len(q.ReplyKey) != 32 {
		t.Fatalf("open: %+v %v", q, err)
	}
	answer := &api.QueryResponse{Result: &api.QueryResponse_Status{Status: &api.EnclaveStatus{SyncedHeight: 42}}}
	sealed, err := SealResponse("chain-1", enclave, req.Bytes(), q, answer)
	if err != nil {
		t.Fatal(err)
	}
	got, err := req.Open(sealed)
	if err != nil || got.GetStatus().GetSyncedHeight() != 42 {
		t.Fatalf("answer: %+v %v", got, err)
	}
	// An answer to another request does not open for this one.
	req2, _ := NewRequest("chain-1", enclave, key.PublicKey().Bytes(), status)
	q2, _ := OpenRequest(keyOpener{key}, "chain-1", enclave, req2.Bytes())
	q2.ReplyKey = q.ReplyKey // even sealed to this request's reply key
	misbound, _ := SealResponse("chain-1", enclave, req2.Bytes(), q2, answer)
	if _, err := req.Open(misbound); err == nil {
		t.Fatal("an answer bound to another request opened")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := req.Open(sealed); err == nil {
		t.Fatal("a tampered answer opened")
	}
}

// FuzzOpenRequest: arbitrary bytes never open, panic or hang.
func FuzzOpenRequest(f *testing.F) {
	key, _ := ecdh.X25519().GenerateKey(rand.Reader)
	enclave := bytes.Repeat([]byte{7}, 32)
	req, _ := NewRequest("c", enclave, key.PublicKey().Bytes(), &api.QueryRequest{Query: &api.QueryRequest_Status{Status: &api.StatusQuery{}}})
	f.Add(req.Bytes())
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		// Only the genuine sealed request opens: anything else is a forgery.
		if _, err := OpenRequest(keyOpener{key}, "c", enclave, b); err == nil && !bytes.Equal(b, req.Bytes()) {
			t.Fatal("bytes other than the sealed request opened")
		} else if err != nil && !errors.Is(err, ErrRequest) {
			t.Fatalf("unexpected error type: %v", err)
		}
	})
}
