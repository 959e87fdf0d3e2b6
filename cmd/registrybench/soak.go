package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	"github.com/hypo-registry/registry/internal/app"
)

// soakOptions configure the soak (-soak): issue 13's "a 30-minute soak at
// half the measured REST rate shows disk within the retention bound and
// flat RSS".
type soakOptions struct {
	duration     time.Duration
	rate         float64 // GETs per second; 0: half the measured REST rate
	writesPerSec float64
	sampleEvery  time.Duration
	exportEvery  time.Duration
	enforceEvery time.Duration
	maxBytes     int64
	segmentBytes int64
	retention    time.Duration
	workers      int
}

type soakOutput struct {
	Date       time.Time  `json:"date"`
	GoVersion  string     `json:"goVersion"`
	GOMAXPROCS int        `json:"gomaxprocs"`
	Soak       soakResult `json:"soak"`
	Notes      []string   `json:"notes"`
}

type soakResult struct {
	DurationSeconds float64 `json:"durationSeconds"`
	// MeasuredRESTRate is the closed-loop REST GET rate measured first
	// (0 when -soak-rate was given); Rate is what the soak asked for.
	MeasuredRESTRate float64 `json:"measuredRestGetPerSecond"`
	Rate             float64 `json:"rate"`
	AchievedRate     float64 `json:"achievedRate"`
	WritesPerSecond  float64 `json:"writesPerSecond"`
	Requests         int64   `json:"requests"`
	Errors           int64   `json:"errors"`
	Dropped          int64   `json:"dropped"`
	Writes           int64   `json:"writes"`
	WriteErrors      int64   `json:"writeErrors"`
	LastError        string  `json:"lastError,omitempty"`

	Audit soakAudit `json:"audit"`

	Samples []soakSample `json:"samples"`

	// The verdict. AuditBound is what DataDir/audit may hold: MaxBytes,
	// plus one segment (the open one, and a sealed one's overshoot by a
	// batch), plus what the target rate writes between an export and the
	// retention run after it. DataDirBound adds the rest of the data
	// directory at the start and writeAllowance per write.
	JudgedFromSeconds float64 `json:"judgedFromSeconds"`
	MaxDataDirBytes   int64   `json:"maxDataDirBytes"`
	MaxAuditBytes     int64   `json:"maxAuditBytes"`
	AuditBound        int64   `json:"auditBound"`
	DataDirBound      int64   `json:"dataDirBound"`
	NonAuditFirst     int64   `json:"nonAuditBytesFirst"`
	NonAuditLast      int64   `json:"nonAuditBytesLast"`
	DiskWithinBound   bool    `json:"diskWithinBound"`
	RSSFirstMinuteMiB float64 `json:"rssFirstMinuteMiB"`
	RSSLastMinuteMiB  float64 `json:"rssLastMinuteMiB"`
	RSSGrowthPercent  float64 `json:"rssGrowthPercent"`
	RSSWindowSeconds  float64 `json:"rssWindowSeconds"`
	RSSFlat           bool    `json:"rssFlat"`
	// The same over RssAnon alone (heap, stacks, runtime): VmRSS also
	// counts the pages of the mmapped bbolt files the process touched
	// (RssFile), which grow with events.db and the kernel can drop.
	RSSAnonFirstMinuteMiB float64 `json:"rssAnonFirstMinuteMiB"`
	RSSAnonLastMinuteMiB  float64 `json:"rssAnonLastMinuteMiB"`
	RSSAnonGrowthPercent  float64 `json:"rssAnonGrowthPercent"`
	RSSAnonFlat           bool    `json:"rssAnonFlat"`
}

// soakAudit is the audit log's configuration and what became of it.
type soakAudit struct {
	MaxBytes            int64   `json:"maxBytes"`
	SegmentBytes        int64   `json:"segmentBytes"`
	RetentionSeconds    float64 `json:"retentionSeconds"`
	EnforceEverySeconds float64 `json:"enforceEverySeconds"`
	ExportEverySeconds  float64 `json:"exportEverySeconds"`
	// BytesPerRecord is the log's size over its records after the rate
	// measurement, before any export (so before any removal).
	BytesPerRecord   float64 `json:"bytesPerRecord"`
	Exports          int     `json:"exports"`
	SegmentsExported int     `json:"segmentsExported"`
	ArchiveBytes     int64   `json:"archiveBytes"`
	ExportErrors     int     `json:"exportErrors"`
	Records          uint64  `json:"records"`
	SegmentsAtEnd    int     `json:"segmentsAtEnd"`
	// Verified is how many records auditlog.Verify checked across the
	// archives and the live log at the end (all of them, if none was
	// removed unexported); VerifyError is its error, if any.
	Verified    int64  `json:"verifiedRecords"`
	VerifyError string `json:"verifyError,omitempty"`
}

type soakSample struct {
	T            float64 `json:"t"`
	DataDirBytes int64   `json:"dataDirBytes"`
	AuditBytes   int64   `json:"auditBytes"`
	AuditLogSize int64   `json:"auditLogBytes"`
	Segments     int     `json:"auditSegments"`
	RSSBytes     int64   `json:"rssBytes"`
	RSSAnonBytes int64   `json:"rssAnonBytes"`
	RSSFileBytes int64   `json:"rssFileBytes"`
	HeapInuse    uint64  `json:"heapInuseBytes"`
	Goroutines   int     `json:"goroutines"`
	Rate         float64 `json:"rate"`
	P50ms        float64 `json:"p50ms"`
	P99ms        float64 `json:"p99ms"`
	Errors       int64   `json:"errors"`
	Dropped      int64   `json:"dropped"`
}

const (
	// writeAllowance is the data-directory growth allowed per write (an
	// event of a few KB in events.db and its projection, with bbolt's page
	// churn): writes are kept for ever, by design.
	writeAllowance = 16 << 10
	// rssFlatPercent is the most the RSS may grow from the first window
	// to the last and still be flat.
	rssFlatPercent = 10
)

// runSoak runs the soak and writes its JSON to out.
func runSoak(out string, conc int, measureFor time.Duration, o soakOptions) error {
	if o.sampleEvery <= 0 || o.exportEvery <= 0 || o.enforceEvery <= 0 || o.workers <= 0 || o.rate < 0 || o.writesPerSec < 0 || o.maxBytes < 0 || o.segmentBytes <= 0 || o.retention < 0 {
		return fmt.Errorf("-soak-sample, -soak-export, -soak-enforce, -soak-workers and -soak-audit-segment-bytes must be positive, the other -soak-* not negative")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, err := os.MkdirTemp("", "registrybench-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	archives := filepath.Join(dir, "archives")
	if err := os.Mkdir(archives, 0o700); err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	reg, err := startRegistry(ctx, filepath.Join(dir, "data"), logger, func(c *app.Config) {
		c.Audit = app.AuditConfig{Retention: o.retention, MaxBytes: o.maxBytes, SegmentBytes: o.segmentBytes}
		c.AuditEnforceInterval = o.enforceEvery
	})
	if err != nil {
		return err
	}
	defer reg.stop()
	url, token, _, err := reg.seedSecret()
	if err != nil {
		return err
	}
	writeURL, err := reg.seedWriteSecret(token)
	if err != nil {
		return err
	}
	get := bearerGet(url, token)
	res := soakResult{Rate: o.rate, WritesPerSecond: o.writesPerSec}
	a := &res.Audit
	a.MaxBytes, a.SegmentBytes, a.RetentionSeconds = o.maxBytes, o.segmentBytes, o.retention.Seconds()
	a.EnforceEverySeconds, a.ExportEverySeconds = o.enforceEvery.Seconds(), o.exportEvery.Seconds()
	// The rate measurement is the warm-up too; nothing is exported before
	// the soak, so nothing is removed yet and the log's size over its
	// records is a record's cost on disk.
	measured, err := warmAndMeasureHTTP(ctx, get, conc, measureFor)
	if err != nil {
		return fmt.Errorf("REST GET: %w", err)
	}
	if res.Rate == 0 {
		res.MeasuredRESTRate = measured.RPS
		res.Rate = measured.RPS / 2
	}
	size, _, _ := reg.svc.AuditLog().Size()
	records, _ := reg.svc.AuditLog().Head()
	a.BytesPerRecord = float64(size) / float64(max(records, 1))
	fmt.Fprintf(os.Stderr, "soak: %s at %.0f GET/s (measured %.0f/s closed loop), %.1f writes/s; audit max %d MiB, segments %d KiB, %.0f bytes per record\n",
		o.duration, res.Rate, measured.RPS, o.writesPerSec, o.maxBytes>>20, o.segmentBytes>>10, a.BytesPerRecord)

	soakCtx, stopSoak := context.WithTimeout(ctx, o.duration)
	defer stopSoak()
	loop := newOpenLoop(get, res.Rate, o.workers)
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); loop.run(soakCtx) }()
	var writes, writeErrs int64
	go func() { defer wg.Done(); writes, writeErrs = soakWrites(soakCtx, writeURL, token, o.writesPerSec) }()
	go func() { defer wg.Done(); soakExports(soakCtx, reg.svc.AuditDir(), archives, o.exportEvery, a) }()

	start := time.Now()
	loop.take()
	tick := time.NewTicker(o.sampleEvery)
	last := start
	for done := false; !done; {
		select {
		case <-soakCtx.Done():
			// Let the requests in flight finish: the last window counts them.
			wg.Wait()
			done = true
		case <-tick.C:
		}
		now := time.Now()
		w := loop.take()
		res.Requests += w.OK
		res.Errors += w.Errors
		res.Dropped += w.Dropped
		if done && now.Sub(last) < o.sampleEvery/2 {
			break // too short a window for a rate; counted above
		}
		s, err := reg.sample(now.Sub(start), now.Sub(last), w)
		if err != nil {
			return err
		}
		last = now
		res.Samples = append(res.Samples, s)
		if len(res.Samples)%max(int(30*time.Second/o.sampleEvery), 1) == 0 || done {
			fmt.Fprintf(os.Stderr, "soak %4.0fs: %.0f GET/s p50 %.2f p99 %.2f ms, data dir %.1f MiB (audit %.1f MiB, %d segments), RSS %.1f MiB, heap %.1f MiB, %d goroutines\n",
				s.T, s.Rate, s.P50ms, s.P99ms, mib(s.DataDirBytes), mib(s.AuditBytes), s.Segments, mib(s.RSSBytes), mib(int64(s.HeapInuse)), s.Goroutines)
		}
	}
	tick.Stop()
	res.DurationSeconds = o.duration.Seconds()
	res.Writes, res.WriteErrors = writes, writeErrs
	if e, ok := loop.lastErr.Load().(string); ok {
		res.LastError = e
	}
	a.Records, _ = reg.svc.AuditLog().Head()
	_, a.SegmentsAtEnd, _ = reg.svc.AuditLog().Size()
	// Every record must still be somewhere: in an archive or the live log.
	paths, err := filepath.Glob(filepath.Join(archives, "audit-*.tar.gz"))
	if err != nil {
		return err
	}
	vs, err := auditlog.Verify(reg.svc.AuditDir(), paths)
	a.Verified = vs.Records
	if err != nil {
		a.VerifyError = err.Error()
	}
	res.verdict(o)
	fmt.Fprintf(os.Stderr, "soak: %.0f GET/s achieved of %.0f (%d errors, %d dropped), %d writes; audit: %d exports, %d segments exported\n",
		res.AchievedRate, res.Rate, res.Errors, res.Dropped, res.Writes, a.Exports, a.SegmentsExported)
	fmt.Fprintf(os.Stderr, "soak: audit verify across %d archives and the live log: %d of %d records (error: %v)\n", len(paths), a.Verified, a.Records, err)
	fmt.Fprintf(os.Stderr, "soak: disk max from %.0fs on %.1f MiB (audit max %.1f MiB, bound %.1f MiB; data dir bound %.1f MiB): within bound %v\n",
		res.JudgedFromSeconds, mib(res.MaxDataDirBytes), mib(res.MaxAuditBytes), mib(res.AuditBound), mib(res.DataDirBound), res.DiskWithinBound)
	fmt.Fprintf(os.Stderr, "soak: RSS %.1f MiB over the first %.0fs, %.1f MiB over the last: %+.1f%%, flat %v\n",
		res.RSSFirstMinuteMiB, res.RSSWindowSeconds, res.RSSLastMinuteMiB, res.RSSGrowthPercent, res.RSSFlat)
	fmt.Fprintf(os.Stderr, "soak: anonymous RSS %.1f MiB over the first %.0fs, %.1f MiB over the last: %+.1f%%, flat %v\n",
		res.RSSAnonFirstMinuteMiB, res.RSSWindowSeconds, res.RSSAnonLastMinuteMiB, res.RSSAnonGrowthPercent, res.RSSAnonFlat)
	return writeJSON(out, soakOutput{Date: start.UTC(), GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0), Soak: res, Notes: soakNotes})
}

var soakNotes = []string{
	"soak: one embedded registryd in this process; image-pull GETs of one secret at a fixed rate, open loop (latency counts from when a request was due; dropped = due while every worker was busy), plus PATCHes of another secret at writesPerSecond",
	"soak.audit: the registry's audit log (queries and command events) runs with these MaxBytes, SegmentBytes, Retention and retention interval; every exportEverySeconds the soak runs auditlog.Export into an archive outside the data directory, as `registryctl audit export` would, which lets retention remove the exported segments",
	"soak.samples: t seconds since the start; dataDirBytes, auditBytes = blocks allocated (du) to the data directory and to its audit directory; auditLogBytes = the log's own size; rssBytes = VmRSS of this process (registry and load generator), rssAnonBytes and rssFileBytes its RssAnon (heap, stacks, runtime) and RssFile (pages of mapped files: the binary and the mmapped bbolt files) parts; heapInuseBytes, goroutines of this process; rate, p50ms, p99ms over the sample's window",
	"soak.auditBound = audit.maxBytes + audit.segmentBytes + rate x audit.bytesPerRecord x (exportEverySeconds + enforceEverySeconds); dataDirBound = auditBound + the rest of the data directory at the first sample + 16 KiB per write; diskWithinBound: the largest sample of both from judgedFromSeconds on (the first export and the retention run after it, which clear what the rate measurement wrote before the soak) is within its bound; maxDataDirBytes, maxAuditBytes are those largest samples",
	"soak.audit.verifiedRecords: auditlog.Verify over the archives and the live log at the end (as `registryctl audit verify --queries --archive`): equal to audit.records when every record removed by retention was exported first",
	"soak.rssFirstMinuteMiB, rssLastMinuteMiB: mean VmRSS over the first and the last rssWindowSeconds (60, or a third of a shorter soak); rssFlat: growth at most 10%; rssAnon* the same over RssAnon alone",
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// sample measures the data directory and this process.
func (r *registry) sample(t, elapsed time.Duration, w window) (soakSample, error) {
	total, byEntry, err := dirUsageBy(r.dir)
	if err != nil {
		return soakSample{}, err
	}
	size, segs, _ := r.svc.AuditLog().Size()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mem, err := readProcMem()
	if err != nil {
		return soakSample{}, err
	}
	rss := mem.VmRSS << 10
	return soakSample{
		T: t.Seconds(), DataDirBytes: total, AuditBytes: byEntry["audit"], AuditLogSize: size, Segments: segs,
		RSSBytes: rss, RSSAnonBytes: mem.RssAnon << 10, RSSFileBytes: mem.RssFile << 10, HeapInuse: ms.HeapInuse, Goroutines: runtime.NumGoroutine(),
		Rate: float64(w.OK) / elapsed.Seconds(), P50ms: w.P50ms, P99ms: w.P99ms, Errors: w.Errors, Dropped: w.Dropped,
	}, nil
}

// verdict sums the samples up and judges disk and RSS.
func (s *soakResult) verdict(o soakOptions) {
	if len(s.Samples) == 0 {
		return
	}
	// Until the first export and the retention run after it, the log
	// holds what the rate measurement wrote, unexported: the bound holds
	// from then on.
	s.JudgedFromSeconds = (o.exportEvery + o.enforceEvery).Seconds()
	for _, x := range s.Samples {
		if x.T >= s.JudgedFromSeconds {
			s.MaxDataDirBytes = max(s.MaxDataDirBytes, x.DataDirBytes)
			s.MaxAuditBytes = max(s.MaxAuditBytes, x.AuditBytes)
		}
	}
	s.AchievedRate = float64(s.Requests) / s.DurationSeconds
	first, lastS := s.Samples[0], s.Samples[len(s.Samples)-1]
	s.NonAuditFirst, s.NonAuditLast = first.DataDirBytes-first.AuditBytes, lastS.DataDirBytes-lastS.AuditBytes
	s.AuditBound = o.maxBytes + o.segmentBytes +
		int64(s.Rate*s.Audit.BytesPerRecord*(o.exportEvery+o.enforceEvery).Seconds())
	s.DataDirBound = s.AuditBound + s.NonAuditFirst + s.Writes*writeAllowance
	s.DiskWithinBound = s.MaxDataDirBytes > 0 && s.MaxAuditBytes <= s.AuditBound && s.MaxDataDirBytes <= s.DataDirBound
	win := min(60, s.DurationSeconds/3)
	s.RSSWindowSeconds = win
	s.RSSFirstMinuteMiB, s.RSSLastMinuteMiB, s.RSSGrowthPercent, s.RSSFlat = s.growth(win, func(x soakSample) int64 { return x.RSSBytes })
	s.RSSAnonFirstMinuteMiB, s.RSSAnonLastMinuteMiB, s.RSSAnonGrowthPercent, s.RSSAnonFlat = s.growth(win, func(x soakSample) int64 { return x.RSSAnonBytes })
}

// growth compares the mean of the samples over the first and the last
// win seconds: flat if it grew at most rssFlatPercent.
func (s *soakResult) growth(win float64, of func(soakSample) int64) (first, last, percent float64, flat bool) {
	var firstSum, lastSum float64
	var firstN, lastN int
	for _, x := range s.Samples {
		if x.T <= win {
			firstSum += mib(of(x))
			firstN++
		}
		if x.T >= s.DurationSeconds-win {
			lastSum += mib(of(x))
			lastN++
		}
	}
	if firstN == 0 || lastN == 0 || firstSum == 0 {
		return 0, 0, 0, false
	}
	first, last = firstSum/float64(firstN), lastSum/float64(lastN)
	percent = 100 * (last - first) / first
	return first, last, percent, percent <= rssFlatPercent
}

// seedWriteSecret creates the secret the soak's writes update.
func (r *registry) seedWriteSecret(token string) (string, error) {
	url := r.svc.BaseURL() + "/registry-api/image-pull/secret/soak-writes"
	if err := sendJSON(http.MethodPost, url, token, 0, http.StatusCreated); err != nil {
		return "", fmt.Errorf("seed the written secret: %w", err)
	}
	return url, nil
}

// sendJSON sends an image-pull secret body numbered n and wants status.
func sendJSON(method, url, token string, n int64, status int) error {
	body := fmt.Sprintf(`{"username":"soak-%d","password":"soak-password-%d","url":"https://registry.example.com"}`, n, n)
	req, err := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != status {
		return fmt.Errorf("%s: status %d", method, resp.StatusCode)
	}
	return nil
}

// soakWrites updates the written secret perSec times a second.
func soakWrites(ctx context.Context, url, token string, perSec float64) (writes, errs int64) {
	if perSec <= 0 {
		return 0, 0
	}
	t := time.NewTicker(time.Duration(float64(time.Second) / perSec))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return writes, errs
		case <-t.C:
			writes++
			if sendJSON(http.MethodPatch, url, token, writes, http.StatusOK) != nil {
				errs++
			}
		}
	}
}

// soakExports exports the audit log's sealed segments every interval, as
// an operator's `registryctl audit export` would, into archives (outside
// the data directory): that is what lets retention remove them.
func soakExports(ctx context.Context, auditDir, archives string, every time.Duration, a *soakAudit) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sum, err := auditlog.Export(auditDir, filepath.Join(archives, fmt.Sprintf("audit-%05d.tar.gz", a.Exports)))
		a.Exports++
		if err != nil {
			a.ExportErrors++
			fmt.Fprintln(os.Stderr, "soak: export:", err)
			continue
		}
		a.SegmentsExported += sum.Segments
		a.ArchiveBytes += sum.Bytes
	}
}

// writeJSON writes v indented to out and to stdout.
func writeJSON(out string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
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
