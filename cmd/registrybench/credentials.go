package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/kafka"
	"github.com/hypo-registry/registry/internal/adapters/secrets/bolt"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/internal/security/seal"
	"github.com/hypo-registry/registry/testkit"
)

// credentialResult compares the Package Manager's parsing request through
// registryd's southbound with a bare relay doing one store read.
type credentialResult struct {
	InFlight int `json:"inFlight"`
	// Partitions of every topic, and the records of one partition the
	// southbound handles at once (the bare relay's watermill subscriber
	// holds one per partition).
	Partitions         int     `json:"partitions"`
	SouthboundInFlight int     `json:"southboundInFlightPerPartition"`
	Southbound         load    `json:"credentialRequestRoundTrip"`
	Bare               load    `json:"bareRelayOneStoreReadRoundTrip"`
	Ratio              float64 `json:"southboundToBareThroughputRatio"`
	SouthboundCPUus    float64 `json:"credentialRequestCPUMicrosPerRequest"`
	BareCPUus          float64 `json:"bareCPUMicrosPerRequest"`
}

// parsingRequest is the seed's parsing request for service id, with the
// caller's token in the Authorization header.
func parsingRequest(token string) func(id string) *kgo.Record {
	return func(id string) *kgo.Record {
		value := fmt.Sprintf(`{"type":"parsing","serviceOrderRequest":{"kogitoprocinstanceid":"7aa45064-f4a7-4a25-a7a2-667afb07c3d1","serviceOrder":{"serviceOrderId":"2c4fecbc-c436-4f8c-a5db-4a1159ebad2a","serviceId":%q,"serviceRepositoryURL":%q}},"url":%q,"schedulerNamespace":""}`, id, benchRepoURL, benchRepoURL)
		return &kgo.Record{Value: []byte(value), Headers: []kgo.RecordHeader{{Key: "Authorization", Value: []byte("Bearer " + token)}}}
	}
}

// benchCredentials measures parsing requests through a registryd on Kafka
// (embedded store, the southbound answering) and through a bare relay on
// the same broker and client settings that reads the same secret from a
// bbolt store once per request and publishes the reply, both running, in
// alternation (A B B A), as the other ratios are.
func benchCredentials(ctx context.Context, dir string, logger *slog.Logger, inFlight int, dur time.Duration) (*credentialResult, error) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(testkit.KafkaPartitions))
	if err != nil {
		return nil, fmt.Errorf("start kafka: %w", err)
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()
	res := &credentialResult{InFlight: inFlight, Partitions: testkit.KafkaPartitions}

	reg, err := startRegistry(ctx, filepath.Join(dir, "registry"), logger, func(c *app.Config) {
		c.Kafka = kafkaConfig(brokers)
		res.SouthboundInFlight = c.Southbound.WithDefaults().InFlight
	})
	if err != nil {
		return nil, err
	}
	defer reg.stop()
	token, err := reg.issuer.Mint(oidcdev.Claims{Subject: "package-manager", Groups: []string{benchTenant}, Roles: []string{"developer"}, TTL: time.Hour})
	if err != nil {
		return nil, err
	}
	body := `{"username":"bench-user","password":"bench-password","url":"` + benchRepoURL + `"}`
	if _, err := call(http.MethodPost, reg.svc.BaseURL()+"/registry-api/package-registry/secret/"+strings.ReplaceAll(benchRepoURL, "/", "%2F"), token, []byte(body), http.StatusCreated); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	rt, err := newRoundTripper(brokers, hypowire.TopicCredentialRequest, hypowire.TopicCredentialResponse)
	if err != nil {
		return nil, err
	}
	rt.request = parsingRequest(token)
	defer rt.close()
	if err := rt.ready(); err != nil {
		return nil, err
	}

	store, caller, path, err := bareCredentialStore(ctx, filepath.Join(dir, "bare-secrets.db"))
	if err != nil {
		return nil, err
	}
	defer store.Close()
	bare, stopBare, err := startRelay(ctx, brokers, "bench-bare-credentials", logger, parsingRequest(token),
		func(pub message.Publisher, _, reply string) (message.NoPublishHandlerFunc, error) {
			return func(msg *message.Message) error {
				var req struct {
					ServiceOrderRequest struct {
						ServiceOrder struct {
							ServiceID string `json:"serviceId"`
						} `json:"serviceOrder"`
					} `json:"serviceOrderRequest"`
				}
				if json.Unmarshal(msg.Payload, &req) != nil {
					return nil
				}
				id := req.ServiceOrderRequest.ServiceOrder.ServiceID
				sec, err := store.Read(msg.Context(), caller, path, 0)
				status := "SUCCESS"
				if err != nil {
					status = "ERROR"
				}
				out, _ := json.Marshal(map[string]any{"id": id, "status": status, "message": "", "data": map[string]any{
					"type": "parsing", "repoCredentials": map[string]string{"username": sec.Data["username"], "password": sec.Data["password"]},
				}})
				return pub.Publish(reply, message.NewMessage(watermill.NewUUID(), out))
			}, nil
		})
	if err != nil {
		return nil, fmt.Errorf("bare credential relay: %w", err)
	}
	defer stopBare()

	roundTrips := func(rt *roundTripper) func(context.Context, time.Duration) (load, error) {
		return func(ctx context.Context, d time.Duration) (load, error) {
			return runLoad(ctx, inFlight, d, rt.roundTrip)
		}
	}
	sides := [2]side{{run: roundTrips(rt), name: "southbound"}, {run: roundTrips(bare), name: "bare"}}
	if err := warm(ctx, sides[:]...); err != nil {
		return nil, err
	}
	loads, cpu, err := alternate(ctx, dur, sides)
	if err != nil {
		return nil, fmt.Errorf("credential round trip beside a bare relay: %w", err)
	}
	res.Southbound, res.Bare = loads[0], loads[1]
	res.SouthboundCPUus, res.BareCPUus = cpu[0], cpu[1]
	res.Ratio = res.Southbound.RPS / res.Bare.RPS
	return res, nil
}

// bareCredentialStore is a sealed bbolt store holding the bench secret.
func bareCredentialStore(ctx context.Context, path string) (*bolt.Store, handlers.Caller, secretpath.Path, error) {
	ring, err := seal.NewKeyring()
	if err != nil {
		return nil, handlers.Caller{}, secretpath.Path{}, err
	}
	store, err := bolt.Open(path, ring, bolt.Options{})
	if err != nil {
		return nil, handlers.Caller{}, secretpath.Path{}, err
	}
	caller := handlers.Caller{Subject: "package-manager", Tenant: benchTenant}
	key, err := secretpath.RegistryKey(benchRepoURL)
	if err != nil {
		store.Close()
		return nil, handlers.Caller{}, secretpath.Path{}, err
	}
	p, err := secretpath.New(secretpath.PackageRegistry, benchTenant, key)
	if err == nil {
		_, err = store.Write(ctx, caller, p, handlers.SecretData{"username": "bench-user", "password": "bench-password", "url": benchRepoURL}, nil)
	}
	if err != nil {
		store.Close()
		return nil, handlers.Caller{}, secretpath.Path{}, err
	}
	return store, caller, p, nil
}

// kafkaConfig is the event log on brokers with a consumer group of the
// bench's own.
func kafkaConfig(brokers []string) kafka.Config {
	return kafka.Config{Brokers: brokers, ConsumerGroup: "bench-projections"}
}
