package testkit

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
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

// CommittedOffset is the offset group has committed on rec's partition, -1
// for none: the next record the group would consume there.
func CommittedOffset(t testing.TB, brokers []string, group string, rec *kgo.Record) int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = group
	rt := kmsg.NewOffsetFetchRequestTopic()
	rt.Topic, rt.Partitions = rec.Topic, []int32{rec.Partition}
	req.Topics = append(req.Topics, rt)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("offset fetch %s: %v", group, err)
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		t.Fatalf("offset fetch %s: %v", group, err)
	}
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			if rp.Partition == rec.Partition {
				return rp.Offset
			}
		}
	}
	return -1
}
