// Package kafkalog is the production event log: outcome events are published
// to the Kafka topic registry.events (keyed by tenant, so one tenant's events
// stay in order in one partition), replies for command deduplication are kept
// in a local bbolt file, and a Feed applies the topic to this instance's bbolt
// projections exactly once. The embedded counterpart is package eventlog.
package kafka

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hypo-registry/registry/events"
)

// Defaults for Config.
const (
	DefaultClientID           = "registryd"
	DefaultDialTimeout        = 5 * time.Second
	DefaultGroupPrefix        = "registry-projections-"
	DefaultDedupWindow        = 1 << 16
	DefaultCommitInterval     = 200 * time.Millisecond
	defaultHostnameForGroupID = "unknown-host"
)

// Config configures Log and Feed. Zero values take the defaults; only cmd/
// reads the environment, the names below say where each field comes from.
type Config struct {
	// Brokers are the bootstrap brokers, host:port (REGISTRY_KAFKA_BROKERS).
	Brokers []string
	// EventsTopic is the event log topic (REGISTRY_KAFKA_EVENTS_TOPIC),
	// default events.TopicEvents. Creating it is the job of operations or
	// the broker's topic auto-creation, not of this package.
	EventsTopic string
	// ClientID names this client in broker logs and quotas, default
	// "registryd".
	ClientID string
	// ConsumerGroup is the Feed's group (REGISTRY_KAFKA_CONSUMER_GROUP),
	// default "registry-projections-" + hostname. Every instance keeps its
	// own projections, so every instance needs a group of its own: two
	// instances sharing one would each see only part of the log.
	ConsumerGroup string
	// DialTimeout bounds connecting to a broker and, at Open, the first
	// metadata round trip, so a wrong address fails fast. Default 5s.
	DialTimeout time.Duration
	// OutboxDB is the path of the local outbox (Log only): an embedded event
	// log file holding each command's events until the relay has published
	// them, and its sealed reply for deduplication.
	OutboxDB string
	// DedupWindow is how many recently applied event ids the Feed remembers
	// to drop a republished duplicate, default 65536.
	DedupWindow int
	// CommitInterval is how often consumed offsets are committed to the
	// group, default 200ms. The projections' own positions, not these
	// commits, decide what is applied; a short interval only means less
	// is redelivered after a restart.
	CommitInterval time.Duration
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.EventsTopic == "" {
		c.EventsTopic = events.TopicEvents
	}
	if c.ClientID == "" {
		c.ClientID = DefaultClientID
	}
	if c.ConsumerGroup == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = defaultHostnameForGroupID
		}
		c.ConsumerGroup = DefaultGroupPrefix + host
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.DedupWindow == 0 {
		c.DedupWindow = DefaultDedupWindow
	}
	if c.CommitInterval == 0 {
		c.CommitInterval = DefaultCommitInterval
	}
	return c
}

// Validate reports every invalid field at once. It checks c as given: call
// it on WithDefaults() to accept zero values.
func (c Config) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("no brokers: set REGISTRY_KAFKA_BROKERS (host:port,...)"))
	}
	for i, b := range c.Brokers {
		if b == "" {
			errs = append(errs, fmt.Errorf("broker %d is empty: check REGISTRY_KAFKA_BROKERS", i))
		}
	}
	if c.EventsTopic == "" {
		errs = append(errs, errors.New("no events topic: set REGISTRY_KAFKA_EVENTS_TOPIC"))
	}
	if c.ConsumerGroup == "" {
		errs = append(errs, errors.New("no consumer group: set REGISTRY_KAFKA_CONSUMER_GROUP"))
	}
	if c.ClientID == "" {
		errs = append(errs, errors.New("no client id"))
	}
	if c.DialTimeout <= 0 {
		errs = append(errs, fmt.Errorf("DialTimeout %s is not positive", c.DialTimeout))
	}
	if c.DedupWindow <= 0 {
		errs = append(errs, fmt.Errorf("DedupWindow %d is not positive", c.DedupWindow))
	}
	if c.CommitInterval <= 0 {
		errs = append(errs, fmt.Errorf("CommitInterval %s is not positive", c.CommitInterval))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("kafkalog: config: %w", err)
	}
	return nil
}
