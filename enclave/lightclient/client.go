package lightclient

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	cmtmath "github.com/cometbft/cometbft/libs/math"
	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/types"
)

// Typed errors: a refused header leaves the client as it was.
var (
	// ErrWrongChain: the header is for another chain-id.
	ErrWrongChain = errors.New("lightclient: header is for another chain")
	// ErrNotNewer: the header is at or below the trusted height (a replay or
	// a reorder).
	ErrNotNewer = errors.New("lightclient: header is not above the trusted height")
	// ErrAnchorMismatch: the first header does not hash to the pinned anchor.
	ErrAnchorMismatch = errors.New("lightclient: header does not match the trust anchor")
	// ErrMalformed: the light block is not internally consistent (commit for
	// another header, validator set not hashing to the header's).
	ErrMalformed = errors.New("lightclient: malformed light block")
	// ErrVerification: light verification refused the header (under-signed,
	// time not increasing, validator set not trusted, trusted header expired).
	ErrVerification = errors.New("lightclient: header verification failed")
	// ErrUnknownHeight: no verified header is kept at that height.
	ErrUnknownHeight = errors.New("lightclient: no verified header at that height")
)

// selfDrift lets a header's time equal "now", which is that same time.
const selfDrift = time.Nanosecond

// TrustAnchor pins where the client starts: the hash of the header at Height
// of chain ChainID.
type TrustAnchor struct {
	ChainID string
	Height  int64
	Hash    []byte
}

// Options tune verification.
type Options struct {
	// TrustingPeriod bounds the time between a trusted header and the next
	// one verified from it. It must be shorter than the chain's unbonding
	// period, so validators who signed the trusted header are still slashable.
	TrustingPeriod time.Duration
	// TrustLevel is the share of the trusted validator set's power that must
	// sign a header verified by skipping (1/3 by default, CometBFT's).
	TrustLevel cmtmath.Fraction
	// Keep is how many recent verified headers to keep for proofs.
	Keep int
}

// DefaultOptions trusts headers up to two weeks apart (x/staking-npos
// unbonds after 28 days by default), at a 1/3 trust level, keeping 256.
func DefaultOptions() Options {
	return Options{TrustingPeriod: 14 * 24 * time.Hour, TrustLevel: light.DefaultTrustLevel, Keep: 256}
}

// Client follows one chain from a trust anchor.
type Client struct {
	chainID string
	opts    Options
	// trusted is the newest verified light block; recent holds the app
	// hashes of the verified headers, oldest first.
	trusted *types.LightBlock
	recent  []Verified
}

// Verified is what the client knows of a verified header.
type Verified struct {
	Height  int64
	Time    time.Time
	AppHash []byte
	Hash    []byte
}

// New starts a client from the light block at the anchor's height, which
// must hash to the anchor and be internally consistent.
func New(anchor TrustAnchor, first *types.LightBlock, opts Options) (*Client, error) {
	if opts.TrustingPeriod <= 0 {
		return nil, fmt.Errorf("lightclient: trusting period must be positive, got %s", opts.TrustingPeriod)
	}
	if err := light.ValidateTrustLevel(opts.TrustLevel); err != nil {
		return nil, fmt.Errorf("lightclient: %w", err)
	}
	if opts.Keep < 1 {
		return nil, fmt.Errorf("lightclient: must keep at least one header, got %d", opts.Keep)
	}
	if err := checkBlock(anchor.ChainID, first); err != nil {
		return nil, err
	}
	if first.Height != anchor.Height || !bytes.Equal(first.Hash(), anchor.Hash) {
		return nil, fmt.Errorf("%w: got height %d hash %X, pinned height %d hash %X",
			ErrAnchorMismatch, first.Height, first.Hash(), anchor.Height, anchor.Hash)
	}
	c := &Client{chainID: anchor.ChainID, opts: opts}
	c.accept(first)
	return c, nil
}

// Resume restarts a client from a block it verified before, kept in a
// checkpoint sealed by the TEE (enclave/checkpoint): sealing, not this
// function, vouches for it. It is still checked for consistency.
func Resume(chainID string, trusted *types.LightBlock, opts Options) (*Client, error) {
	if err := checkBlock(chainID, trusted); err != nil {
		return nil, err
	}
	return New(TrustAnchor{ChainID: chainID, Height: trusted.Height, Hash: trusted.Hash()}, trusted, opts)
}

// checkBlock refuses light blocks for another chain or not consistent in
// themselves (LightBlock.ValidateBasic: the commit is for this header and
// the validator set hashes to the header's ValidatorsHash).
func checkBlock(chainID string, lb *types.LightBlock) error {
	if lb == nil || lb.SignedHeader == nil || lb.Header == nil || lb.ValidatorSet == nil {
		return fmt.Errorf("%w: missing header, commit or validator set", ErrMalformed)
	}
	if lb.ChainID != chainID {
		return fmt.Errorf("%w: %q, following %q", ErrWrongChain, lb.ChainID, chainID)
	}
	if err := lb.ValidateBasic(chainID); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}

// Update verifies next from the trusted header, adjacent or skipping, and
// trusts it if it verifies. "Now" is next's own time.
func (c *Client) Update(next *types.LightBlock) error {
	if err := checkBlock(c.chainID, next); err != nil {
		return err
	}
	trusted := c.trusted
	if next.Height <= trusted.Height {
		return fmt.Errorf("%w: height %d, trusted %d", ErrNotNewer, next.Height, trusted.Height)
	}
	// The trusted validator set must be the one the trusted header names;
	// light.VerifyNonAdjacent takes it on faith.
	if !bytes.Equal(trusted.ValidatorSet.Hash(), trusted.ValidatorsHash) {
		return fmt.Errorf("%w: the trusted validator set does not hash to the trusted header's", ErrMalformed)
	}
	// No clock: the header's own time is "now". CometBFT requires a header
	// to be strictly before now plus the drift, so the drift is 1ns.
	now := next.Time
	var err error
	if next.Height == trusted.Height+1 {
		err = light.VerifyAdjacent(trusted.SignedHeader, next.SignedHeader, next.ValidatorSet, c.opts.TrustingPeriod, now, selfDrift)
	} else {
		err = light.VerifyNonAdjacent(trusted.SignedHeader, trusted.ValidatorSet, next.SignedHeader, next.ValidatorSet,
			c.opts.TrustingPeriod, now, selfDrift, c.opts.TrustLevel)
	}
	if err != nil {
		return fmt.Errorf("%w: height %d from %d: %v", ErrVerification, next.Height, trusted.Height, err)
	}
	c.accept(next)
	return nil
}

func (c *Client) accept(lb *types.LightBlock) {
	c.trusted = lb
	c.recent = append(c.recent, Verified{Height: lb.Height, Time: lb.Time, AppHash: lb.AppHash, Hash: lb.Hash()})
	if len(c.recent) > c.opts.Keep {
		c.recent = c.recent[len(c.recent)-c.opts.Keep:]
	}
}

// ChainID is the chain the client follows.
func (c *Client) ChainID() string { return c.chainID }

// Latest is the newest verified header.
func (c *Client) Latest() Verified { return c.recent[len(c.recent)-1] }

// TrustedBlock is the newest verified light block (header, commit and
// validator set), for checkpoints.
func (c *Client) TrustedBlock() *types.LightBlock { return c.trusted }

// At returns the verified header at height, if it is among the kept ones.
func (c *Client) At(height int64) (Verified, error) {
	for i := len(c.recent) - 1; i >= 0; i-- {
		if c.recent[i].Height == height {
			return c.recent[i], nil
		}
	}
	return Verified{}, fmt.Errorf("%w: %d (kept %d..%d)", ErrUnknownHeight, height, c.recent[0].Height, c.Latest().Height)
}
