package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/cometbft/cometbft/light/provider"
	lighthttp "github.com/cometbft/cometbft/light/provider/http"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	jsonrpcclient "github.com/cometbft/cometbft/rpc/jsonrpc/client"
)

// defaultFetchConcurrency is how many light blocks the sidecar fetches from
// the node at once unless --fetch-concurrency says otherwise.
const defaultFetchConcurrency = 8

// rpcTimeout bounds one RPC call of the light-block provider, as CometBFT's
// own provider does.
const rpcTimeout = 5 * time.Second

// newLightProvider is CometBFT's HTTP light-block provider with a connection
// pool sized for conns concurrent requests, so concurrent fetches reuse
// their connections instead of opening one per request.
func newLightProvider(chainID, node string, conns int) (provider.Provider, error) {
	httpClient, err := jsonrpcclient.DefaultHTTPClient(node)
	if err != nil {
		return nil, err
	}
	httpClient.Timeout = rpcTimeout
	if t, ok := httpClient.Transport.(*http.Transport); ok {
		t.MaxIdleConnsPerHost = max(conns, http.DefaultMaxIdleConnsPerHost)
	}
	rpc, err := rpchttp.NewWithClient(node, "/websocket", httpClient)
	if err != nil {
		return nil, err
	}
	return lighthttp.NewWithClient(chainID, rpc), nil
}

// lightBlocks returns the light blocks from..to (inclusive) in height order,
// fetching up to c.fetchers of them at once.
func (c *chain) lightBlocks(ctx context.Context, from, to int64) ([][]byte, error) {
	return fetchOrdered(ctx, from, to, c.fetchers, c.lightBlock)
}

// fetchOrdered calls fetch for every height from..to (inclusive) with at
// most workers calls in flight, claiming heights in increasing order, and
// returns the results in height order. On the first failure it stops
// claiming heights, cancels the calls in flight and returns that failure,
// naming its height; with workers <= 1 it fetches one height at a time.
func fetchOrdered(ctx context.Context, from, to int64, workers int, fetch func(context.Context, int64) ([]byte, error)) ([][]byte, error) {
	if to < from {
		return nil, nil
	}
	n := to - from + 1
	workers = int(min(int64(max(workers, 1)), n))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	out := make([][]byte, n)
	var (
		mu     sync.Mutex
		next   int64 // the next index to claim
		failed error // the first failure
		wg     sync.WaitGroup
	)
	claim := func() (int64, bool) {
		mu.Lock()
		defer mu.Unlock()
		if failed != nil || next == n || ctx.Err() != nil {
			return 0, false
		}
		next++
		return next - 1, true
	}
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if failed == nil {
			failed = err
			cancel()
		}
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i, ok := claim()
				if !ok {
					return
				}
				b, err := fetch(ctx, from+i)
				if err != nil {
					fail(fmt.Errorf("light block %d: %w", from+i, err))
					return
				}
				out[i] = b
			}
		}()
	}
	wg.Wait()
	if failed != nil {
		return nil, failed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
