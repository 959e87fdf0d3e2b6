package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// openLoop sends requests at a fixed rate whatever the server's latency
// (open loop): a request is due at start + i/rate, and its latency counts
// from then, so a stall shows as latency rather than as a lower rate
// (no coordinated omission). A request due while every worker is busy and
// the queue is full is dropped and counted.
type openLoop struct {
	build   func() (*http.Request, error)
	client  *http.Client
	rate    float64
	workers int

	mu      sync.Mutex
	lat     []time.Duration // since the last window
	ok      atomic.Int64
	errs    atomic.Int64
	dropped atomic.Int64
	lastErr atomic.Value
}

// window is what the open loop did since the previous window.
type window struct {
	OK, Errors, Dropped int64
	P50ms, P99ms        float64
}

func newOpenLoop(build func() (*http.Request, error), rate float64, workers int) *openLoop {
	tr := &http.Transport{MaxIdleConns: workers, MaxIdleConnsPerHost: workers, IdleConnTimeout: time.Minute}
	return &openLoop{build: build, rate: rate, workers: workers,
		client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// run sends requests until ctx ends, then waits for those in flight.
func (o *openLoop) run(ctx context.Context) {
	due := make(chan time.Time, o.workers*4)
	var wg sync.WaitGroup
	for range o.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for at := range due {
				o.one(at)
			}
		}()
	}
	start := time.Now()
	tick := time.NewTicker(time.Millisecond)
	var sent int64
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case now := <-tick.C:
			for n := int64(now.Sub(start).Seconds() * o.rate); sent < n; sent++ {
				at := start.Add(time.Duration(float64(sent) / o.rate * float64(time.Second)))
				select {
				case due <- at:
				default:
					o.dropped.Add(1)
				}
			}
		}
	}
	tick.Stop()
	close(due)
	wg.Wait()
	o.client.CloseIdleConnections()
}

func (o *openLoop) one(at time.Time) {
	err := func() error {
		req, err := o.build()
		if err != nil {
			return err
		}
		resp, err := o.client.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		return err
	}()
	if err != nil {
		o.errs.Add(1)
		o.lastErr.Store(err.Error())
		return
	}
	d := time.Since(at)
	o.ok.Add(1)
	o.mu.Lock()
	o.lat = append(o.lat, d)
	o.mu.Unlock()
}

// take returns the window since the previous take and starts the next.
func (o *openLoop) take() window {
	o.mu.Lock()
	lat := o.lat
	o.lat = make([]time.Duration, 0, len(lat))
	o.mu.Unlock()
	w := window{OK: o.ok.Swap(0), Errors: o.errs.Swap(0), Dropped: o.dropped.Swap(0)}
	if len(lat) > 0 {
		slices.Sort(lat)
		pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
		w.P50ms, w.P99ms = pct(0.50), pct(0.99)
	}
	return w
}
