package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/projections"
)

// newAuditTailCmd prints audit records as JSON lines, for jq and log shippers.
func newAuditTailCmd() *cobra.Command {
	var (
		f            projections.AuditFilter
		since, until string
		follow       bool
		from         uint64
		legacy       bool
	)
	cmd := &cobra.Command{
		Use:   "tail [--follow] [--from INDEX] [--tenant T] [--type TYPE ...] [--since RFC3339] [--until RFC3339]",
		Short: "Print audit records as JSON lines, oldest first (works while registryd runs)",
		Long: "Print the records of the audit log (<data-dir>/audit) as JSON lines: command events\n" +
			"(eventSeq set) and queries' records (reads, lists, tokens). --follow keeps printing new\n" +
			"ones until interrupted. --legacy prints the audit chain an older registryd kept in\n" +
			"projections.db (registryd stopped; --limit N: the newest N).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if f.Since, err = parseTime("since", since); err != nil {
				return err
			}
			if f.Until, err = parseTime("until", until); err != nil {
				return err
			}
			dir, err := dataDir(cmd)
			if err != nil {
				return fmt.Errorf("audit tail: %w", err)
			}
			if !legacy {
				if f.Limit > 0 {
					return fmt.Errorf("audit tail: --limit is for --legacy; use --from INDEX")
				}
				return tailLog(cmd, dir, max(from, 1), follow, func(r auditlog.Record) bool {
					return (f.Tenant == "" || r.Tenant == f.Tenant) && (len(f.Types) == 0 || slices.Contains(f.Types, r.Type)) &&
						(f.Since.IsZero() || !r.Time.Before(f.Since)) && (f.Until.IsZero() || r.Time.Before(f.Until))
				})
			}
			if follow {
				return fmt.Errorf("audit tail: --follow is for the audit log, not --legacy")
			}
			db, err := openReadOnly(datadir.Path(dir, datadir.ProjectionsDB))
			if err != nil {
				return fmt.Errorf("audit tail: %w", err)
			}
			defer db.Close()
			enc := json.NewEncoder(cmd.OutOrStdout())
			return projections.TailAudit(db, f, func(r projections.Record) error { return enc.Encode(r) })
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Tenant, "tenant", "", "only records of this tenant")
	fl.StringArrayVar(&f.Types, "type", nil, "only records of this event type (repeatable)")
	fl.StringVar(&since, "since", "", "only records at or after this time (RFC 3339)")
	fl.StringVar(&until, "until", "", "only records before this time (RFC 3339)")
	fl.BoolVar(&follow, "follow", false, "keep printing new records until interrupted")
	fl.Uint64Var(&from, "from", 1, "start at this record index")
	fl.BoolVar(&legacy, "legacy", false, "the audit chain of projections.db an older registryd kept (registryd stopped)")
	fl.IntVar(&f.Limit, "limit", 0, "with --legacy: only the newest N matching records (0: all)")
	return cmd
}

func parseTime(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("audit tail: --%s %q: want RFC 3339, e.g. 2025-03-01T12:00:00Z: %w", flag, s, err)
	}
	return t, nil
}
