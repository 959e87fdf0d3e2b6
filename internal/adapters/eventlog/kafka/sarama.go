package kafka

import (
	"time"

	"github.com/IBM/sarama"
)

// ProtocolVersion is the Kafka protocol version the clients speak: the
// oldest that Apache Kafka 4.x still accepts (KIP-896 removed older request
// versions) and that kfake serves. Sarama before v1.46.2 looped against
// kfake at V2_4_0_0 and above; this module pins a newer Sarama, but nothing
// here needs a later protocol.
var ProtocolVersion = sarama.V2_1_0_0

// SaramaConfig is the one place for client settings, for the producer and
// the consumer alike: standard Apache Kafka settings, each exercised against
// the in-process kfake broker by this package's tests.
func SaramaConfig(cfg Config) *sarama.Config {
	cfg = cfg.WithDefaults()
	c := sarama.NewConfig()
	c.Version = ProtocolVersion
	c.ClientID = cfg.ClientID

	c.Net.DialTimeout = cfg.DialTimeout
	// A metadata request may create a missing topic where the broker allows
	// it (auto.create.topics.enable); elsewhere ops create it. Creating
	// topics is not this package's job.
	c.Metadata.AllowAutoTopicCreation = true
	c.Metadata.Retry.Max = 3
	c.Metadata.Retry.Backoff = 100 * time.Millisecond

	// Producer: an event is published once the whole ISR has it, and the
	// idempotent producer keeps retries from duplicating or reordering a
	// partition's records. Idempotence needs one request in flight per
	// broker connection.
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Idempotent = true
	c.Net.MaxOpenRequests = 1
	c.Producer.Retry.Max = 5
	c.Producer.Retry.Backoff = 100 * time.Millisecond
	c.Producer.Return.Successes = true
	c.Producer.Return.Errors = true
	// The same partition for a tenant as the Java client (and franz-go)
	// would choose, so other producers of the topic agree on ordering.
	c.Producer.Partitioner = sarama.NewMurmur2Partitioner
	// No Flush settings: a sync send goes out at once, no linger.

	// Consumer: a new group starts at the beginning of the log (the Feed
	// rewinds it to its projections' positions anyway), and marked offsets
	// are committed often.
	c.Consumer.Return.Errors = true
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	c.Consumer.Offsets.AutoCommit.Enable = true
	c.Consumer.Offsets.AutoCommit.Interval = cfg.CommitInterval
	c.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{
		sarama.NewBalanceStrategySticky(), sarama.NewBalanceStrategyRoundRobin(),
	}
	// A fetch returns as soon as a record is there; this bounds an idle
	// one (default 500ms), so stopping a consumer does not wait behind it.
	c.Consumer.MaxWaitTime = 100 * time.Millisecond
	return c
}
