package kafka_test

import (
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/kafka"
)

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	c := kafka.Config{Brokers: []string{"k:9092"}}.WithDefaults()
	if c.EventsTopic != events.TopicEvents || c.ClientID != "registryd" || c.DialTimeout != 5*time.Second {
		t.Fatalf("defaults = %+v", c)
	}
	if !strings.HasPrefix(c.ConsumerGroup, kafka.DefaultGroupPrefix) || c.ConsumerGroup == kafka.DefaultGroupPrefix {
		t.Fatalf("default group %q is not per host", c.ConsumerGroup)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate(defaults) = %v", err)
	}
}

func TestConfigValidateNamesEveryProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  kafka.Config
		want []string
	}{
		{"empty", kafka.Config{}, []string{"REGISTRY_KAFKA_BROKERS", "REGISTRY_KAFKA_EVENTS_TOPIC", "REGISTRY_KAFKA_CONSUMER_GROUP", "DialTimeout"}},
		{"empty broker", kafka.Config{Brokers: []string{""}}.WithDefaults(), []string{"broker 0 is empty"}},
		{"negative timeout", kafka.Config{Brokers: []string{"k:1"}, DialTimeout: -time.Second}.WithDefaults(), []string{"DialTimeout -1s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if err == nil {
				t.Fatal("Validate accepted it")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestSaramaConfigIsValidAndSafe(t *testing.T) {
	t.Parallel()
	c := kafka.SaramaConfig(kafka.Config{Brokers: []string{"k:9092"}})
	if err := c.Validate(); err != nil {
		t.Fatalf("sarama Validate: %v", err)
	}
	if !c.Producer.Idempotent || c.Producer.RequiredAcks != sarama.WaitForAll || c.Net.MaxOpenRequests != 1 ||
		!c.Producer.Return.Successes || c.Consumer.Offsets.Initial != sarama.OffsetOldest || !c.Consumer.Offsets.AutoCommit.Enable {
		t.Fatalf("unsafe settings: %+v", c.Producer)
	}
	if c.ClientID != "registryd" || c.Version != kafka.ProtocolVersion {
		t.Fatalf("client id %q, version %s", c.ClientID, c.Version)
	}
}
