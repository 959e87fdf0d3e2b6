package testkit

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
)

// KafkaPartitions is how many partitions an auto-created topic gets in the
// test broker: more than one, so per-key ordering is actually exercised.
const KafkaPartitions = 4

// Kafka is a Kafka-protocol broker (franz-go kfake) running in-process on
// loopback: real wire protocol, consumer groups and offsets, no JVM.
type Kafka struct {
	Brokers []string
	Cluster *kfake.Cluster
}

// StartKafka starts a one-broker cluster that creates topics on first use
// with KafkaPartitions partitions, stopped by t.Cleanup. It starts in about
// a millisecond, so every test can have its own.
func StartKafka(t testing.TB) *Kafka {
	t.Helper()
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(KafkaPartitions),
	)
	if err != nil {
		t.Fatalf("start kafka: %v", err)
	}
	t.Cleanup(c.Close)
	return &Kafka{Brokers: c.ListenAddrs(), Cluster: c}
}
