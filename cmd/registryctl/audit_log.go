package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/hypo-registry/registry/handlers/auditread"
	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	"github.com/hypo-registry/registry/internal/app/datadir"
)

// The audit log (<data-dir>/audit) is segment files a reader may open while
// registryd appends, so verify, tail and export work on a running
// registryd. It holds every command event (eventSeq > 0) and every query's
// record (reads, lists, tokens) in one hash chain.

// logRecord is how tail prints a record of the audit log: the record of
// the live audit API (GET /registry-api/admin/audit), so a tail reads the
// same from a data directory and from a server.
type logRecord = auditread.Record

func printable(r auditlog.Record) logRecord {
	return logRecord{
		Index: r.Index, Time: r.Time.UTC(), Type: r.Type, ID: r.ID, Tenant: r.Tenant, Subject: r.Subject,
		CorrelationID: r.CorrelationID, CausationID: r.CausationID, EventSeq: r.EventSeq, Data: r.Data,
		Prev: hex.EncodeToString(r.Prev[:]), Hash: hex.EncodeToString(r.Hash[:]),
	}
}

// tailLog prints the audit log from index from, records matching match;
// with follow it keeps printing new records until interrupted.
func tailLog(cmd *cobra.Command, dir string, from uint64, follow bool, match func(auditlog.Record) bool) error {
	enc := json.NewEncoder(cmd.OutOrStdout())
	print := func(r auditlog.Record) error {
		if !match(r) {
			return nil
		}
		return enc.Encode(printable(r))
	}
	auditDir := datadir.Path(dir, datadir.AuditDir)
	if !follow {
		return auditlog.Scan(auditDir, from, print)
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	err := auditlog.Follow(ctx, auditDir, from, print)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// verifyLog checks the audit log, archives (oldest first) then the live
// segments, against a pinned head if one is given, and prints what it
// checked.
func verifyLog(cmd *cobra.Command, dir string, archives []string, head string) error {
	out := cmd.OutOrStdout()
	auditDir := datadir.Path(dir, datadir.AuditDir)
	if _, err := os.Stat(auditDir); errors.Is(err, fs.ErrNotExist) && len(archives) == 0 {
		if head != "" {
			return fmt.Errorf("audit verify: --head %s: there is no audit log in %s", head, dir)
		}
		fmt.Fprintln(out, "records: 0 (no audit directory: a data directory of an older registryd; see --legacy)")
		return nil
	}
	sum, err := auditlog.Verify(auditDir, archives)
	if err != nil {
		fmt.Fprintf(out, "PROBLEM: %v\n", err)
		return fmt.Errorf("audit verify: %w", err)
	}
	fmt.Fprintf(out, "records: %d (%d..%d) in %d segments, %d archives\n", sum.Records, sum.First, sum.Last, sum.Segments, sum.Archives)
	if sum.TornBytes > 0 {
		fmt.Fprintf(out, "tail:    %d bytes still being written, not checked\n", sum.TornBytes)
	}
	if sum.Last == 0 {
		fmt.Fprintln(out, "head:    none")
	} else {
		h := hex.EncodeToString(sum.Head[:])
		fmt.Fprintf(out, "head:    %d %s\n", sum.Last, h)
		fmt.Fprintf(out, "pin:     --head %d:%s\n", sum.Last, h)
	}
	if head != "" {
		if err := checkPin(auditDir, archives, head); err != nil {
			fmt.Fprintf(out, "PROBLEM: %v\n", err)
			return fmt.Errorf("audit verify: %w", err)
		}
		fmt.Fprintf(out, "pinned head %s: still in the log\n", head)
	}
	return nil
}

// checkPin finds the record a pin INDEX:HASH names and compares its hash.
func checkPin(auditDir string, archives []string, pin string) error {
	idx, want, ok := strings.Cut(pin, ":")
	n, err := strconv.ParseUint(idx, 10, 64)
	if !ok || err != nil || n == 0 || len(want) != 64 {
		return fmt.Errorf("--head %q: want INDEX:HASH (a positive index, 64 hex digits)", pin)
	}
	var got string
	errStop := errors.New("found")
	err = auditlog.Scan(auditDir, n, func(r auditlog.Record) error {
		if r.Index == n {
			got = hex.EncodeToString(r.Hash[:])
		}
		return errStop
	})
	if err != nil && !errors.Is(err, errStop) {
		return err
	}
	switch {
	case got == "" && len(archives) > 0:
		return fmt.Errorf("pinned record %d is not in the live log (exported? pin a newer head)", n)
	case got == "":
		return fmt.Errorf("pinned record %d is not in the log: the log was truncated or rewritten", n)
	case !strings.EqualFold(got, want):
		return fmt.Errorf("pinned record %d has hash %s, not %s: the log was rewritten", n, got, want)
	}
	return nil
}

// newAuditExportCmd writes the sealed, not yet exported segments of the
// audit log to a compressed archive that carries its chain head; retention
// removes a segment only once it is exported.
func newAuditExportCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "export --out FILE.tar.gz",
		Short: "Archive the sealed segments of the audit log (works while registryd runs)",
		Long: "Write every sealed segment of <data-dir>/audit not exported before into a gzip'd tar with a\n" +
			"MANIFEST.json (first and last index, the hash before the first record, the head hash, a SHA-256\n" +
			"of the content), then mark them exported so REGISTRY_AUDIT_RETENTION / REGISTRY_AUDIT_MAX_BYTES\n" +
			"may remove them. `registryctl audit verify --archive FILE ...` checks archives and the live log\n" +
			"as one chain. With nothing new to export no file is written.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := dataDir(cmd)
			if err != nil {
				return fmt.Errorf("audit export: %w", err)
			}
			if out == "" {
				return fmt.Errorf("audit export: --out is required")
			}
			sum, err := auditlog.Export(datadir.Path(dir, datadir.AuditDir), out)
			if err != nil {
				return fmt.Errorf("audit export: %w", err)
			}
			w := cmd.OutOrStdout()
			if sum.Segments == 0 {
				fmt.Fprintln(w, "nothing to export: no sealed segment is left unexported")
				return nil
			}
			fmt.Fprintf(w, "exported %d segments, records %d..%d (%d), %d bytes to %s\n", sum.Segments, sum.First, sum.Last, sum.Records, sum.Bytes, sum.Path)
			fmt.Fprintf(w, "head: %d %s\n", sum.Last, hex.EncodeToString(sum.Head[:]))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "archive to write (.tar.gz); refused if it exists")
	return cmd
}
