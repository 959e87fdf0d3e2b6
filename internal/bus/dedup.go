package bus

import (
	"crypto/sha256"
	"encoding/hex"
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

// storedReply is a reply as kept for redeliveries. RequestDigest is set
// for commands whose id is a client's key (MetaCheckRequest): it says
// which request the key was first used for. Replies stored before it
// existed have none and are replayed as they always were.
type storedReply struct {
	Reply
	RequestDigest string `json:"request_digest,omitempty"`
}

// seal keeps msg's reply r, with msg's request digest when it asks for
// one; nil when msg has no command id (nothing to recognise it by).
func (d *dedup) seal(msg *message.Message, r Reply) ([]byte, error) {
	commandID := msg.Metadata.Get(MetaCommandID)
	if commandID == "" {
		return nil, nil
	}
	stored := storedReply{Reply: r}
	if msg.Metadata.Get(MetaCheckRequest) != "" {
		digest, err := requestDigest(msg)
		if err != nil {
			return nil, err
		}
		stored.RequestDigest = digest
	}
	plain, err := json.Marshal(stored)
	if err != nil {
		return nil, fmt.Errorf("dedup: marshal reply: %w", err)
	}
	return d.sealer.Seal(plain, replyAAD(commandID))
}

func (d *dedup) open(commandID string, sealed []byte) (storedReply, error) {
	plain, err := d.sealer.Open(sealed, replyAAD(commandID))
	if err != nil {
		return storedReply{}, fmt.Errorf("dedup: open stored reply: %w", err)
	}
	var r storedReply
	if err := json.Unmarshal(plain, &r); err != nil {
		return storedReply{}, fmt.Errorf("dedup: decode stored reply: %w", err)
	}
	return r, nil
}

// requestDigest is a digest of what a command asks: its type (so the
// operation and the kind of resource) and its payload without the caller,
// whose token and roles may be fresh on an honest retry; who the caller is
// (tenant and subject) is part of the command id already. Object keys come
// out sorted, so equal commands give equal digests.
func requestDigest(msg *message.Message) (string, error) {
	var fields map[string]json.RawMessage
	raw, err := commandJSON(msg)
	if err != nil {
		return "", fmt.Errorf("dedup: request digest: %w", err)
	}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return "", fmt.Errorf("dedup: request digest: %w", err)
	}
	delete(fields, "caller")
	canonical, err := json.Marshal(fields)
	if err != nil {
		return "", fmt.Errorf("dedup: request digest: %w", err)
	}
	h := sha256.New()
	h.Write([]byte(msg.Metadata.Get("name")))
	h.Write([]byte{0})
	h.Write(canonical)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// reused reports whether msg reuses the id of stored for another request.
func reused(msg *message.Message, stored storedReply) (bool, error) {
	if stored.RequestDigest == "" || msg.Metadata.Get(MetaCheckRequest) == "" {
		return false, nil
	}
	digest, err := requestDigest(msg)
	if err != nil {
		return false, err
	}
	return digest != stored.RequestDigest, nil
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
			if other, err := reused(msg, r); err != nil || other {
				if err != nil {
					return nil, err
				}
				// Nothing is handled or committed: the first request's
				// effect and reply stay as they were.
				b.deps.Logger.Info("command id reused for another request", "command_id", id)
				return nil, b.reply(msg.Context(), msg, errorReply(fmt.Errorf("%w: it was first used for another request; use a new key", ErrKeyReused)))
			}
			b.deps.Logger.Debug("redelivered command answered from its stored reply", "command_id", id)
			return nil, b.reply(msg.Context(), msg, r.Reply)
		}
	}
}
