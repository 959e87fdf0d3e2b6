package projections

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/types"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/internal/security/redact"
)

// Audit bucket names. The head is kept apart from the records so that
// dropping records from the end of the log is detectable.
const (
	AuditBucket     = "audit"
	AuditHeadBucket = "audit_head"
	auditHeadKey    = "head"
)

// Record is one audit log entry: an event with its data hashed, chained to
// the previous entry by hash so that an edit, deletion or reordering shows.
type Record struct {
	Index         uint64          `json:"index"` // 1-based, contiguous
	EventSeq      uint64          `json:"eventSeq"`
	ID            string          `json:"id"`
	Type          string          `json:"type"`
	Source        string          `json:"source"`
	Subject       string          `json:"subject,omitempty"`
	Tenant        string          `json:"tenant,omitempty"`
	CorrelationID string          `json:"correlationId,omitempty"`
	CausationID   string          `json:"causationId,omitempty"`
	Time          time.Time       `json:"time"` // the event's time: replay gives the same record
	Data          json.RawMessage `json:"data,omitempty"`
	Prev          string          `json:"prev"` // Hash of the record before, "" for the first
	Hash          string          `json:"hash"` // hex SHA-256 of this record encoded with Hash ""
}

// Digest returns the hex SHA-256 of the record's canonical encoding: the
// record as encoding/json writes it (fields in declaration order, Data
// compacted) with Hash set to "".
func (r Record) Digest() (string, error) {
	r.Hash = ""
	b, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("audit record %d: digest: %w", r.Index, err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

type auditHead struct {
	Index uint64 `json:"index"`
	Hash  string `json:"hash"`
}

// Audit is the projection that keeps the hash-chained audit log.
type Audit struct {
	h *redact.Hasher

	// head caches the head this projection last wrote in tx, so a batch
	// decodes it once. Holding tx keeps its address from being reused by a
	// later transaction, so the cache is never taken for another one's.
	mu   sync.Mutex
	tx   *bbolt.Tx
	head auditHead
}

// NewAudit returns the audit projection. Event data is hashed with h, keyed
// by the instance's audit key, so replaying with the same key gives the same
// records. A nil h is a wiring bug and panics.
func NewAudit(h *redact.Hasher) *Audit {
	if h == nil {
		panic("projections: NewAudit: nil hasher")
	}
	return &Audit{h: h}
}

// Name is the audit projection's position key; do not rename.
func (a *Audit) Name() string { return "audit" }

// Buckets lists the audit record and head buckets.
func (a *Audit) Buckets() []string { return []string{AuditBucket, AuditHeadBucket} }

// Apply appends the record for e and moves the head.
func (a *Audit) Apply(tx *bbolt.Tx, seq uint64, e event.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	head := a.head
	if a.tx != tx {
		h, _, err := readAuditHead(tx)
		if err != nil {
			return err
		}
		head = h
		a.tx = nil
	}
	data, err := a.redactData(e)
	if err != nil {
		return err
	}
	ext := e.Extensions() // a copy of the map: take it once, not per name
	r := Record{
		Index: head.Index + 1, EventSeq: seq,
		ID: e.ID(), Type: e.Type(), Source: e.Source(), Subject: e.Subject(),
		Tenant:        extension(ext, "tenant"),
		CorrelationID: extension(ext, "correlationid"),
		CausationID:   extension(ext, "causationid"),
		Time:          e.Time().UTC(),
		Data:          data,
		Prev:          head.Hash,
	}
	b, err := r.encode()
	if err != nil {
		return err
	}
	records := tx.Bucket([]byte(AuditBucket))
	// Records are only ever appended at the end: full pages mean fewer of
	// them to split and write at commit (bbolt's advice for appends).
	records.FillPercent = 1.0
	if err := records.Put(indexKey(r.Index), b); err != nil {
		return fmt.Errorf("audit: put record %d: %w", r.Index, err)
	}
	if err := tx.Bucket([]byte(AuditHeadBucket)).Put([]byte(auditHeadKey), encodeHead(r.Index, r.Hash)); err != nil {
		return fmt.Errorf("audit: put head: %w", err)
	}
	a.tx, a.head = tx, auditHead{Index: r.Index, Hash: r.Hash}
	return nil
}

// hashTail ends every canonical encoding: Hash is the last field, and the
// digest is taken with it empty.
const hashTail = `"hash":""}`

// encode sets r.Hash to r's digest and returns r's stored encoding, which
// is json.Marshal(r) (written by appendRecord). It marshals once: the digest's input is the stored
// encoding with the hash left empty, so the hash is spliced into it.
func (r *Record) encode() ([]byte, error) {
	r.Hash = ""
	b, err := appendRecord(make([]byte, 0, 512), r)
	if err != nil {
		return nil, fmt.Errorf("audit record %d: encode: %w", r.Index, err)
	}
	if !bytes.HasSuffix(b, []byte(hashTail)) {
		return nil, fmt.Errorf("audit record %d: encode: the hash is not the last field", r.Index)
	}
	sum := sha256.Sum256(b)
	r.Hash = hex.EncodeToString(sum[:])
	out := make([]byte, 0, len(b)+len(r.Hash))
	out = append(out, b[:len(b)-len(`""}`)]...)
	out = append(out, '"')
	out = hex.AppendEncode(out, sum[:])
	return append(out, `"}`...), nil
}

// encodeHead is json.Marshal(auditHead{index, hash}) for a hex hash, which
// needs no escaping.
func encodeHead(index uint64, hash string) []byte {
	b := append([]byte(`{"index":`), strconv.FormatUint(index, 10)...)
	b = append(b, `,"hash":"`...)
	b = append(b, hash...)
	return append(b, `"}`...)
}

// redactData hashes every non-clear string of JSON data. Data that is not
// JSON is opaque to us, so it is hashed whole.
func (a *Audit) redactData(e event.Event) (json.RawMessage, error) {
	raw := e.Data()
	if len(raw) == 0 {
		return nil, nil
	}
	if isJSON(e.DataContentType()) && json.Valid(raw) {
		out, err := a.h.CopyJSON(raw, AuditClearFields)
		if err != nil {
			return nil, fmt.Errorf("audit: redact data: %w", err)
		}
		return out, nil
	}
	out, err := json.Marshal(a.h.HMAC(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("audit: redact data: %w", err)
	}
	return out, nil
}

// isJSON reports whether a datacontenttype announces JSON; an absent one
// means JSON in CloudEvents' JSON format.
func isJSON(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "" || mt == event.ApplicationJSON || mt == event.TextJSON || strings.HasSuffix(mt, "+json")
}

func readAuditHead(tx *bbolt.Tx) (auditHead, bool, error) {
	var h auditHead
	b := tx.Bucket([]byte(AuditHeadBucket))
	if b == nil {
		return h, false, nil
	}
	v := b.Get([]byte(auditHeadKey))
	if v == nil {
		return h, false, nil
	}
	if err := json.Unmarshal(v, &h); err != nil {
		return h, true, fmt.Errorf("audit: decode head: %w", err)
	}
	return h, true, nil
}

func extension(ext map[string]any, name string) string {
	v, ok := ext[name]
	if !ok {
		return ""
	}
	s, err := types.ToString(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return s
}

func indexKey(i uint64) []byte { return binary.BigEndian.AppendUint64(nil, i) }
