package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	eventlog "github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/projections"
)

// auditRecords is the size of the logs the replay and verify rates are
// measured over: reads are queries, so the measured run's own event log
// holds only its few writes, too few to time a pass over.
const auditRecords = 200_000

// auditRates builds in dir an event log of auditRecords command events
// (secrets created, each a new owner) and an audit log of as many records
// (nine reads to one write, as registryd writes them), then times a replay
// of the event log into fresh read models (registryctl audit replay) and a
// verify of the audit log (registryctl audit verify).
func auditRates(ctx context.Context, dir string) (replay, verify rate, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return rate{}, rate{}, err
	}
	src, err := eventlog.Open(filepath.Join(dir, "events.db"), eventlog.Options{})
	if err != nil {
		return rate{}, rate{}, err
	}
	defer src.Close()
	alog, err := auditlog.Open(auditlog.Options{Dir: filepath.Join(dir, "audit"), Source: events.Source})
	if err != nil {
		return rate{}, rate{}, err
	}
	defer alog.Close()
	const per = 1000
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := 0; i < auditRecords; i += per {
		evs := make([]cloudevents.Event, 0, per)
		entries := make([]auditlog.Entry, 0, per)
		for j := i; j < i+per; j++ {
			tenant := []string{"acme", "globex"}[j%2]
			name := fmt.Sprintf("pull-%d", j)
			e := cloudevents.New()
			e.SetID(uuid.NewString())
			e.SetSource(events.Source)
			e.SetType(events.ImagePullSecretCreated)
			e.SetSubject(tenant + "/image-pull/" + name)
			e.SetTime(at.Add(time.Duration(j) * time.Millisecond))
			e.SetExtension(events.ExtTenant, tenant)
			e.SetExtension(events.ExtCorrelationID, uuid.NewString())
			if err := e.SetData(cloudevents.ApplicationJSON, map[string]any{"name": name, "version": 1, "actor": "user-" + tenant, "password": "hmac-sha256:00"}); err != nil {
				return rate{}, rate{}, err
			}
			evs = append(evs, e)
			entry := auditlog.Entry{
				Time: e.Time(), Type: events.ImagePullSecretRead, Tenant: tenant, Subject: e.Subject(),
				CorrelationID: uuid.NewString(), Data: []byte(`{"actor":"user-` + tenant + `","name":"` + name + `","version":1}`),
			}
			if j%10 == 0 {
				entry.Type, entry.ID, entry.EventSeq, entry.Data = e.Type(), e.ID(), uint64(j/10+1), e.Data()
			}
			entries = append(entries, entry)
		}
		if _, err := src.Commit(ctx, "", evs, nil); err != nil {
			return rate{}, rate{}, err
		}
		if _, err := alog.Append(ctx, entries...); err != nil {
			return rate{}, rate{}, err
		}
	}
	dst, err := bolt.Open(filepath.Join(dir, "replay.db"), 0o600, &bolt.Options{NoSync: true, NoGrowSync: true})
	if err != nil {
		return rate{}, rate{}, err
	}
	defer dst.Close()
	t0 := time.Now()
	counts, err := projections.Replay(ctx, src, dst, nil, app.Projections()...)
	if err == nil {
		err = dst.Sync()
	}
	if err != nil {
		return rate{}, rate{}, err
	}
	secs := time.Since(t0).Seconds()
	replay = rate{Count: counts["owners"], Seconds: secs, PerSec: float64(counts["owners"]) / secs}
	t0 = time.Now()
	sum, err := auditlog.Verify(filepath.Join(dir, "audit"), nil)
	if err != nil {
		return rate{}, rate{}, fmt.Errorf("the audit log does not verify: %w", err)
	}
	secs = time.Since(t0).Seconds()
	return replay, rate{Count: uint64(sum.Records), Seconds: secs, PerSec: float64(sum.Records) / secs}, nil
}

// auditWrites is what the audit writer did during a measurement: how many
// syncs, how full, how long each took and how long batches were held open
// for announced appends (auditlog.Log.Expect).
type auditWrites struct {
	Batches         int64   `json:"batches"`
	RecordsPerBatch float64 `json:"recordsPerBatch"`
	SyncMicros      float64 `json:"writeAndSyncMicrosPerBatch"`
	GatherMicros    float64 `json:"gatherMicrosPerBatch"`
}

func auditWritesOf(before, after auditlog.Stats) auditWrites {
	b := after.Batches - before.Batches
	if b == 0 {
		return auditWrites{}
	}
	return auditWrites{
		Batches:         b,
		RecordsPerBatch: float64(after.Records-before.Records) / float64(b),
		SyncMicros:      float64((after.Syncing - before.Syncing).Microseconds()) / float64(b),
		GatherMicros:    float64((after.Gathered - before.Gathered).Microseconds()) / float64(b),
	}
}
