// Package auditlog is the registry's single audit chain: an append-only,
// hash-chained, group-committed log split into segment files.
//
// One process writes (Open takes an flock on Dir/LOCK); any number of
// readers (Scan, Follow, Verify, Export) work on the live directory without
// the lock and stop cleanly at a record still being written.
//
// # Directory
//
//	LOCK                       flock of the single writer
//	EXPORT.lock                flock of the single exporter
//	EXPORTED                   JSON marker: the last index exported (written with fsync)
//	seg-<first index %020d>.log segments, oldest first; all but the newest are sealed
//
// # Segment file (all integers big-endian unless noted)
//
//	magic        8 bytes "HYAUDLOG"
//	version      1 byte  (1)
//	first index  uint64  index of the segment's first record
//	prev hash    32 bytes hash of the record before it (zero before index 1)
//	first time   int64   Unix nanoseconds when the segment was started
//	seq before   uint64  highest EventSeq appended before this segment, so
//	                     LastEventSeq survives removing older segments
//	source       uvarint length + bytes: the instance's CloudEvents source
//	header crc   uint32 little-endian, CRC-32C of everything above
//	records...
//
// The newest segment may end in zeros after its records: the writer
// zero-fills 1 MiB ahead of them, so a batch's fdatasync flushes data
// without a filesystem journal commit. A record never starts with a zero
// byte, so readers take the first zero where a record should start for
// the end of the log; the writer writes a batch's first byte last, so a
// batch being copied in reads as the end of the log until it is whole.
// Sealing a segment truncates its zeros, and a sealed segment ends exactly
// after its last record.
//
// The header is not part of the chain: Verify checks its first index and
// prev hash against the records around it, and source is informational.
//
// # Record
//
//	length  uvarint, length of body (minimal encoding, 1..MaxRecordBytes)
//	crc     uint32 little-endian, CRC-32C (Castagnoli) of body
//	body:
//	  prev        32 bytes, the previous record's hash
//	  index       uvarint, 1-based, contiguous over the life of the log
//	  time        int64, Unix nanoseconds
//	  type, id, tenant, subject, correlation id, causation id: str
//	  event seq   uvarint (0 for query records)
//	  data        uvarint length + compact JSON object (length 0: no data)
//
//	str: uvarint k; k=0 empty; k=1 followed by the 16 bytes of a UUID whose
//	     canonical text (lowercase 8-4-4-4-12) is the value; k>=3 followed by
//	     k-2 bytes of text. A value that is a canonical UUID is always
//	     stored in the 16-byte form.
//
// A record's hash is SHA-256 of its body. It is never stored: the next
// record's prev carries it, and the chain head is what Verify and the
// archive manifests report. Every varint must be minimal and a body must
// end exactly after data, so one Entry has exactly one encoding.
//
// A typical audited read (40-byte type, 40-byte subject, UUID correlation
// id, 42 bytes of data) takes about 205 bytes including framing.
//
// # Group commit
//
// A batch is every Append queued while the previous one was written, held
// open while callers announced with Expect are still preparing theirs, or
// when the previous batch held more than one Append (the log is busy): for
// the time about four more entries take to arrive at the measured rate,
// within Options.CommitDelay (arrivalRate.hold).
//
// # Failures
//
// A failed write or fdatasync fails every Append of that batch and leaves
// the Log failed: every later Append returns ErrFailed (callers answer 503)
// until the process reopens the log, whose recovery truncates the torn
// tail. Nothing after a failed sync is ever reported durable.
package auditlog
