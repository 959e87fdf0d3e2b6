package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"go.etcd.io/bbolt"
	"golang.org/x/term"

	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/projections"
)

// newAuditReplayCmd rebuilds every projection from events.db into a new
// file, which can then be compared with, or replace, projections.db.
func newAuditReplayCmd() *cobra.Command {
	var (
		out   string
		force bool
	)
	cmd := &cobra.Command{
		Use:   "replay [--out FILE] [--force]",
		Short: "Rebuild every projection from the event log into a new file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := dataDir(cmd)
			if err != nil {
				return fmt.Errorf("audit replay: %w", err)
			}
			if out == "" {
				out = datadir.Path(dir, "projections.replay.db")
			}
			if err := replay(cmd, dir, out, force); err != nil {
				return fmt.Errorf("audit replay: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "file to write (default <data-dir>/projections.replay.db)")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite --out if it exists")
	return cmd
}

func replay(cmd *cobra.Command, dir, out string, force bool) error {
	if _, err := os.Stat(out); err == nil && !force {
		return fmt.Errorf("%s exists; pass --force to overwrite it", out)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	src, err := bolt.Open(datadir.Path(dir, datadir.EventsDB), bolt.Options{ReadOnly: true, Timeout: lockTimeout})
	if err != nil {
		return err
	}
	defer src.Close()
	// Build into a temporary file and rename it at the end, so --out is
	// either the complete replay or untouched.
	tmp := out + ".tmp"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	counts, err := replayInto(cmd, src, tmp)
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(w, "%s: %d events\n", name, counts[name])
	}
	fmt.Fprintf(w, "wrote %s\n", out)
	return nil
}

func replayInto(cmd *cobra.Command, src *bolt.Log, path string) (map[string]uint64, error) {
	ps := allProjections()
	// No fsync per transaction: the file is a temporary one until it is
	// complete, synced once below and renamed by the caller.
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: lockTimeout, NoSync: true, NoGrowSync: true})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	counts, err := projections.Replay(cmd.Context(), src, db, progress(cmd.ErrOrStderr(), src.Last()), ps...)
	if err == nil {
		if err = db.Sync(); err != nil {
			err = fmt.Errorf("sync %s: %w", path, err)
		}
	}
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close %s: %w", path, cerr)
	}
	return counts, err
}

// progress draws a bar on an interactive stderr and stays silent otherwise,
// so scripts and logs get only the summary.
func progress(w io.Writer, total uint64) func(done, total uint64) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) || total == 0 {
		return nil
	}
	bar := progressbar.NewOptions64(int64(total),
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription("replaying"),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	return func(done, _ uint64) { _ = bar.Set64(int64(done)) }
}
