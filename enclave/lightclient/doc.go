// Package lightclient is the enclave's view of the chain. It starts from a
// pinned trust anchor (the hash of one header, normally the chain's first,
// or a checkpoint bound into the worker's registration) and accepts a header
// only if CometBFT's light verification (github.com/cometbft/cometbft/light)
// proves it from a header it already trusts:
//
//   - adjacent headers (height h+1) must be signed by more than 2/3 of the
//     validator set the trusted header named as next;
//   - a header further ahead must be signed by at least the trust level
//     (default 1/3) of the trusted validator set and by more than 2/3 of its
//     own, so the client catches up across NPoS elections without every
//     block in between.
//
// The client reads no clock. "Now" is the time of the header being verified:
// a header is refused if it is not later than the trusted one, and the
// trusted header must be younger than the trusting period at that time, so
// a gap longer than the trusting period cannot be bridged (a relayer must
// then feed intermediate headers). Headers for another chain, at or below
// the trusted height (replays), with a validator set that does not hash to
// the header's, or under-signed, are refused with typed errors, and the
// trusted state is unchanged by any refusal.
//
// Verified headers give the app hashes the enclave checks ICS-23 proofs of
// chain state against; the client keeps the most recent ones.
package lightclient
