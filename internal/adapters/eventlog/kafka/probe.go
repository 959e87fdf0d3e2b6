package kafka

import (
	"context"
	"fmt"
	"time"

	"github.com/IBM/sarama"
)

// probe connects to cfg.Brokers and reads the events topic's metadata,
// giving up after cfg.DialTimeout in all: one pass over the brokers, no
// retry, so a wrong address or a silent port fails fast.
func probe(ctx context.Context, cfg Config) error {
	sc := SaramaConfig(cfg)
	sc.Metadata.Retry.Max = 0
	sc.Net.ReadTimeout, sc.Net.WriteTimeout = cfg.DialTimeout, cfg.DialTimeout
	done := make(chan error, 1)
	go func() {
		client, err := sarama.NewClient(cfg.Brokers, sc)
		if err != nil {
			done <- err
			return
		}
		defer client.Close()
		parts, err := client.Partitions(cfg.EventsTopic)
		switch {
		case err != nil:
			done <- fmt.Errorf("topic %q: %w (create it, or let the broker auto-create topics)", cfg.EventsTopic, err)
		case len(parts) == 0:
			done <- fmt.Errorf("topic %q has no partitions", cfg.EventsTopic)
		default:
			done <- nil
		}
	}()
	timer := time.NewTimer(cfg.DialTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("kafka brokers %v: %w", cfg.Brokers, err)
		}
		return nil
	case <-timer.C:
		return fmt.Errorf("kafka brokers %v: no answer within %s", cfg.Brokers, cfg.DialTimeout)
	case <-ctx.Done():
		return fmt.Errorf("kafka brokers %v: %w", cfg.Brokers, ctx.Err())
	}
}
