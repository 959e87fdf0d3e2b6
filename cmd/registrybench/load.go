package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

type load struct {
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	RPS      float64 `json:"requestsPerSecond"`
	P50ms    float64 `json:"p50ms"`
	P99ms    float64 `json:"p99ms"`

	lat     []time.Duration // sorted: for combine
	elapsed time.Duration
}

// measure runs conc HTTP clients in closed loop for dur, each sending the
// requests build makes; a response other than 200 is an error.
func measure(ctx context.Context, build func() (*http.Request, error), conc int, dur time.Duration) (load, error) {
	tr := &http.Transport{MaxIdleConns: conc, MaxIdleConnsPerHost: conc, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	return runLoad(ctx, conc, dur, func() error {
		req, err := build()
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		return err
	})
}

// bearerGet builds GET url requests carrying token as a bearer token.
func bearerGet(url, token string) func() (*http.Request, error) {
	return headerGet(url, "Authorization", "Bearer "+token)
}

// headerGet builds GET url requests carrying one header.
func headerGet(url, name, value string) func() (*http.Request, error) {
	return func() (*http.Request, error) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set(name, value)
		return req, nil
	}
}

// runLoad runs conc workers in closed loop for dur, each calling op again as
// soon as it returns: op's latency is one sample. An op still running at
// the deadline is waited for and counted, and so is the time it took.
func runLoad(ctx context.Context, conc int, dur time.Duration, op func() error) (load, error) {
	ctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	var (
		mu      sync.Mutex
		lat     []time.Duration
		errs    int
		wg      sync.WaitGroup
		lastErr error
	)
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			localErrs := 0
			for ctx.Err() == nil {
				t0 := time.Now()
				if err := op(); err != nil {
					localErrs++
					mu.Lock()
					lastErr = err
					mu.Unlock()
					continue
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, local...)
			errs += localErrs
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(lat) == 0 {
		return load{}, fmt.Errorf("no successful request (%d errors, last: %v)", errs, lastErr)
	}
	return summarize(lat, errs, elapsed), nil
}

// summarize is the load of the requests that took lat (sorted here) and
// the errs that failed, over elapsed.
func summarize(lat []time.Duration, errs int, elapsed time.Duration) load {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	return load{Requests: len(lat), Errors: errs, RPS: float64(len(lat)) / elapsed.Seconds(), P50ms: pct(0.50), P99ms: pct(0.99), lat: lat, elapsed: elapsed}
}

// combine joins measurements of one side: requests and errors add up, the
// rate is all requests over all their time, and the percentiles are those
// of every request's latency.
func combine(ls []load) load {
	var (
		lat     []time.Duration
		errs    int
		elapsed time.Duration
	)
	for _, l := range ls {
		lat = append(lat, l.lat...)
		errs += l.Errors
		elapsed += l.elapsed
	}
	if len(lat) == 0 {
		return load{Errors: errs}
	}
	return summarize(lat, errs, elapsed)
}

// side is one side of a ratio: how to measure it for a while, and where
// its CPU profile goes (profile, name: see startNamedProfile; empty: none).
// around, if set, is called before each of the side's measurements and
// the function it returns after it: what else to count over the side
// (another process's CPU, the audit writer's work).
type side struct {
	run           func(ctx context.Context, d time.Duration) (load, error)
	profile, name string
	around        func() (after func())
}

// warm runs each side for a second, unmeasured.
func warm(ctx context.Context, sides ...side) error {
	for _, s := range sides {
		if _, err := s.run(ctx, time.Second); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	return nil
}

// httpSide measures build's requests at conc clients.
func httpSide(build func() (*http.Request, error), conc int) func(context.Context, time.Duration) (load, error) {
	return func(ctx context.Context, d time.Duration) (load, error) { return measure(ctx, build, conc, d) }
}

// alternateOrder is the order the two sides of a ratio are measured in,
// each for half the run's duration at a time: A B B A, so that a drift of
// a shared machine over the measurement (a neighbour's load, the disk's
// flush time) weighs on both sides alike instead of on whichever ran
// second. Measured one after the other, single runs of a ratio swung by
// 0.15 and more on this project's 2-core machines.
var alternateOrder = [...]int{0, 1, 1, 0}

// alternate measures the two sides, each already warmed up, in
// alternateOrder for dur each in all, and returns each side combined and
// the benchmark process's CPU time per successful request of each (the
// load generator included). A side's CPU profile, if any, covers its first
// half.
func alternate(ctx context.Context, dur time.Duration, sides [2]side) ([2]load, [2]float64, error) {
	var (
		parts [2][]load
		cpu   [2]time.Duration
		out   [2]load
		perRq [2]float64
	)
	for _, i := range alternateOrder {
		stop := func() {}
		if len(parts[i]) == 0 {
			var err error
			if stop, err = startNamedProfile(sides[i].profile, sides[i].name); err != nil {
				return out, perRq, err
			}
		}
		after := func() {}
		if sides[i].around != nil {
			after = sides[i].around()
		}
		cpu0 := processCPU()
		l, err := sides[i].run(ctx, dur/2)
		cpu[i] += processCPU() - cpu0
		after()
		stop()
		if err != nil {
			return out, perRq, err
		}
		parts[i] = append(parts[i], l)
	}
	for i := range out {
		out[i] = combine(parts[i])
		perRq[i] = cpuPerRequest(cpu[i], out[i])
	}
	return out, perRq, nil
}

// warmAndMeasureHTTP is measure after a one-second warm-up.
func warmAndMeasureHTTP(ctx context.Context, build func() (*http.Request, error), conc int, dur time.Duration) (load, error) {
	if _, err := measure(ctx, build, conc, time.Second); err != nil {
		return load{}, fmt.Errorf("warm-up: %w", err)
	}
	return measure(ctx, build, conc, dur)
}

// warmAndRun is runLoad after a one-second warm-up.
func warmAndRun(ctx context.Context, conc int, dur time.Duration, op func() error) (load, error) {
	if _, err := runLoad(ctx, conc, time.Second, op); err != nil {
		return load{}, fmt.Errorf("warm-up: %w", err)
	}
	return runLoad(ctx, conc, dur, op)
}
