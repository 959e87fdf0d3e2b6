package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/projections"
)

// newAuditVerifyCmd checks the audit log (and with --legacy the audit chain
// an older registryd kept in projections.db) and fails when anything was
// edited, dropped, reordered or truncated.
func newAuditVerifyCmd() *cobra.Command {
	var (
		head     string
		archives []string
		legacy   bool
	)
	cmd := &cobra.Command{
		Use:   "verify [--archive FILE ...] [--head INDEX:HASH] [--legacy]",
		Short: "Check every audit record's hash and the chain; fail on any problem (works while registryd runs)",
		Long: "Check every record of the audit log (<data-dir>/audit): checksum, canonical encoding, the\n" +
			"hash chain across segments, and, with --archive (oldest first), across the archives of\n" +
			"`registryctl audit export` into the live log. Keep the printed pin somewhere else and pass\n" +
			"it as --head next time: then even a rewrite of the whole chain is found.\n" +
			"--legacy checks instead the audit chain kept in projections.db before this version\n" +
			"(registryd stopped); --head then names a record of that chain (INDEX:HASH or HASH).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := dataDir(cmd)
			if err != nil {
				return fmt.Errorf("audit verify: %w", err)
			}
			if legacy {
				return verifyLegacy(cmd, dir, head)
			}
			if err := verifyLog(cmd, dir, archives, head); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "ok: no problems found")
			return nil
		},
	}
	cmd.Flags().StringVar(&head, "head", "", "head kept elsewhere (INDEX:HASH) that must still be in the log")
	cmd.Flags().StringArrayVar(&archives, "archive", nil, "an archive of `registryctl audit export`, oldest first (repeatable)")
	cmd.Flags().BoolVar(&legacy, "legacy", false, "verify the audit chain of projections.db an older registryd kept (registryd stopped)")
	return cmd
}

// verifyLegacy checks the audit chain of projections.db.
func verifyLegacy(cmd *cobra.Command, dir, head string) error {
	db, err := openReadOnly(datadir.Path(dir, datadir.ProjectionsDB))
	if err != nil {
		return fmt.Errorf("audit verify --legacy: %w", err)
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
	fmt.Fprintln(out, "ok: no problems found")
	return nil
}
