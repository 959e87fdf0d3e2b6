package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
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
		server       string
		token        string
		subject      string
		interval     time.Duration
	)
	cmd := &cobra.Command{
		Use:   "tail [--follow] [--server URL] [--from INDEX] [--tenant T] [--type TYPE ...] [--subject S] [--since RFC3339] [--until RFC3339]",
		Short: "Print audit records as JSON lines, oldest first (works while registryd runs)",
		Long: "Print the records of the audit log (<data-dir>/audit) as JSON lines: command events\n" +
			"(eventSeq set) and queries' records (reads, lists, tokens). --follow keeps printing new\n" +
			"ones until interrupted. --legacy prints the audit chain an older registryd kept in\n" +
			"projections.db (registryd stopped; --limit N: the newest N).\n\n" +
			"--server URL reads a running registry's log over REST (GET /registry-api/admin/audit)\n" +
			"instead of a data directory, with --token or REGISTRY_TOKEN: a tenant admin's token sees\n" +
			"its tenant's records, the platform admin's every record. --follow then polls every\n" +
			"--interval. Each poll is an audited read; the tail's own records are not printed.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if f.Since, err = parseTime("since", since); err != nil {
				return err
			}
			if f.Until, err = parseTime("until", until); err != nil {
				return err
			}
			if server != "" {
				if legacy || f.Limit > 0 || cmd.Flags().Changed("from") {
					return fmt.Errorf("audit tail: --legacy, --limit and --from read a data directory, not --server")
				}
				if token == "" {
					token = os.Getenv("REGISTRY_TOKEN")
				}
				rt, err := newRemoteTail(server, token)
				if err != nil {
					return fmt.Errorf("audit tail: %w", err)
				}
				if interval <= 0 {
					return fmt.Errorf("audit tail: --interval %s: must be positive", interval)
				}
				rt.interval, rt.tenant = interval, f.Tenant
				rt.query["type"] = f.Types
				if subject != "" {
					rt.query.Set("subject", subject)
				}
				if since != "" {
					rt.query.Set("since", since)
				}
				if until != "" {
					rt.query.Set("until", until)
				}
				ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
				defer stop()
				if err := rt.run(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), follow); err != nil {
					return fmt.Errorf("audit tail: %w", err)
				}
				return nil
			}
			if cmd.Flags().Changed("token") || cmd.Flags().Changed("interval") {
				return fmt.Errorf("audit tail: --token and --interval are for --server")
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
						(subject == "" || r.Subject == subject) &&
						(f.Since.IsZero() || !r.Time.Before(f.Since)) && (f.Until.IsZero() || r.Time.Before(f.Until))
				})
			}
			if follow || subject != "" {
				return fmt.Errorf("audit tail: --follow and --subject are for the audit log, not --legacy")
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
	fl.StringVar(&subject, "subject", "", "only records with this subject (e.g. tenant/name)")
	fl.StringVar(&server, "server", "", "read a running registry's audit log over REST at this base URL instead of --data-dir")
	fl.StringVar(&token, "token", "", "with --server: bearer token of an admin or the platform admin (default env REGISTRY_TOKEN)")
	fl.DurationVar(&interval, "interval", time.Second, "with --server --follow: how often to poll for new records")
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
