package auditlog

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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
		b, err := readSegment(sf.path)
		if err != nil {
			return sum, err
		}
		s, err := scanSegment(bytesWindow(b), sf.path, false, &c, &w, nil)
		if err != nil {
			return sum, err
		}
		if i == 0 {
			sum.First, sum.Prev, man.Source = s.hdr.first, s.hdr.prev, s.hdr.source
		}
		name := filepath.Base(sf.path)
		hdr := &tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: s.hdr.firstTime, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return sum, err
		}
		if _, err := tw.Write(b); err != nil {
			return sum, err
		}
		content.Write(b)
		man.Segments = append(man.Segments, name)
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
