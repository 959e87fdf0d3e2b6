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
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	return load{Requests: len(lat), Errors: errs, RPS: float64(len(lat)) / elapsed.Seconds(), P50ms: pct(0.50), P99ms: pct(0.99)}, nil
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
