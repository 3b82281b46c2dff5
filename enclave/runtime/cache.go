package runtime

import (
	"container/list"
	"context"
	"errors"
	"sync"
)

// cache keeps up to size compiled programs, least recently used evicted
// first. A program in use is closed only when its last call ends.
type cache struct {
	mu      sync.Mutex
	size    int
	byHash  map[[32]byte]*list.Element // of *program
	order   *list.List                 // front: most recently used
	evicted []*program                 // out of the cache, still in use
}

func newCache(size int) *cache {
	return &cache{size: size, byHash: map[[32]byte]*list.Element{}, order: list.New()}
}

// acquire returns the program for hash, compiling it with build if absent;
// the caller must release it.
func (c *cache) acquire(ctx context.Context, hash [32]byte, build func() (*program, error)) (*program, error) {
	c.mu.Lock()
	if e, ok := c.byHash[hash]; ok {
		c.order.MoveToFront(e)
		p := e.Value.(*program)
		p.refs++
		c.mu.Unlock()
		return p, nil
	}
	c.mu.Unlock()

	// Compiling takes long: done unlocked. Two calls racing on a new code
	// may both compile it; the second result is discarded.
	built, err := build()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byHash[hash]; ok {
		_ = built.rt.Close(ctx)
		p := e.Value.(*program)
		p.refs++
		return p, nil
	}
	built.refs = 1
	c.byHash[hash] = c.order.PushFront(built)
	for c.order.Len() > c.size {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		p := oldest.Value.(*program)
		delete(c.byHash, p.hash)
		if p.refs == 0 {
			_ = p.rt.Close(ctx)
		} else {
			c.evicted = append(c.evicted, p)
		}
	}
	return built, nil
}

// release ends a call's use of p.
func (c *cache) release(ctx context.Context, p *program) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p.refs--
	if p.refs > 0 {
		return
	}
	for i, e := range c.evicted {
		if e == p {
			c.evicted = append(c.evicted[:i], c.evicted[i+1:]...)
			_ = p.rt.Close(ctx)
			return
		}
	}
}

// len is how many programs are cached.
func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// close closes every program.
func (c *cache) close(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for e := c.order.Front(); e != nil; e = e.Next() {
		errs = append(errs, e.Value.(*program).rt.Close(ctx))
	}
	for _, p := range c.evicted {
		errs = append(errs, p.rt.Close(ctx))
	}
	c.byHash, c.order, c.evicted = map[[32]byte]*list.Element{}, list.New(), nil
	return errors.Join(errs...)
}
