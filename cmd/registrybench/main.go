// Command registrybench measures the registry beside bare ceilings in the
// same run and writes the figures as JSON: REST image-pull GET against a
// bare net/http handler returning the same bytes, and audit replay and
// verify rates over the log that run produced. Timing is measured here,
// never asserted in tests.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"time"
)

type result struct {
	Date        time.Time          `json:"date"`
	GoVersion   string             `json:"goVersion"`
	GOMAXPROCS  int                `json:"gomaxprocs"`
	Concurrency int                `json:"concurrency"`
	Duration    string             `json:"durationPerMeasurement"`
	RESTGet     load               `json:"restImagePullGet"`
	BareHTTP    load               `json:"bareNetHTTPSameBytes"`
	Ratio       float64            `json:"restToBareThroughputRatio"`
	Replay      rate               `json:"auditReplay"`
	Verify      rate               `json:"auditVerify"`
	Notes       []string           `json:"notes"`
	Extra       map[string]float64 `json:"extra,omitempty"`
}

type rate struct {
	Count   uint64  `json:"count"`
	Seconds float64 `json:"seconds"`
	PerSec  float64 `json:"perSecond"`
}

func main() {
	out := flag.String("out", "bench/results.json", "where to write the JSON results")
	conc := flag.Int("c", 32, "concurrent clients")
	dur := flag.Duration("d", 5*time.Second, "duration of each throughput measurement")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the REST measurement here")
	flag.Parse()
	profilePath = *cpuProfile
	if err := run(*out, *conc, *dur); err != nil {
		fmt.Fprintln(os.Stderr, "registrybench:", err)
		os.Exit(1)
	}
}

var profilePath string

func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	tf, err := os.Create(path + ".trace")
	if err != nil {
		return nil, err
	}
	if err := trace.Start(tf); err != nil {
		return nil, err
	}
	runtime.SetMutexProfileFraction(5)
	runtime.SetBlockProfileRate(100000)
	return func() {
		pprof.StopCPUProfile()
		trace.Stop()
		tf.Close()
		f.Close()
		for _, name := range []string{"block", "mutex"} {
			if bf, err := os.Create(path + "." + name); err == nil {
				_ = pprof.Lookup(name).WriteTo(bf, 0)
				bf.Close()
			}
		}
	}, nil
}

func run(out string, conc int, dur time.Duration) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, err := os.MkdirTemp("", "registrybench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))

	reg, err := startRegistry(ctx, dir, logger)
	if err != nil {
		return err
	}
	defer reg.stop()
	url, token, body, err := reg.seedSecret()
	if err != nil {
		return err
	}
	res := result{Date: time.Now().UTC(), GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0), Concurrency: conc, Duration: dur.String()}
	// Warm both paths up, then measure them back to back.
	if _, err := measure(ctx, url, token, conc, time.Second); err != nil {
		return err
	}
	stopProfile, err := startProfile(profilePath)
	if err != nil {
		return err
	}
	res.RESTGet, err = measure(ctx, url, token, conc, dur)
	stopProfile()
	if err != nil {
		return fmt.Errorf("REST GET: %w", err)
	}
	fmt.Fprintf(os.Stderr, "REST GET: %.0f req/s, p50 %.2f ms, p99 %.2f ms\n", res.RESTGet.RPS, res.RESTGet.P50ms, res.RESTGet.P99ms)
	bareURL, stopBare, err := startBare(body)
	if err != nil {
		return err
	}
	defer stopBare()
	if _, err := measure(ctx, bareURL, token, conc, time.Second); err != nil {
		return err
	}
	if res.BareHTTP, err = measure(ctx, bareURL, token, conc, dur); err != nil {
		return fmt.Errorf("bare: %w", err)
	}
	if res.BareHTTP.RPS > 0 {
		res.Ratio = res.RESTGet.RPS / res.BareHTTP.RPS
	}
	if res.Replay, res.Verify, err = reg.auditRates(ctx, filepath.Join(dir, "replay.db")); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	res.Notes = []string{
		"client and server share the machine's cores; compare figures only within one run",
		"every REST GET is a command on the bus, an audited read event committed to the bbolt event log, and a projection update",
		"bare = net/http returning the same response bytes, with no authentication",
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Println(string(b))
	return nil
}
