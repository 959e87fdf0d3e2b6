// Package wmlog adapts watermill's logger to slog for every watermill
// router, pub/sub and Kafka client of the service.
package wmlog

import (
	"context"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill"
)

// Logger is watermill's slog adapter with two changes. Watermill's INFO
// lines are its lifecycle ("Adding handler", "Starting handler",
// "Subscriber stopped", one per handler at each start and stop), so they
// are written at DEBUG: at INFO they buried the service's own lines. An
// INFO line that carries an error (watermill-kafka's "Group close with
// error", "Received unknown Sarama error") stays INFO; errors stay ERROR.
// And a line at a level the handler drops is skipped before its fields
// are built: watermill builds the fields of every debug and trace line
// before slog looks at its level.
type Logger struct {
	adapter watermill.LoggerAdapter
	log     *slog.Logger
}

// New adapts log.
func New(log *slog.Logger) Logger {
	return Logger{adapter: watermill.NewSlogLogger(log), log: log}
}

func (l Logger) enabled(level slog.Level) bool { return l.log.Enabled(context.Background(), level) }

func (l Logger) Error(msg string, err error, f watermill.LogFields) {
	l.adapter.Error(msg, err, f)
}

func (l Logger) Info(msg string, f watermill.LogFields) {
	if _, hasErr := f["err"]; hasErr {
		l.adapter.Info(msg, f)
		return
	}
	l.Debug(msg, f)
}

func (l Logger) Debug(msg string, f watermill.LogFields) {
	if l.enabled(slog.LevelDebug) {
		l.adapter.Debug(msg, f)
	}
}

func (l Logger) Trace(msg string, f watermill.LogFields) {
	if l.enabled(watermill.LevelTrace) {
		l.adapter.Trace(msg, f)
	}
}

func (l Logger) With(f watermill.LogFields) watermill.LoggerAdapter {
	return Logger{adapter: l.adapter.With(f), log: l.log.With(slogArgs(f)...)}
}

func slogArgs(f watermill.LogFields) []any {
	args := make([]any, 0, 2*len(f))
	for k, v := range f {
		args = append(args, k, v)
	}
	return args
}
