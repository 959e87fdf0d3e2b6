package auditlog

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// manifestName is the archive's last entry; the segments come before it,
// byte for byte as they were in the live directory.
const manifestName = "MANIFEST.json"

// Manifest describes an archive. Hashes are hex.
type Manifest struct {
	Format   int       `json:"format"`
	Source   string    `json:"source"`
	First    uint64    `json:"first"`    // index of the first record
	Prev     string    `json:"prev"`     // hash of the record before First
	Last     uint64    `json:"last"`     // index of the last record
	Head     string    `json:"head"`     // hash of Last: pin it elsewhere
	Records  int64     `json:"records"`  // Last-First+1
	Segments []string  `json:"segments"` // entry names, in order
	SHA256   string    `json:"sha256"`   // of the segments' bytes, concatenated in order
	Created  time.Time `json:"created"`
}

// archiveReader yields the segments of an archive, then checks its
// manifest against what they held.
func readArchive(path string, seg func(name string, b []byte) error) (Manifest, [32]byte, error) {
	var m Manifest
	var content [32]byte
	f, err := os.Open(path)
	if err != nil {
		return m, content, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return m, content, corrupt(path, "%v", err)
	}
	tr := tar.NewReader(zr)
	sum := sha256.New()
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return m, content, corrupt(path, "the archive has no %s (truncated?)", manifestName)
		}
		if err != nil {
			return m, content, corrupt(path, "%v", err)
		}
		if h.Size > 1<<31 {
			return m, content, corrupt(path, "entry %s is too large", h.Name)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return m, content, corrupt(path, "%v", err)
		}
		if h.Name == manifestName {
			if err := json.Unmarshal(b, &m); err != nil {
				return m, content, corrupt(path, "manifest: %v", err)
			}
			copy(content[:], sum.Sum(nil))
			if m.SHA256 != hex.EncodeToString(content[:]) || strings.Join(m.Segments, ",") != strings.Join(names, ",") {
				return m, content, corrupt(path, "the segments do not match the manifest")
			}
			return m, content, nil
		}
		names = append(names, h.Name)
		sum.Write(b)
		if err := seg(h.Name, b); err != nil {
			return m, content, err
		}
	}
}

// marker is the EXPORTED file: how far the log has been exported.
type marker struct {
	Last    uint64    `json:"last"`
	Head    string    `json:"head"`
	Archive string    `json:"archive"`
	Time    time.Time `json:"time"`
}

const markerName = "EXPORTED"

func readMarker(dir string) (marker, [32]byte, error) {
	var m marker
	var head [32]byte
	b, err := os.ReadFile(filepath.Join(dir, markerName))
	if errors.Is(err, os.ErrNotExist) {
		return m, head, nil
	}
	if err != nil {
		return m, head, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, head, fmt.Errorf("%s: %w", markerName, err)
	}
	if h, err := hex.DecodeString(m.Head); err != nil || len(h) != 32 {
		return m, head, fmt.Errorf("%s: bad head %q", markerName, m.Head)
	} else {
		copy(head[:], h)
	}
	return m, head, nil
}

// writeFileSynced replaces path with b durably: temporary file, fsync,
// rename, fsync of the directory.
func writeFileSynced(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(path))
}
