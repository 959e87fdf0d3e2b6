package app

import (
	"context"
	"log/slog"
	"time"
)

// every runs job each interval, the first time one interval after it is
// called, until ctx ends. A failed run is logged as a warning under msg
// and tried again at the next tick: the background jobs (pruning,
// compaction) only tidy, and the next run catches up. A failure caused
// by ctx ending is the stop, not a fault, and is not logged.
func every(ctx context.Context, interval time.Duration, logger *slog.Logger, msg string, job func(context.Context) error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := job(ctx); err != nil && ctx.Err() == nil {
				logger.Warn(msg, "error", err)
			}
		}
	}
}
