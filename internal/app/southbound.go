package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hypo-registry/registry/events"
	kafkalog "github.com/hypo-registry/registry/internal/adapters/eventlog/kafka"
	kafkaingress "github.com/hypo-registry/registry/internal/ingress/kafka"
	"github.com/hypo-registry/registry/internal/ingress/kafka/hypo"
	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/authz"
	"github.com/hypo-registry/registry/internal/wmlog"
)

// DefaultSouthboundGroup is the consumer group of the southbound topics.
// Unlike the projections' groups it is shared by every instance: each
// request is answered by one of them.
const DefaultSouthboundGroup = "registry-southbound"

// SouthboundConfig configures the HypO Kafka southbound of seed 000. It
// runs whenever Kafka.Brokers is set, unless Disabled.
type SouthboundConfig struct {
	hypo.Config
	// Disabled turns the southbound off (REGISTRY_KAFKA_SOUTHBOUND=false):
	// the event log stays on Kafka, no HypO topic is consumed.
	Disabled bool
	// ConsumerGroup is the group consuming the incoming topics
	// (REGISTRY_KAFKA_SOUTHBOUND_GROUP), default DefaultSouthboundGroup.
	ConsumerGroup string
	// PoisonTopic receives records that cannot be answered
	// (REGISTRY_KAFKA_POISON_TOPIC), default events.TopicPoison.
	PoisonTopic string
	// InFlight bounds the records of one partition handled at once
	// (REGISTRY_KAFKA_SOUTHBOUND_IN_FLIGHT), default
	// kafkaingress.DefaultInFlight.
	InFlight int
}

// WithDefaults fills every unset field.
func (c SouthboundConfig) WithDefaults() SouthboundConfig {
	c.Config = c.Config.WithDefaults()
	if c.ConsumerGroup == "" {
		c.ConsumerGroup = DefaultSouthboundGroup
	}
	if c.PoisonTopic == "" {
		c.PoisonTopic = events.TopicPoison
	}
	if c.InFlight == 0 {
		c.InFlight = kafkaingress.DefaultInFlight
	}
	return c
}

// validate checks c (with defaults) against the rest of the configuration.
func (c SouthboundConfig) validate(cfg Config) error {
	if c.Disabled || len(cfg.Kafka.Brokers) == 0 {
		return nil
	}
	c = c.WithDefaults()
	var errs []error
	if c.InFlight < 1 {
		errs = append(errs, fmt.Errorf("REGISTRY_KAFKA_SOUTHBOUND_IN_FLIGHT %d: want at least 1", c.InFlight))
	}
	if err := c.Topics.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("REGISTRY_KAFKA_TOPIC_*: %w", err))
	}
	eventsTopic := cfg.Kafka.WithDefaults().EventsTopic
	for _, t := range c.Topics.All() {
		if t == eventsTopic || t == c.PoisonTopic {
			errs = append(errs, fmt.Errorf("REGISTRY_KAFKA_TOPIC_*: topic %q is also the events or poison topic", t))
		}
	}
	if c.PoisonTopic == eventsTopic {
		errs = append(errs, fmt.Errorf("REGISTRY_KAFKA_POISON_TOPIC %q is the events topic", c.PoisonTopic))
	}
	if c.SkipTokenVerification && cfg.Vault.Addr == "" {
		errs = append(errs, errors.New("REGISTRY_KAFKA_VERIFY_JWT=false needs REGISTRY_VAULT_ADDR: only Vault's JWT login would check the tokens, and the embedded store checks none"))
	}
	return errors.Join(errs...)
}

// southboundRunner consumes the incoming topics and publishes replies.
type southboundRunner struct {
	consumer *kafkaingress.Consumer
	ingress  *kafkaingress.Ingress
	logger   *slog.Logger
}

// openSouthbound builds the southbound when Kafka is configured. Its
// records are authorized with the REST API's options; the unknown fields
// its payloads carry are counted on metrics.
func (s *Service) openSouthbound(verifier *auth.Verifier, metrics prometheus.Registerer) error {
	c := s.cfg.Southbound.WithDefaults()
	if c.Disabled || len(s.cfg.Kafka.Brokers) == 0 {
		return nil
	}
	logger := s.logger.With("component", "southbound")
	unknown, err := kafkaingress.NewUnknownFields(metrics, logger, hypowire.TolerantSchemas())
	if err != nil {
		return err
	}
	wire, err := hypowire.NewValidator(hypowire.WithIgnored(unknown.Ignored))
	if err != nil {
		return err
	}
	az, err := authz.NewAuthorizer(s.cfg.authzConfig(), s.roleMappings())
	if err != nil {
		return err
	}
	sb, err := hypo.New(c.Config, verifier, wire, az)
	if err != nil {
		return err
	}
	if s.policy != nil {
		sb.UsePolicy(s.policy)
	}
	kcfg := s.cfg.Kafka.WithDefaults()
	kcfg.ConsumerGroup = c.ConsumerGroup
	// Replies go out through one producer: records handled at once share
	// its produce requests instead of a round trip each.
	pub, err := kafka.NewPublisher(kafka.PublisherConfig{
		Brokers: kcfg.Brokers, Marshaler: kafkaingress.Marshaler(), OverwriteSaramaConfig: kafkalog.SaramaConfig(kcfg),
	}, wmlog.New(logger))
	if err != nil {
		return fmt.Errorf("REGISTRY_KAFKA_BROKERS: southbound publisher: %w", err)
	}
	s.closers = append(s.closers, pub.Close)
	in, err := kafkaingress.New(edgeSender{queries: s.queries, bus: s.bus}, pub, c.PoisonTopic, logger)
	if err != nil {
		return err
	}
	in.SetPoisonCounter(s.countPoisoned)
	for topic := range sb.Translators() {
		s.poisoned.WithLabelValues(topic) // every series from the start
	}
	consumer, err := in.NewConsumer(kafkaingress.ConsumerConfig{
		Brokers: kcfg.Brokers, Group: c.ConsumerGroup, Sarama: kafkalog.SaramaConfig(kcfg),
		InFlight: c.InFlight, RevokeGrace: s.cfg.ShutdownTimeout,
	}, sb.Translators())
	if err != nil {
		return fmt.Errorf("REGISTRY_KAFKA_BROKERS: southbound: %w", err)
	}
	s.southbound = &southboundRunner{consumer: consumer, ingress: in, logger: logger}
	return nil
}

// run consumes until stop; it starts once the bus runs, unless ctx ends
// first. Ending ctx does not stop it: stop does, after the records in
// flight had their chance to be answered.
func (r *southboundRunner) run(ctx context.Context, busRunning <-chan struct{}) error {
	select {
	case <-busRunning:
	case <-ctx.Done():
		return nil
	}
	if err := r.consumer.Run(); err != nil {
		return fmt.Errorf("southbound: %w", err)
	}
	return nil
}

// stop stops taking records, lets those in flight be answered and their
// offsets marked until ctx ends, then stops consuming: records still in
// flight then stay unanswered and uncommitted, for the next instance. That
// is how a stop is meant to end, not an error.
func (r *southboundRunner) stop(ctx context.Context) error {
	if err := r.ingress.Drain(ctx); err != nil {
		r.logger.Warn("stopping: Kafka records still in flight at the shutdown timeout are left unanswered and uncommitted, for the next instance", "error", err)
	}
	if err := r.consumer.Close(); err != nil {
		return fmt.Errorf("southbound: %w", err)
	}
	return nil
}

func (r *southboundRunner) ready(context.Context) error {
	select {
	case <-r.consumer.Running():
		if r.consumer.Closed() {
			return errors.New("southbound consumer stopped")
		}
		return nil
	default:
		return errors.New("southbound consumer not running yet")
	}
}
