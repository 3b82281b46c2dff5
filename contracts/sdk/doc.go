// Package sdk is how confidential contracts are written in Go. A contract is
// a main package built with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o contract.wasm .
//
// whose init function registers its three handlers:
//
//	func init() {
//		sdk.Register(sdk.Contract[InitMsg, Command, Query]{
//			Init:   instantiate, // func(*sdk.Context, InitMsg) error
//			Handle: handle,      // func(*sdk.Context, Command) (any, error)
//			Query:  query,       // func(*sdk.Context, Query) (any, error)
//		})
//	}
//
//	func main() {}
//
// Messages are JSON, decoded strictly into the handler's type (an unknown
// field is refused); results are encoded as JSON. A handler's error refuses
// the message: its text goes back to the sender, and nothing the handler
// wrote is kept. A panic is reported the same way.
//
// The Context gives the caller, the block height and time, the contract's
// key/value state (which the enclave encrypts before it leaves; plaintext
// exists only inside the enclave), public events, and random numbers that
// every replica draws identically and nobody outside the enclave can
// predict (crypto/rand and math/rand/v2 work too, and draw the same
// stream). Commands run one at a time, in the chain's order; queries see
// the state of the last command and cannot write.
//
// The same package compiles natively, without the enclave, so that contract
// logic can be unit-tested with go test: NewTestContext gives a Context over
// an in-memory state.
package sdk
