// Command devkafka runs a persistent local Kafka-protocol broker (franz-go
// kfake) for demos: registryd with REGISTRY_KAFKA_BROKERS=127.0.0.1:9092
// talks to it as to Apache Kafka. Topics are created on first use. It is a
// development tool, not a broker for production.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	port := flag.Int("port", 9092, "port to listen on (127.0.0.1)")
	dataDir := flag.String("data-dir", ".data/kafka", "directory keeping topics and offsets across restarts; empty keeps them in memory")
	partitions := flag.Int("partitions", 4, "partitions of an auto-created topic")
	flag.Parse()
	if err := run(*port, *dataDir, *partitions); err != nil {
		fmt.Fprintln(os.Stderr, "devkafka:", err)
		os.Exit(1)
	}
}

func run(port int, dataDir string, partitions int) error {
	opts := []kfake.Opt{
		kfake.Ports(port),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(partitions),
	}
	if dataDir != "" {
		opts = append(opts, kfake.DataDir(dataDir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return fmt.Errorf("start broker: %w", err)
	}
	// Close persists state to dataDir; it must run before exit.
	defer c.Close()
	where := dataDir
	if where == "" {
		where = "memory only"
	}
	fmt.Printf("devkafka: broker at %s (data: %s); stop with Ctrl-C\n", c.ListenAddrs()[0], where)
	fmt.Printf("  REGISTRY_KAFKA_BROKERS=%s\n", c.ListenAddrs()[0])

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	fmt.Println("devkafka: stopping")
	return nil
}
