package kafka

import (
	"context"
	"fmt"
	"time"
)

// Reply returns the reply Commit stored for commandID, so a command
// delivered again gets the same answer without running twice.
func (l *Log) Reply(ctx context.Context, commandID string) ([]byte, bool, error) {
	reply, found, err := l.outbox.Reply(ctx, commandID)
	if err != nil {
		return nil, false, fmt.Errorf("kafkalog: %w", err)
	}
	return reply, found, nil
}

// PruneReplies deletes replies stored before olderThan and returns how many
// it deleted. Deduplication needs a reply only as long as its command can
// be redelivered; the events stay in the topic.
func (l *Log) PruneReplies(olderThan time.Time) (int, error) {
	n, err := l.outbox.PruneReplies(olderThan)
	if err != nil {
		return 0, fmt.Errorf("kafkalog: %w", err)
	}
	return n, nil
}
