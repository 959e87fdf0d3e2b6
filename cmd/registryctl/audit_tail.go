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
		queries      bool
		follow       bool
		from         uint64
	)
	cmd := &cobra.Command{
		Use:   "tail [--queries [--follow] [--from N]] [--tenant T] [--type TYPE ...] [--since RFC3339] [--until RFC3339] [--limit N]",
		Short: "Print audit records as JSON lines, oldest first (--limit N: the newest N)",
		Args:  cobra.NoArgs,
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
			if queries || follow {
				if f.Limit > 0 {
					return fmt.Errorf("audit tail: --limit applies to the command audit; use --from INDEX with --queries")
				}
				return tailQueries(cmd, dir, max(from, 1), follow, func(r auditlog.Record) bool {
					return (f.Tenant == "" || r.Tenant == f.Tenant) && (len(f.Types) == 0 || slices.Contains(f.Types, r.Type)) &&
						(f.Since.IsZero() || !r.Time.Before(f.Since)) && (f.Until.IsZero() || r.Time.Before(f.Until))
				})
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
	fl.IntVar(&f.Limit, "limit", 0, "only the newest N matching records (0: all)")
	fl.BoolVar(&queries, "queries", false, "the audit log of queries (reads, lists, tokens) instead of the command audit; works while registryd runs")
	fl.BoolVar(&follow, "follow", false, "with --queries: keep printing new records until interrupted")
	fl.Uint64Var(&from, "from", 1, "with --queries: start at this record index")
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
