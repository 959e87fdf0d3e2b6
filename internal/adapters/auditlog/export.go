package auditlog

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"time"
)

// ExportSummary describes what Export wrote; Segments is 0 (and no file is
// written) when there was nothing new to export.
type ExportSummary struct {
	Path       string
	Segments   int
	First      uint64
	Last       uint64
	Prev, Head [32]byte
	Records    int64
	Bytes      int64 // size of the archive
}

// Export writes every sealed segment of dir not yet exported into out, a
// gzip'd tar of the segments followed by MANIFEST.json, verifying them as
// it goes. Once out is durable it records, in dir/EXPORTED, how far the
// log is exported, so that Enforce may remove those segments. It runs
// beside the writer without its lock; two exports exclude each other.
func Export(dir, out string) (ExportSummary, error) {
	sum, err := export(dir, out)
	if err != nil {
		return sum, fmt.Errorf("auditlog: export: %w", err)
	}
	return sum, nil
}

func export(dir, out string) (ExportSummary, error) {
	var sum ExportSummary
	lock, err := lockFile(filepath.Join(dir, "EXPORT.lock"))
	if errors.Is(err, ErrLocked) {
		return sum, errors.New("another export of this directory is running")
	}
	if err != nil {
		return sum, err
	}
	defer lock.Close()
	mk, mkHead, err := readMarker(dir)
	if err != nil {
		return sum, err
	}
	files, err := listSegments(dir)
	if err != nil {
		return sum, err
	}
	var todo []segFile
	for _, sf := range files[:max(len(files)-1, 0)] { // the newest is open
		if sf.first > mk.Last {
			todo = append(todo, sf)
		}
	}
	if len(todo) == 0 {
		return sum, nil
	}
	c := chain{}
	if mk.Last > 0 {
		c = chain{next: mk.Last + 1, hash: mkHead}
	}
	f, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return sum, err
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(out)
		}
	}()
	// The fastest level: archives are written while registryd runs and
	// records compress well even so.
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	content := sha256.New()
	man := Manifest{Format: 1}
	var w walker
	for i, sf := range todo {
		s, err := exportSegment(sf.path, tw, content, &c, &w, windowBytes)
		if err != nil {
			return sum, err
		}
		if i == 0 {
			sum.First, sum.Prev, man.Source = s.hdr.first, s.hdr.prev, s.hdr.source
		}
		man.Segments = append(man.Segments, filepath.Base(sf.path))
	}
	sum.Path, sum.Segments, sum.Last, sum.Head = out, len(todo), c.next-1, c.hash
	sum.Records = int64(sum.Last - sum.First + 1)
	man.First, man.Prev, man.Last, man.Head, man.Records = sum.First, hex.EncodeToString(sum.Prev[:]), sum.Last, hex.EncodeToString(sum.Head[:]), sum.Records
	man.SHA256, man.Created = hex.EncodeToString(content.Sum(nil)), time.Now().UTC()
	mb, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return sum, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(mb)), ModTime: man.Created, Format: tar.FormatPAX}); err != nil {
		return sum, err
	}
	if _, err := tw.Write(mb); err != nil {
		return sum, err
	}
	if err := tw.Close(); err != nil {
		return sum, err
	}
	if err := zw.Close(); err != nil {
		return sum, err
	}
	if err := f.Sync(); err != nil {
		return sum, err
	}
	st, err := f.Stat()
	if err != nil {
		return sum, err
	}
	sum.Bytes = st.Size()
	if err := f.Close(); err != nil {
		return sum, err
	}
	done = true
	if err := syncDir(filepath.Dir(out)); err != nil {
		return sum, err
	}
	mk = marker{Last: sum.Last, Head: hex.EncodeToString(sum.Head[:]), Archive: filepath.Base(out), Time: man.Created}
	b, err := json.Marshal(mk)
	if err != nil {
		return sum, err
	}
	return sum, writeFileSynced(filepath.Join(dir, markerName), b)
}

// exportSegment verifies the sealed segment at path against c and writes it
// into tw as one entry, and into content, as the walk goes: a piece at a
// time (piece bytes: windowBytes, tests less), never the whole segment in
// memory. A segment that fails verification fails the export, which then
// removes the archive it was writing.
func exportSegment(path string, tw *tar.Writer, content hash.Hash, c *chain, w *walker, piece int) (segScan, error) {
	win, err := openWindow(path)
	if err != nil {
		return segScan{}, err
	}
	defer win.close()
	st, err := win.f.Stat()
	if err != nil {
		return segScan{}, err
	}
	h, _, err := decodeHeader(win.buf)
	if err != nil {
		return segScan{}, corrupt(path, "%v", err)
	}
	hdr := &tar.Header{Name: filepath.Base(path), Mode: 0o600, Size: st.Size(), ModTime: h.firstTime, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return segScan{}, err
	}
	out := io.MultiWriter(tw, content)
	written := int64(0)
	win.piece = piece
	win.sink = func(b []byte) error {
		n, err := out.Write(b)
		written += int64(n)
		return err
	}
	s, err := scanSegment(win, path, false, c, w, nil)
	if err == nil {
		err = win.drain()
	}
	if err == nil && written != st.Size() {
		err = fmt.Errorf("%s: %d bytes exported of %d", filepath.Base(path), written, st.Size())
	}
	return s, err
}
