package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	"github.com/hypo-registry/registry/internal/app/datadir"
)

// The audit log of queries (<data-dir>/audit: reads, lists, tokens) is
// segment files a reader may open while registryd appends, so these
// commands work on a running registryd.

// queryRecord is how tail prints a record of the audit log of queries.
type queryRecord struct {
	Index         uint64          `json:"index"`
	Time          time.Time       `json:"time"`
	Type          string          `json:"type"`
	Tenant        string          `json:"tenant,omitempty"`
	Subject       string          `json:"subject,omitempty"`
	CorrelationID string          `json:"correlationId,omitempty"`
	EventSeq      uint64          `json:"eventSeq,omitempty"`
	Data          json.RawMessage `json:"data,omitempty"`
	Prev          string          `json:"prev"`
	Hash          string          `json:"hash"`
}

func printable(r auditlog.Record) queryRecord {
	return queryRecord{
		Index: r.Index, Time: r.Time.UTC(), Type: r.Type, Tenant: r.Tenant, Subject: r.Subject,
		CorrelationID: r.CorrelationID, EventSeq: r.EventSeq, Data: r.Data,
		Prev: hex.EncodeToString(r.Prev[:]), Hash: hex.EncodeToString(r.Hash[:]),
	}
}

// tailQueries prints the audit log of queries from index from, matching
// f; with follow it keeps printing new records until interrupted.
func tailQueries(cmd *cobra.Command, dir string, from uint64, follow bool, match func(auditlog.Record) bool) error {
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

// verifyQueries checks the audit log of queries, archives (oldest first)
// then the live segments, and prints what it checked.
func verifyQueries(cmd *cobra.Command, dir string, archives []string) error {
	out := cmd.OutOrStdout()
	auditDir := datadir.Path(dir, datadir.AuditDir)
	if _, err := os.Stat(auditDir); errors.Is(err, fs.ErrNotExist) && len(archives) == 0 {
		fmt.Fprintln(out, "queries: none (no audit directory: a data directory of an older registryd)")
		return nil
	}
	sum, err := auditlog.Verify(auditDir, archives)
	if err != nil {
		fmt.Fprintf(out, "queries: PROBLEM: %v\n", err)
		return fmt.Errorf("audit verify: the audit log of queries: %w", err)
	}
	fmt.Fprintf(out, "queries: %d records (%d..%d) in %d segments, %d archives\n", sum.Records, sum.First, sum.Last, sum.Segments, sum.Archives)
	if sum.Last > 0 {
		fmt.Fprintf(out, "queries head: %d %s\n", sum.Last, hex.EncodeToString(sum.Head[:]))
	}
	if sum.TornBytes > 0 {
		fmt.Fprintf(out, "queries: %d bytes at the tail still being written, not checked\n", sum.TornBytes)
	}
	return nil
}

// newAuditExportCmd writes the sealed, not yet exported segments of the
// audit log of queries to a compressed archive that carries its chain head;
// retention removes a segment only once it is exported.
func newAuditExportCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "export --out FILE.tar.gz",
		Short: "Archive the sealed segments of the audit log of queries (works while registryd runs)",
		Long: "Write every sealed segment of <data-dir>/audit not exported before into a gzip'd tar with a\n" +
			"MANIFEST.json (first and last index, the hash before the first record, the head hash, a SHA-256\n" +
			"of the content), then mark them exported so REGISTRY_AUDIT_RETENTION / REGISTRY_AUDIT_MAX_BYTES\n" +
			"may remove them. `registryctl audit verify --archive FILE ...` checks archives and the live log\n" +
			"as one chain. Nothing new to export writes no file.",
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
