package projections

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriting starts writeback of f's dirty pages (sync_file_range with
// SYNC_FILE_RANGE_WRITE alone: it neither waits nor consumes an I/O error,
// which the database's own fdatasync still reports).
func startWriting(f *os.File) {
	_ = unix.SyncFileRange(int(f.Fd()), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
}
