package bus

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/hypo-registry/registry/handlers"
)

// dedup answers a redelivered command from its stored reply instead of
// handling it again. watermill's Deduplicator drops duplicates silently; a
// redelivered command must get the same reply, so the reply is kept (sealed:
// it may hold secret values) in the same transaction as the command's events.
type dedup struct {
	log    OutcomeLog
	sealer Sealer
	// Commands with the same id are handled one at a time, so two
	// concurrent deliveries cannot both miss the stored reply.
	locks [64]sync.Mutex
}

func newDedup(log OutcomeLog, sealer Sealer) *dedup {
	return &dedup{log: log, sealer: sealer}
}

func replyAAD(commandID string) []byte { return []byte("reply:" + commandID) }

func (d *dedup) seal(commandID string, r Reply) ([]byte, error) {
	if commandID == "" {
		return nil, nil
	}
	plain, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("dedup: marshal reply: %w", err)
	}
	return d.sealer.Seal(plain, replyAAD(commandID))
}

func (d *dedup) open(commandID string, sealed []byte) (Reply, error) {
	plain, err := d.sealer.Open(sealed, replyAAD(commandID))
	if err != nil {
		return Reply{}, fmt.Errorf("dedup: open stored reply: %w", err)
	}
	var r Reply
	if err := json.Unmarshal(plain, &r); err != nil {
		return Reply{}, fmt.Errorf("dedup: decode stored reply: %w", err)
	}
	return r, nil
}

func (d *dedup) lock(commandID string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(commandID))
	return &d.locks[h.Sum32()%uint32(len(d.locks))]
}

// middleware answers a command whose id has a stored reply with that reply.
func (d *dedup) middleware(b *Bus) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			id := msg.Metadata.Get(MetaCommandID)
			if id == "" {
				return h(msg)
			}
			mu := d.lock(id)
			mu.Lock()
			defer mu.Unlock()
			sealed, found, err := d.log.Reply(msg.Context(), id)
			if err != nil {
				return nil, fmt.Errorf("%w: dedup lookup: %v", handlers.ErrUnavailable, err)
			}
			if !found {
				return h(msg)
			}
			r, err := d.open(id, sealed)
			if err != nil {
				return nil, err
			}
			b.deps.Logger.Debug("redelivered command answered from its stored reply", "command_id", id)
			return nil, b.reply(msg.Context(), msg, r)
		}
	}
}
