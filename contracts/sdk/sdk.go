package sdk

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Env describes the call being run.
type Env struct {
	// Sender is the account that signed the command or query ("" for an
	// anonymous query).
	Sender string `json:"sender"`
	// Contract is this contract's address.
	Contract string `json:"contract"`
	// Height and Time are those of the block that ordered the command (for
	// a query, of the last block the worker has seen).
	Height int64     `json:"height"`
	Time   time.Time `json:"time"`
	// Funds are the coins the command moved from the sender to the
	// contract's account on chain (public: the chain moved them).
	Funds []Coin `json:"funds"`
}

// Coin is an amount of one denomination; Amount is a decimal integer.
type Coin struct {
	Denom  string `json:"denom"`
	Amount string `json:"amount"`
}

// Uint64 returns the coin's amount, or an error when it does not fit.
func (c Coin) Uint64() (uint64, error) {
	n, err := strconv.ParseUint(c.Amount, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q %s: %w", c.Amount, c.Denom, err)
	}
	return n, nil
}

// Payment is a Send the contract asked for.
type Payment struct {
	To string `json:"to"`
	Coin
}

// Attribute is one key/value of an event.
type Attribute struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Event is public: it is published on chain in the clear.
type Event struct {
	Type       string      `json:"type"`
	Attributes []Attribute `json:"attributes"`
}

// store is where a Context's state lives: the enclave's host functions, or
// memory in tests.
type store interface {
	get(key string) ([]byte, bool)
	set(key string, value []byte)
	delete(key string)
	emit(Event)
	send(Payment)
}

// Context is a handler's access to its call and to state.
type Context struct {
	Env
	store    store
	readOnly bool
}

// ErrReadOnly is the panic of a write during a query.
var ErrReadOnly = errors.New("sdk: queries cannot write state")

// Get returns the value stored under key.
func (c *Context) Get(key string) ([]byte, bool) { return c.store.get(key) }

// Set stores value under key.
func (c *Context) Set(key string, value []byte) {
	c.mustWrite()
	c.store.set(key, value)
}

// Delete removes key.
func (c *Context) Delete(key string) {
	c.mustWrite()
	c.store.delete(key)
}

func (c *Context) mustWrite() {
	if c.readOnly {
		panic(ErrReadOnly)
	}
}

// Load decodes the JSON value under key into a T; found is false (and the
// value T's zero) when the key is absent.
func Load[T any](c *Context, key string) (value T, found bool, err error) {
	raw, ok := c.Get(key)
	if !ok {
		return value, false, nil
	}
	if err := json.Unmarshal(raw, &value); err != nil {
		return value, true, fmt.Errorf("sdk: state %q: %w", key, err)
	}
	return value, true, nil
}

// Save stores value under key as JSON.
func Save(c *Context, key string, value any) error {
	raw, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("sdk: state %q: %w", key, err)
	}
	c.Set(key, raw)
	return nil
}

// Emit publishes an event with attributes given as key, value pairs.
func (c *Context) Emit(eventType string, keyValues ...string) {
	if len(keyValues)%2 != 0 {
		panic("sdk: Emit needs key, value pairs")
	}
	ev := Event{Type: eventType, Attributes: []Attribute{}}
	for i := 0; i < len(keyValues); i += 2 {
		ev.Attributes = append(ev.Attributes, Attribute{Key: keyValues[i], Value: keyValues[i+1]})
	}
	c.store.emit(ev)
}

// Send pays amount of denom from the contract's account on chain to the
// account to, once the chain accepts this call's result (payments are
// public). The chain refuses the whole result if the account lacks funds.
func (c *Context) Send(to, denom string, amount uint64) {
	c.mustWrite()
	if amount == 0 {
		return
	}
	c.store.send(Payment{To: to, Coin: Coin{Denom: denom, Amount: strconv.FormatUint(amount, 10)}})
}

// Random is the contract's source of random bytes: identical on every
// replica of the call, unpredictable outside the enclave.
func (c *Context) Random() io.Reader { return rand.Reader }

// RandomUint64 returns a uniformly random number below n (n > 0).
func (c *Context) RandomUint64(n uint64) uint64 {
	if n == 0 {
		panic("sdk: RandomUint64(0)")
	}
	limit := ^uint64(0) - ^uint64(0)%n // reject the biased tail
	var b [8]byte
	for {
		if _, err := io.ReadFull(rand.Reader, b[:]); err != nil {
			panic(err)
		}
		if v := binary.LittleEndian.Uint64(b[:]); v < limit {
			return v % n
		}
	}
}

// Contract is a contract's handlers, typed by its messages: I is the
// instantiation message, C the command, Q the query.
type Contract[I, C, Q any] struct {
	Init   func(ctx *Context, msg I) error
	Handle func(ctx *Context, msg C) (any, error)
	Query  func(ctx *Context, msg Q) (any, error)
}

// handler runs one entry point on a raw message.
type handler func(ctx *Context, msg []byte) ([]byte, error)

var handlers struct{ init, handle, query handler }

// Register installs the contract's handlers; call it from an init function.
func Register[I, C, Q any](c Contract[I, C, Q]) {
	if c.Init == nil || c.Handle == nil || c.Query == nil {
		panic("sdk: Register needs Init, Handle and Query")
	}
	handlers.init = typed(func(ctx *Context, m I) (any, error) { return nil, c.Init(ctx, m) })
	handlers.handle = typed(c.Handle)
	handlers.query = typed(c.Query)
}

func typed[M any](fn func(*Context, M) (any, error)) handler {
	return func(ctx *Context, raw []byte) ([]byte, error) {
		var msg M
		if err := Decode(raw, &msg); err != nil {
			return nil, err
		}
		result, err := fn(ctx, msg)
		if err != nil || result == nil {
			return nil, err
		}
		return json.Marshal(result)
	}
}

// Decode parses a JSON message strictly: unknown fields and trailing data
// are refused, and an empty message is {}.
func Decode(raw []byte, msg any) error {
	if len(strings.TrimSpace(string(raw))) == 0 {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(msg); err != nil {
		return fmt.Errorf("invalid message: %w", err)
	}
	if dec.More() {
		return errors.New("invalid message: data after the JSON value")
	}
	return nil
}

// run calls h, turning a panic into an error, as the enclave reports it.
func run(h handler, ctx *Context, msg []byte) (out []byte, err error) {
	if h == nil {
		return nil, errors.New("the contract did not call sdk.Register")
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	return h(ctx, msg)
}
