package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/projections"
)

// newAuditVerifyCmd checks the audit chain of projections.db and fails when
// anything was edited, dropped, reordered or truncated.
func newAuditVerifyCmd() *cobra.Command {
	var (
		head     string
		archives []string
		queries  bool
	)
	cmd := &cobra.Command{
		Use:   "verify [--head INDEX:HASH]",
		Short: "Check every audit record's hash, the chain and the head; fail on any problem",
		Long: "Check every audit record's hash, the prev-hash chain and the stored head.\n" +
			"Keep the printed pin somewhere else and pass it as --head next time: then even\n" +
			"a rewrite of the whole chain and its head is found. --head also accepts a bare hash.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := dataDir(cmd)
			if err != nil {
				return fmt.Errorf("audit verify: %w", err)
			}
			if queries {
				return verifyQueries(cmd, dir, archives)
			}
			db, err := openReadOnly(datadir.Path(dir, datadir.ProjectionsDB))
			if err != nil {
				return fmt.Errorf("audit verify: %w (--queries checks the audit log of queries alone, while registryd runs)", err)
			}
			defer db.Close()
			rep, err := projections.VerifyAuditAgainst(db, head)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "records: %d\n", rep.Records)
			if rep.HeadHash != "" {
				fmt.Fprintf(out, "head:    %d %s\n", rep.Head, rep.HeadHash)
				fmt.Fprintf(out, "pin:     --head %s\n", projections.FormatPin(rep.Head, rep.HeadHash))
			} else {
				fmt.Fprintln(out, "head:    none")
			}
			for _, p := range rep.Problems {
				fmt.Fprintf(out, "PROBLEM record %d: %s: %s\n", p.Index, p.Kind, p.Detail)
			}
			if n := len(rep.Problems); n > 0 {
				return fmt.Errorf("audit verify: %d problem(s) found", n)
			}
			if err := verifyQueries(cmd, dir, archives); err != nil {
				return err
			}
			fmt.Fprintln(out, "ok: no problems found")
			return nil
		},
	}
	cmd.Flags().StringVar(&head, "head", "", "head kept elsewhere (INDEX:HASH or HASH) that must still be in the log")
	cmd.Flags().StringArrayVar(&archives, "archive", nil, "an archive of `registryctl audit export`, oldest first (repeatable): verified with the live audit log of queries as one chain")
	cmd.Flags().BoolVar(&queries, "queries", false, "verify only the audit log of queries (and --archive), which works while registryd runs")
	return cmd
}
