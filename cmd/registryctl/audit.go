package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/projections"
)

// lockTimeout is how long registryctl waits for a database file lock before
// concluding that registryd holds it.
const lockTimeout = time.Second

// newAuditCmd groups the audit log commands. The audit log
// (<data-dir>/audit) is read while registryd runs; replay and the legacy
// audit chain of projections.db need registryd stopped (or the files copied).
func newAuditCmd() *cobra.Command {
	audit := &cobra.Command{
		Use:   "audit",
		Short: "Verify, replay and read the hash-chained audit log",
	}
	audit.AddCommand(newAuditVerifyCmd(), newAuditReplayCmd(), newAuditTailCmd(), newAuditExportCmd())
	return audit
}

// allProjections lists every read model registryd keeps, in the order the
// runner applies them; replay rebuilds exactly these.
func allProjections() []projections.Projection { return app.Projections() }

func dataDir(cmd *cobra.Command) (string, error) {
	dir, err := cmd.Flags().GetString("data-dir")
	if err != nil {
		return "", fmt.Errorf("data dir: %w", err)
	}
	return dir, nil
}

// openReadOnly opens an existing bbolt file with a shared lock, so reading
// can never change it, and explains the lock held by a running registryd.
func openReadOnly(path string) (*bbolt.DB, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open %s: no such file: is --data-dir right?", path)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: lockTimeout})
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("open %s: the database is locked — is registryd running? stop it or copy the file: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}
