package kafka

import (
	"errors"
	"fmt"

	"github.com/IBM/sarama"
)

// rewind sets the group's committed offsets to the projections' stored
// positions before consuming, so that the database, not the broker, says
// where each partition resumes: a deleted database is rebuilt from the
// start of the log, and records applied but not yet committed are not even
// fetched again. A partition without a stored position starts at its oldest
// record.
//
// Kafka accepts these commits only while the group has no live member. If a
// previous member is still registered (a crash less than a session timeout
// ago), rewind logs a warning and the group's own offsets apply: nothing is
// applied twice either way, but a database rebuilt from nothing would then
// miss what the group had committed, so rebuild with the old member gone.
func (f *Feed) rewind() error {
	err := f.moveGroup(true)
	var warn groupBusyError
	if errors.As(err, &warn) {
		f.logger.Warn("kafkalog: cannot move the consumer group to the projections' positions; resuming from the group's offsets",
			"group", f.cfg.ConsumerGroup, "topic", f.cfg.EventsTopic, "error", err)
		return nil
	}
	return err
}

// commitHandled commits, once this member has left the group, the offsets
// of exactly the records applied. The subscriber commits what it marked,
// but it may not have marked the last records acknowledged before it was
// told to stop.
func (f *Feed) commitHandled() error { return f.moveGroup(false) }

// groupBusyError: the broker refused to move the group's offsets.
type groupBusyError struct{ error }

func (e groupBusyError) Unwrap() error { return e.error }

// moveGroup commits the stored positions as the group's offsets, and with
// all, the oldest offset of partitions without one.
func (f *Feed) moveGroup(all bool) error {
	client, err := sarama.NewClient(f.cfg.Brokers, SaramaConfig(f.cfg))
	if err != nil {
		return fmt.Errorf("kafkalog: feed: connect to %v: %w", f.cfg.Brokers, err)
	}
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		client.Close()
		return fmt.Errorf("kafkalog: feed: admin client: %w", err)
	}
	defer admin.Close() // closes client too
	offsets, err := f.resumeOffsets(client, all)
	if err != nil || len(offsets) == 0 {
		return err
	}
	topic := f.cfg.EventsTopic
	resp, err := admin.AlterConsumerGroupOffsets(f.cfg.ConsumerGroup, map[string]map[int32]sarama.OffsetAndMetadata{topic: offsets}, nil)
	if err != nil {
		return groupBusyError{fmt.Errorf("kafkalog: feed: commit offsets of group %s: %w", f.cfg.ConsumerGroup, err)}
	}
	var errs []error
	for p, kerr := range resp.Errors[topic] {
		if !errors.Is(kerr, sarama.ErrNoError) {
			errs = append(errs, fmt.Errorf("partition %d: %w", p, kerr))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return groupBusyError{fmt.Errorf("kafkalog: feed: commit offsets of group %s: %w", f.cfg.ConsumerGroup, err)}
	}
	return nil
}

// resumeOffsets returns, per partition, the offset to resume from. A stored
// position beyond the partition's end means the topic lost records (it was
// deleted and created again): the projections hold events the log no longer
// has, and the database must be rebuilt, so that is an error.
func (f *Feed) resumeOffsets(client sarama.Client, all bool) (map[int32]sarama.OffsetAndMetadata, error) {
	topic := f.cfg.EventsTopic
	parts, err := client.Partitions(topic)
	if err != nil {
		return nil, fmt.Errorf("kafkalog: feed: partitions of %s: %w", topic, err)
	}
	stored, err := f.ext.Positions(sourcePrefix(topic))
	if err != nil {
		return nil, fmt.Errorf("kafkalog: feed: %w", err)
	}
	out := make(map[int32]sarama.OffsetAndMetadata, len(parts))
	for _, p := range parts {
		end, err := client.GetOffset(topic, p, sarama.OffsetNewest)
		if err != nil {
			return nil, fmt.Errorf("kafkalog: feed: end of %s/%d: %w", topic, p, err)
		}
		pos, ok := stored[SourceName(topic, p)]
		if !ok && !all {
			continue
		}
		if !ok {
			start, err := client.GetOffset(topic, p, sarama.OffsetOldest)
			if err != nil {
				return nil, fmt.Errorf("kafkalog: feed: start of %s/%d: %w", topic, p, err)
			}
			out[p] = sarama.OffsetAndMetadata{Offset: start, LeaderEpoch: -1}
			continue
		}
		if int64(pos) > end {
			return nil, fmt.Errorf("kafkalog: feed: %s/%d ends at offset %d but the projections are at %d: the topic was recreated or truncated; rebuild this database", topic, p, end, pos)
		}
		out[p] = sarama.OffsetAndMetadata{Offset: int64(pos), LeaderEpoch: -1}
	}
	return out, nil
}

// Lag is how many records of the events topic the projections have not
// applied yet: per partition, its end offset less the stored position (a
// partition without one counts from its oldest record). Every projection
// applies a record in the same transaction, so this is each one's lag. It
// asks the brokers, within the configured timeouts.
func (f *Feed) Lag() (uint64, error) {
	client, err := sarama.NewClient(f.cfg.Brokers, SaramaConfig(f.cfg))
	if err != nil {
		return 0, fmt.Errorf("kafkalog: feed lag: connect to %v: %w", f.cfg.Brokers, err)
	}
	defer client.Close()
	topic := f.cfg.EventsTopic
	parts, err := client.Partitions(topic)
	if err != nil {
		return 0, fmt.Errorf("kafkalog: feed lag: partitions of %s: %w", topic, err)
	}
	stored, err := f.ext.Positions(sourcePrefix(topic))
	if err != nil {
		return 0, fmt.Errorf("kafkalog: feed lag: %w", err)
	}
	var lag uint64
	for _, p := range parts {
		end, err := client.GetOffset(topic, p, sarama.OffsetNewest)
		if err != nil {
			return 0, fmt.Errorf("kafkalog: feed lag: end of %s/%d: %w", topic, p, err)
		}
		pos, ok := stored[SourceName(topic, p)]
		if !ok {
			start, err := client.GetOffset(topic, p, sarama.OffsetOldest)
			if err != nil {
				return 0, fmt.Errorf("kafkalog: feed lag: start of %s/%d: %w", topic, p, err)
			}
			pos = uint64(max(start, 0))
		}
		if end > int64(pos) {
			lag += uint64(end) - pos
		}
	}
	return lag, nil
}
