package auditlog

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// A segment walked a piece at a time gives what the whole segment in memory
// gives, however the pieces cut its header, length prefixes and records:
// the same records, the same end and torn bytes, the same errors.
func TestWindowedScanEqualsWholeSegment(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 40 {
		e := canonicalCases["query"]
		e.Time = at.Add(time.Duration(i) * time.Second)
		e.Data = []byte(fmt.Sprintf(`{"n":%d,"pad":%q}`, i, strings.Repeat("x", i*i)))
		if i == 20 { // one record larger than a whole window
			e.Data = []byte(`{"big":"` + strings.Repeat("y", windowBytes+1000) + `"}`)
		}
		if _, err := l.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(filepath.Join(dir, segName(1)))
	if err != nil {
		t.Fatal(err)
	}
	end := len(bytes.TrimRight(whole, "\x00"))
	if end == len(whole) {
		t.Fatal("want the open segment's zero fill after the records")
	}
	variants := map[string][]byte{
		"zero fill after the records": whole,
		"sealed":                      whole[:end],
		"torn last record":            append(bytes.Clone(whole[:end-7]), make([]byte, 3000)...),
		"length prefix only":          append(bytes.Clone(whole[:end]), 0x90),
		"cut inside the header":       whole[:20],
		"flipped byte mid-segment": func() []byte {
			b := bytes.Clone(whole)
			b[end/3] ^= 1
			return b
		}(),
		"zeroed sector mid-segment": func() []byte {
			b := bytes.Clone(whole)
			clear(b[end/2&^511 : end/2&^511+512])
			return b
		}(),
		"zeroed sector near the end": func() []byte {
			b := bytes.Clone(whole)
			s := (end - 100) &^ 511
			clear(b[s : s+512])
			return b
		}(),
	}
	type result struct {
		scan    segScan
		records []Record
		err     string
	}
	run := func(w *window, newest bool) result {
		var (
			r  result
			c  chain
			wk = walker{decode: true}
		)
		s, err := scanSegment(w, "seg", newest, &c, &wk, func(c *checked) error {
			rec := c.rec
			rec.Hash = c.hash
			r.records = append(r.records, rec)
			return nil
		})
		r.scan = s
		if err != nil {
			r.err = err.Error()
		}
		return r
	}
	for name, b := range variants {
		path := filepath.Join(t.TempDir(), "seg")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, newest := range []bool{true, false} {
			want := run(bytesWindow(b), newest)
			for _, piece := range []int{1, 2, 3, 7, 64, 511, 512, 513, 4096, windowBytes} {
				w, err := openWindow(path)
				if err != nil {
					t.Fatal(err)
				}
				// Start over with the smaller piece.
				if _, err := w.f.Seek(0, 0); err != nil {
					t.Fatal(err)
				}
				w.buf, w.piece = nil, piece
				if err := w.slide(0, maxHeaderLen); err != nil {
					t.Fatal(err)
				}
				got := run(w, newest)
				w.close()
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s, newest %v, pieces of %d: %d records, %+v, %q; whole: %d records, %+v, %q",
						name, newest, piece, len(got.records), got.scan, got.err, len(want.records), want.scan, want.err)
				}
			}
		}
	}
	// The variants reach every way a walk can end.
	if r := run(bytesWindow(variants["torn last record"]), true); r.err != "" || r.scan.torn == 0 || len(r.records) != 39 {
		t.Errorf("torn last record: %d records, %+v, %q", len(r.records), r.scan, r.err)
	}
	if r := run(bytesWindow(variants["flipped byte mid-segment"]), true); r.err == "" {
		t.Errorf("a flipped byte mid-segment verified")
	}
	if r := run(bytesWindow(variants["zero fill after the records"]), true); r.err != "" || r.scan.torn != 0 || len(r.records) != 40 {
		t.Errorf("zero fill: %d records, %+v, %q", len(r.records), r.scan, r.err)
	}
}

// A live segment's damage is judged on the bytes the walk saw: when the
// walk stops at the newest segment's unwritten zeros and the writer then
// adds records there before the tail is read, the tail still shows the
// zeros (a clean end), not records the walk never checked, which (several
// of them after a point the walk found empty) would read as corruption.
func TestTailKeepsWhatTheWalkSaw(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	e := canonicalCases["query"]
	for range 40 {
		if _, err := l.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, segName(1))
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	end := len(bytes.TrimRight(before, "\x00"))
	for range 5 { // the records the writer adds while the walk looks
		if _, err := l.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(after[:end], before[:end]) || after[end] == 0 || len(after)-end < 8192 {
		t.Fatalf("want records appended at %d and zero fill after them", end)
	}
	// The window as the walk left it: over the old end, before the file's.
	seen := filepath.Join(t.TempDir(), "seg")
	if err := os.WriteFile(seen, before, 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := openWindow(seen)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	w.piece = 4096
	if err := w.slide(end-100, 0); err != nil || w.eof {
		t.Fatalf("slide: %v, eof %v", err, w.eof)
	}
	if err := os.WriteFile(seen, after, 0o600); err != nil { // the writer goes on
		t.Fatal(err)
	}
	b, at, err := w.tail(end)
	if err != nil {
		t.Fatal(err)
	}
	if b[end-at] != 0 || !tornAt(b, end-at) {
		t.Fatalf("the tail at %d shows %#x and reads as damage: the bytes the walk did not see were judged", end, b[end-at])
	}
	if !bytes.Equal(b[:w.base-at], after[at:w.base]) || len(b) != len(after)-at {
		t.Fatalf("the tail is not the segment from %d on: %d bytes", at, len(b))
	}
}

// A sealed segment exported a piece at a time is written whole and as it
// is, whatever the pieces; a damaged one fails its export.
func TestExportSegmentInPieces(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(Options{Dir: dir, SegmentBytes: 16 << 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 600 {
		e := canonicalCases["query"]
		e.Data = []byte(fmt.Sprintf(`{"n":%d,"pad":%q}`, i, strings.Repeat("x", i%50)))
		if _, err := l.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	files, err := listSegments(dir)
	if err != nil || len(files) < 2 {
		t.Fatalf("%d segments, %v", len(files), err)
	}
	path := files[0].path
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	export := func(path string, piece int) ([]byte, [32]byte, error) {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		content := sha256.New()
		var (
			c  chain
			wk walker
		)
		_, err := exportSegment(path, tw, content, &c, &wk, piece)
		if err != nil {
			return nil, [32]byte{}, err
		}
		if err := tw.Close(); err != nil {
			return nil, [32]byte{}, err
		}
		tr := tar.NewReader(&buf)
		if _, err := tr.Next(); err != nil {
			return nil, [32]byte{}, err
		}
		got, err := io.ReadAll(tr)
		return got, [32]byte(content.Sum(nil)), err
	}
	for _, piece := range []int{1, 3, 512, 4096, windowBytes} {
		got, sum, err := export(path, piece)
		if err != nil || !bytes.Equal(got, want) || sum != sha256.Sum256(want) {
			t.Fatalf("pieces of %d: %d bytes exported (want %d), hash %x, %v", piece, len(got), len(want), sum, err)
		}
	}
	bad := bytes.Clone(want)
	bad[len(bad)-10] ^= 1
	broken := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(broken, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := export(broken, 512); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a damaged segment exported: %v", err)
	}
}
