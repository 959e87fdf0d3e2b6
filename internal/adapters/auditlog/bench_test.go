package auditlog_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/hypo-registry/registry/internal/adapters/auditlog"
)

// BenchmarkAppend32 appends one audited-read record per call from 32
// goroutines, the shape of concurrent REST reads: each batch shares one
// write and one fdatasync.
func BenchmarkAppend32(b *testing.B) {
	l, err := auditlog.Open(auditlog.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	entries := make([]auditlog.Entry, 32)
	for g := range entries {
		entries[g] = readEntry(g)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/32 + 1
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				if _, err := l.Append(context.Background(), entries[g]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(per*32)/b.Elapsed().Seconds(), "appends/s")
	size, _, _ := l.Size()
	b.ReportMetric(float64(size)/float64(per*32), "bytes/record")
}

// benchLog is a log of n audited-read records in 64 MiB segments.
func benchLog(b *testing.B, n int) string {
	dir := b.TempDir()
	l, err := auditlog.Open(auditlog.Options{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]auditlog.Entry, 1024)
	for i := 0; i < n; i += len(batch) {
		for j := range batch {
			batch[j] = readEntry(i + j)
		}
		if _, err := l.Append(context.Background(), batch...); err != nil {
			b.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	return dir
}

const benchRecords = 1 << 20

func BenchmarkVerify(b *testing.B) {
	dir := benchLog(b, benchRecords)
	b.ResetTimer()
	for range b.N {
		sum, err := auditlog.Verify(dir, nil)
		if err != nil || sum.Records != benchRecords {
			b.Fatal(sum, err)
		}
	}
	b.ReportMetric(float64(benchRecords*b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkScan(b *testing.B) {
	dir := benchLog(b, benchRecords)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		n := 0
		if err := auditlog.Scan(dir, 1, func(auditlog.Record) error { n++; return nil }); err != nil || n != benchRecords {
			b.Fatal(n, err)
		}
	}
	b.ReportMetric(float64(benchRecords*b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkExport(b *testing.B) {
	dir := benchLog(b, benchRecords)
	// Seal the last segment so there is something to export.
	l, err := auditlog.Open(auditlog.Options{Dir: dir, SegmentBytes: 1})
	if err != nil {
		b.Fatal(err)
	}
	appendN(b, l, 0, 2)
	l.Close()
	out := b.TempDir() + "/a.tar.gz"
	var sum auditlog.ExportSummary
	b.ResetTimer()
	for range b.N {
		// Forget the previous run so each one exports everything again.
		b.StopTimer()
		os.Remove(out)
		os.Remove(dir + "/EXPORTED")
		b.StartTimer()
		sum, err = auditlog.Export(dir, out)
		if err != nil || sum.Records < benchRecords {
			b.Fatal(sum, err)
		}
	}
	b.ReportMetric(float64(sum.Records*int64(b.N))/b.Elapsed().Seconds(), "records/s")
	st, _ := os.Stat(out)
	b.ReportMetric(float64(st.Size())/float64(sum.Records), "archive-bytes/record")
}
