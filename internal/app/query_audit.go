package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"github.com/google/uuid"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/query"
)

// eventAudit records a query's outcomes as events in the outcome log, with
// no command id (nothing to deduplicate) and no reply: the log's group
// commit gives concurrent queries one sync.
type eventAudit struct {
	log      bus.OutcomeLog
	redactor bus.Redactor
	now      func() time.Time
}

func (a eventAudit) Record(ctx context.Context, m query.Meta, outcomes []events.Outcome) error {
	if len(outcomes) == 0 {
		return nil
	}
	meta := events.Meta{Time: a.now(), CorrelationID: m.CorrelationID, CausationID: uuid.NewString()}
	evs := make([]cloudevents.Event, 0, len(outcomes))
	for _, o := range outcomes {
		raw, err := json.Marshal(o.Data)
		if err != nil {
			return fmt.Errorf("event %s: marshal data: %w", o.Type, err)
		}
		safe, err := a.redactor.CopyJSON(raw, events.ClearFields)
		if err != nil {
			return fmt.Errorf("event %s: redact: %w", o.Type, err)
		}
		meta.ID = uuid.NewString()
		e, err := events.New(o, safe, meta)
		if err != nil {
			return err
		}
		evs = append(evs, e)
	}
	_, err := a.log.Commit(ctx, "", evs, nil)
	return err
}
