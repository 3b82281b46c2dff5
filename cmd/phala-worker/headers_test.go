package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeFetch returns the height as bytes after a short random delay and
// records how many calls are in flight at once and which heights it served.
type fakeFetch struct {
	inFlight, peak atomic.Int64
	mu             sync.Mutex
	served         []int64
}

var errFake = errors.New("node unavailable")

func (f *fakeFetch) fetch(ctx context.Context, h int64) ([]byte, error) {
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			break
		}
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(time.Duration(rand.IntN(300)) * time.Microsecond):
	}
	f.mu.Lock()
	f.served = append(f.served, h)
	f.mu.Unlock()
	return []byte(fmt.Sprint(h)), nil
}

func TestFetchOrderedKeepsHeightOrder(t *testing.T) {
	for _, tc := range []struct {
		from, to int64
		workers  int
	}{{1, 200, 1}, {1, 200, 8}, {5, 7, 8}, {10, 10, 4}, {1, 50, 0}} {
		f := &fakeFetch{}
		got, err := fetchOrdered(context.Background(), tc.from, tc.to, tc.workers, f.fetch)
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if int64(len(got)) != tc.to-tc.from+1 {
			t.Fatalf("%+v: %d results", tc, len(got))
		}
		for i, b := range got {
			if want := fmt.Sprint(tc.from + int64(i)); string(b) != want {
				t.Fatalf("%+v: result %d is height %s, want %s", tc, i, b, want)
			}
		}
		if limit := int64(max(tc.workers, 1)); f.peak.Load() > limit {
			t.Fatalf("%+v: %d fetches in flight, limit %d", tc, f.peak.Load(), limit)
		}
	}
}

func TestFetchOrderedUsesTheWorkers(t *testing.T) {
	f := &fakeFetch{}
	if _, err := fetchOrdered(context.Background(), 1, 400, 8, f.fetch); err != nil {
		t.Fatal(err)
	}
	if f.peak.Load() < 2 {
		t.Fatalf("at most %d fetch in flight with 8 workers", f.peak.Load())
	}
}

func TestFetchOrderedOneWorkerIsSequential(t *testing.T) {
	f := &fakeFetch{}
	if _, err := fetchOrdered(context.Background(), 3, 60, 1, f.fetch); err != nil {
		t.Fatal(err)
	}
	for i, h := range f.served {
		if h != int64(3+i) {
			t.Fatalf("call %d fetched height %d, want %d", i, h, 3+i)
		}
	}
}

func TestFetchOrderedStopsAtTheFirstFailure(t *testing.T) {
	const failAt = 57
	for _, workers := range []int{1, 8} {
		var mu sync.Mutex
		var highest int64
		// Heights past the failure wait for cancellation, so the test also
		// shows that fetches in flight are cancelled.
		fetch := func(ctx context.Context, h int64) ([]byte, error) {
			mu.Lock()
			highest = max(highest, h)
			mu.Unlock()
			switch {
			case h < failAt:
				return []byte{1}, nil
			case h == failAt:
				return nil, errFake
			}
			<-ctx.Done()
			return nil, ctx.Err()
		}
		got, err := fetchOrdered(context.Background(), 1, 1000, workers, fetch)
		if !errors.Is(err, errFake) || !strings.Contains(err.Error(), "light block 57:") {
			t.Fatalf("workers %d: error %v, want the failure at 57", workers, err)
		}
		if got != nil {
			t.Fatalf("workers %d: partial results returned with the error", workers)
		}
		// Heights are claimed in order and none after the failure: only the
		// other workers' heights in flight may lie past it.
		if limit := int64(failAt + workers - 1); highest > limit {
			t.Fatalf("workers %d: fetched height %d, past %d", workers, highest, limit)
		}
	}
}

func TestFetchOrderedHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &fakeFetch{}
	if _, err := fetchOrdered(ctx, 1, 100, 4, f.fetch); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if len(f.served) != 0 {
		t.Fatalf("fetched %d heights after cancellation", len(f.served))
	}
}

func TestFetchOrderedEmptyRange(t *testing.T) {
	got, err := fetchOrdered(context.Background(), 5, 4, 8, (&fakeFetch{}).fetch)
	if err != nil || got != nil {
		t.Fatalf("got %v, %v for an empty range", got, err)
	}
}
