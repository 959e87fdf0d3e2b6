package auditlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	magic        = "HYAUDLOG"
	version      = 1
	maxSourceLen = 4096
	// fixedHeader is the header up to the source length.
	fixedHeader  = len(magic) + 1 + 8 + prevLen + 8 + 8
	maxHeaderLen = fixedHeader + binary.MaxVarintLen64 + maxSourceLen + 4
	segPrefix    = "seg-"
	segSuffix    = ".log"
)

// ErrCorrupt is wrapped by every error about stored bytes that are not what
// the writer wrote: a bad checksum, a broken chain, a gap.
var ErrCorrupt = errors.New("auditlog: corrupt")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// header is a segment's header.
type header struct {
	first     uint64
	prev      [32]byte
	firstTime time.Time
	seqBefore uint64
	source    string
}

func (h header) encode() []byte {
	b := make([]byte, 0, fixedHeader+len(h.source)+8)
	b = append(b, magic...)
	b = append(b, version)
	b = binary.BigEndian.AppendUint64(b, h.first)
	b = append(b, h.prev[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(h.firstTime.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, h.seqBefore)
	b = binary.AppendUvarint(b, uint64(len(h.source)))
	b = append(b, h.source...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// errShortHeader means the bytes end inside the header: a segment being
// created, or torn while it was.
var errShortHeader = errors.New("segment header is incomplete")

// decodeHeader returns the header at the start of b and its length.
func decodeHeader(b []byte) (header, int, error) {
	var h header
	if len(b) < fixedHeader+1 {
		return h, 0, errShortHeader
	}
	if string(b[:len(magic)]) != magic || b[len(magic)] != version {
		return h, 0, errors.New("not an audit segment of version 1")
	}
	p := len(magic) + 1
	h.first = binary.BigEndian.Uint64(b[p:])
	copy(h.prev[:], b[p+8:])
	p += 8 + prevLen
	h.firstTime = time.Unix(0, int64(binary.BigEndian.Uint64(b[p:]))).UTC()
	h.seqBefore = binary.BigEndian.Uint64(b[p+8:])
	p += 16
	n, k := binary.Uvarint(b[p:])
	if k == 0 {
		return h, 0, errShortHeader
	}
	if k < 0 || n > maxSourceLen {
		return h, 0, errors.New("segment header has a bad source length")
	}
	p += k
	if len(b) < p+int(n)+4 {
		return h, 0, errShortHeader
	}
	h.source = string(b[p : p+int(n)])
	p += int(n)
	if binary.LittleEndian.Uint32(b[p:]) != crc32.Checksum(b[:p], castagnoli) {
		return h, 0, errors.New("segment header checksum mismatch")
	}
	return h, p + 4, nil
}

func segName(first uint64) string {
	return fmt.Sprintf("%s%020d%s", segPrefix, first, segSuffix)
}

// segFile is a segment found in a directory.
type segFile struct {
	path  string
	first uint64
}

// listSegments returns the segments of dir, oldest first.
func listSegments(dir string) ([]segFile, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var segs []segFile
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, segPrefix) || !strings.HasSuffix(name, segSuffix) {
			continue
		}
		num := strings.TrimSuffix(strings.TrimPrefix(name, segPrefix), segSuffix)
		first, err := strconv.ParseUint(num, 10, 64)
		if err != nil || len(num) != 20 {
			continue
		}
		segs = append(segs, segFile{path: filepath.Join(dir, name), first: first})
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].first < segs[j].first })
	return segs, nil
}

// frame is one record's place in a segment's bytes.
type frame struct {
	off, body, end int // frame start, body start, frame end
}

// frameStatus says why nextFrame stopped.
type frameStatus int

const (
	frameOK    frameStatus = iota
	frameEOF               // no bytes left
	frameBad               // the bytes at off are not a frame
	frameShort             // the frame runs past the end of the bytes
)

// nextFrame parses the frame at off without checking its CRC.
func nextFrame(b []byte, off int) (frame, frameStatus) {
	if off >= len(b) {
		return frame{}, frameEOF
	}
	n, k := binary.Uvarint(b[off:])
	if k == 0 {
		return frame{}, frameShort
	}
	if k < 0 || n == 0 || n > MaxRecordBytes || k != uvarintLen(n) {
		return frame{}, frameBad
	}
	f := frame{off: off, body: off + k + 4}
	f.end = f.body + int(n)
	if f.end > len(b) {
		return f, frameShort
	}
	return f, frameOK
}

func (f frame) crcOK(b []byte) bool {
	return binary.LittleEndian.Uint32(b[f.body-4:]) == crc32.Checksum(b[f.body:f.end], castagnoli)
}

// tornAt says whether the damage found at off in the newest segment is a
// tail that never became durable (or is being written right now) rather
// than corruption of acknowledged records. The newest segment ends in
// zeros (preallocate), so the bytes that matter end at its last non-zero
// byte; the damage is torn when it is a frame running into those zeros (a
// batch being copied in, or whose later pages a crash lost), the bad last
// frame, a frame starting with a zero byte (a batch whose first byte, which
// the writer puts in place last, is not there yet or never landed; a valid
// frame never starts with one), or a bad frame holding a zero-filled
// 512-byte sector (a page the crash never wrote; a valid frame never holds
// 512 zero bytes). b must begin at a sector boundary of the file, so that
// its 512-byte steps are the file's sectors: window.tail and Follow's poll
// read from one.
func tornAt(b []byte, off int) bool {
	data := dataEnd(b)
	f, st := nextFrame(b[:data], off)
	switch st {
	case frameShort, frameEOF:
		return true
	case frameOK:
		if f.end == data {
			return true
		}
	case frameBad:
		if b[off] == 0 {
			return true
		}
	}
	end := off + 1 // a bad length: the sector must hold the frame's start
	if st == frameOK {
		end = f.end
	}
	for s := off &^ 511; s < end && s+512 <= len(b); s += 512 {
		if allZero(b[s : s+512]) {
			return true
		}
	}
	return false
}

// dataEnd is where the zeros that end b begin.
func dataEnd(b []byte) int {
	return len(bytes.TrimRight(b, "\x00"))
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func corrupt(path string, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrCorrupt, filepath.Base(path), fmt.Sprintf(format, args...))
}
