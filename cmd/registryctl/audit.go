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
	"github.com/hypo-registry/registry/internal/security/redact"
	"github.com/hypo-registry/registry/projections"
)

// lockTimeout is how long registryctl waits for a database file lock before
// concluding that registryd holds it.
const lockTimeout = time.Second

// newAuditCmd groups the audit log commands. The audit log of queries
// (<data-dir>/audit) is read while registryd runs; the audit projection of
// command events (projections.db) only while it is stopped (or copied).
func newAuditCmd() *cobra.Command {
	audit := &cobra.Command{
		Use:   "audit",
		Short: "Verify, replay and read the hash-chained audit log",
	}
	audit.AddCommand(newAuditVerifyCmd(), newAuditReplayCmd(), newAuditTailCmd(), newAuditExportCmd())
	return audit
}

// allProjections lists every projection registryd keeps, in the order the
// runner applies them; replay rebuilds exactly these, with the heartbeat
// audit settings registryd reads from the same REGISTRY_VHOST_AUDIT_*
// variables.
func allProjections(h *redact.Hasher) ([]projections.Projection, error) {
	heartbeats, err := app.ParseHeartbeatAudit(envOr("REGISTRY_VHOST_AUDIT_ALL_HEARTBEATS", ""), envOr("REGISTRY_VHOST_AUDIT_HEARTBEAT_INTERVAL", ""))
	if err != nil {
		return nil, err
	}
	return app.Projections(h, heartbeats)
}

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
