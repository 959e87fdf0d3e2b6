package hypo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/ingress/kafka"
	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
	"github.com/hypo-registry/registry/internal/security/authz"
)

// kubeconfigRetrieve translates registry-retrieve-kubernetes-config: a
// serviceId → GetKubeconfig, answered with a VaultSecretResponseMessage.
func (s *Southbound) kubeconfigRetrieve(ctx context.Context, msg *message.Message) (kafka.Request, error) {
	raw := strings.TrimSpace(string(msg.Payload))
	fail := func(id, reason string) error {
		if !addressable(id) {
			return errors.New(reason + " (and the record names no serviceId to answer)")
		}
		out, err := s.kubeconfigReply(hypowire.VaultSecretResponseMessage{ServiceID: id, Status: hypowire.StatusError, Message: reason})
		if err != nil {
			return err
		}
		return &kafka.Rejection{Reason: reason, Reply: out}
	}
	caller, err := s.caller(ctx, msg, authz.Read, s.cfg.Topics.KubeconfigRetrieve)
	if err != nil {
		var id string
		if json.Unmarshal([]byte(raw), &id) != nil {
			id = raw
		}
		return kafka.Request{}, fail(id, err.Error())
	}
	id, err := s.wire.DecodeServiceID(msg.Payload)
	if err != nil {
		return kafka.Request{}, fail(raw, err.Error())
	}
	return kafka.Request{
		Command:  handlers.GetKubeconfig{Auth: handlers.Auth{Caller: caller}, ServiceID: id},
		Envelope: bus.Envelope{Tenant: caller.Tenant},
		Reply: func(r bus.Reply, err error) ([]kafka.Outgoing, error) {
			m := hypowire.VaultSecretResponseMessage{ServiceID: id, Status: hypowire.StatusSuccess}
			var kc handlers.Kubeconfig
			switch {
			case err != nil:
				m.Status, m.Message = hypowire.StatusError, "registry unavailable, try again: "+bus.PublicMessage(err)
			case r.Error != nil:
				m.Status, m.Message = hypowire.StatusError, r.Error.Message
			case json.Unmarshal(r.Data, &kc) != nil:
				m.Status, m.Message = hypowire.StatusError, "internal error: unreadable reply"
			default:
				m.KubeConfigAsBase64, m.Scope = kc.KubeconfigBase64, kc.Scope
			}
			return s.kubeconfigReply(m)
		},
	}, nil
}

func (s *Southbound) kubeconfigReply(m hypowire.VaultSecretResponseMessage) ([]kafka.Outgoing, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	msg := message.NewMessage(watermill.NewUUID(), body)
	msg.Metadata.Set("content-type", "application/json")
	return []kafka.Outgoing{{Topic: s.cfg.Topics.KubeconfigResponse, Key: m.ServiceID, Msg: msg}}, nil
}

// Kubeconfig store CloudEvents.
const (
	// ExtensionScope is the CloudEvents extension attribute naming the scope
	// when the event's data is the kubeconfig YAML itself.
	ExtensionScope = "scope"
	// ExtensionCausation names, on a result, the id of the store event it
	// answers.
	ExtensionCausation = "causationid"
	contentTypeCE      = "application/cloudevents+json"
	metaContentType    = "content-type"
	metaSpecVersion    = "ce_specversion"
)

// kubeconfigStore translates registry-store-kubernetes-config: a CloudEvent
// in binary mode (ce_* headers, data as the value) or structured mode
// (application/cloudevents+json) → StoreKubeconfig, answered with a result
// CloudEvent in the same mode. The data is either JSON
// {serviceId, kubeConfig, scope} (datacontenttype application/json, or
// none) or the kubeconfig YAML itself (datacontenttype application/yaml,
// text/yaml or application/x-yaml), the service id then being the event's
// subject and the scope its "scope" extension. The scope defaults to
// CLUSTER.
func (s *Southbound) kubeconfigStore(ctx context.Context, msg *message.Message) (kafka.Request, error) {
	structured := isStructured(msg)
	in := msg
	if structured && msg.Metadata.Get(metaContentType) == "" {
		// Structured mode without the binding's content-type header: the
		// payload says it is a CloudEvent.
		in = msg.Copy()
		in.Metadata.Set(metaContentType, contentTypeCE)
	}
	e, err := events.FromMessage(ctx, in)
	if err != nil {
		// Not a CloudEvent: no id to answer.
		return kafka.Request{}, fmt.Errorf("not a kubeconfig store CloudEvent: %v", err)
	}
	data, err := s.storeData(e, structured, msg.Payload)
	fail := func(reason string) error {
		id := data.ServiceID
		if !addressable(id) {
			id = "" // not echoed: unbounded or unprintable
		}
		out, err := s.storeResult(e, structured, hypowire.KubeconfigStoreResult{
			ServiceID: id, Scope: validScope(data.Scope), Status: hypowire.StatusError, Reason: reason,
		}, time.Time{})
		if err != nil {
			return err
		}
		return &kafka.Rejection{Reason: reason, Reply: out}
	}
	caller, cerr := s.caller(ctx, msg, authz.Write, s.cfg.Topics.KubeconfigStore)
	if cerr != nil {
		return kafka.Request{}, fail(cerr.Error())
	}
	if err != nil {
		return kafka.Request{}, fail(err.Error())
	}
	scope := data.EffectiveScope()
	return kafka.Request{
		Command: handlers.StoreKubeconfig{
			Auth: handlers.Auth{Caller: caller}, ServiceID: data.ServiceID, Scope: scope,
			KubeconfigYAML: []byte(data.KubeConfig),
		},
		Envelope: bus.Envelope{Tenant: caller.Tenant, CorrelationID: e.ID(), CommandID: cloudEventCommandID(s.cfg.Topics.KubeconfigStore, caller.Tenant, e)},
		Reply: func(r bus.Reply, err error) ([]kafka.Outgoing, error) {
			res := hypowire.KubeconfigStoreResult{ServiceID: data.ServiceID, Scope: scope, Status: hypowire.StatusSuccess}
			switch {
			case err != nil:
				res.Status, res.Reason = hypowire.StatusError, "registry unavailable, try again: "+bus.PublicMessage(err)
			case r.Error != nil:
				res.Status, res.Reason = hypowire.StatusError, r.Error.Message
			}
			return s.storeResult(e, structured, res, storedAt(r))
		},
	}, nil
}

// cloudEventCommandID names a store event by its CloudEvents identity,
// source + id, which its producer keeps unique (CloudEvents 1.0, "id"): a
// producer's retry of the same event, at a new offset, is then the same
// command, answered from its stored reply with no second effect. The topic
// and the caller's tenant are part of the name, so another tenant reusing
// a source and id names a command of its own and never sees this one's
// reply. Hashed: source and id are producer-chosen and unbounded.
func cloudEventCommandID(topic, tenant string, e cloudevents.Event) string {
	h := sha256.New()
	for _, part := range []string{topic, tenant, e.Source(), e.ID()} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return "ce:" + hex.EncodeToString(h.Sum(nil))
}

// resultID is the id of the result answering e: the same for every answer
// to one event, so a duplicate store event gets an identical result, which
// consumers can recognise as a duplicate too.
func (s *Southbound) resultID(e cloudevents.Event) string {
	sum := sha256.Sum256([]byte(s.cfg.Source + "\x00" + e.Source() + "\x00" + e.ID()))
	return hex.EncodeToString(sum[:16])
}

// isStructured tells structured mode: the binding's content type, or no
// ce_specversion header and a JSON object with a specversion member.
func isStructured(msg *message.Message) bool {
	if ct := msg.Metadata.Get(metaContentType); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		return mt == contentTypeCE
	}
	if msg.Metadata.Get(metaSpecVersion) != "" {
		return false
	}
	var probe struct {
		SpecVersion *string `json:"specversion"`
	}
	return json.Unmarshal(msg.Payload, &probe) == nil && probe.SpecVersion != nil
}

// storeData reads the store event's data. Whatever could be read is
// returned with the error, so a failure result names the service.
func (s *Southbound) storeData(e cloudevents.Event, structured bool, payload []byte) (hypowire.KubeconfigStoreData, error) {
	mt, _, _ := mime.ParseMediaType(e.DataContentType())
	switch mt {
	case "", "application/json":
		decode := s.wire.DecodeKubeconfigStoreData
		data := e.Data()
		if structured {
			decode, data = s.wire.DecodeKubeconfigStoreEvent, payload
		}
		d, err := decode(data)
		if err != nil {
			return looseStoreData(e.Data()), err
		}
		return d, nil
	case "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml":
		d := hypowire.KubeconfigStoreData{ServiceID: e.Subject(), KubeConfig: string(e.Data()), Scope: events.StringExtension(e, ExtensionScope)}
		body, err := json.Marshal(d)
		if err != nil {
			return d, err
		}
		if _, err := s.wire.DecodeKubeconfigStoreData(body); err != nil {
			return d, fmt.Errorf("YAML data (service id from the event's subject, scope from its %q extension): %w", ExtensionScope, err)
		}
		return d, nil
	}
	return hypowire.KubeconfigStoreData{}, fmt.Errorf("unsupported datacontenttype %q (want application/json or application/yaml)", mt)
}

// looseStoreData reads what a failure result can name (the service, the
// scope) from data that failed its schema; only then is it read loosely.
func looseStoreData(data []byte) hypowire.KubeconfigStoreData {
	var d hypowire.KubeconfigStoreData
	_ = json.Unmarshal(data, &d)
	return d
}

// validScope is scope when it is one the result may carry, else "".
func validScope(scope string) string {
	switch scope {
	case "":
		return hypowire.ScopeCluster
	case hypowire.ScopeCluster, hypowire.ScopeNamespaceSA:
		return scope
	}
	return ""
}

// storedAt is when a successful store was written, from its reply; zero
// otherwise.
func storedAt(r bus.Reply) time.Time {
	var stored handlers.KubeconfigStored
	if r.Error != nil || json.Unmarshal(r.Data, &stored) != nil {
		return time.Time{}
	}
	return stored.UpdatedTime
}

// storeResult is the result CloudEvent answering e, in e's mode, at time at
// (zero: now). It never carries the kubeconfig.
func (s *Southbound) storeResult(e cloudevents.Event, structured bool, res hypowire.KubeconfigStoreResult, at time.Time) ([]kafka.Outgoing, error) {
	if at.IsZero() {
		at = time.Now()
	}
	out := cloudevents.New()
	out.SetID(s.resultID(e))
	out.SetSource(s.cfg.Source)
	out.SetType(hypowire.EventKubeconfigStoreResult)
	out.SetTime(at.UTC())
	if res.ServiceID != "" {
		out.SetSubject(res.ServiceID)
	}
	out.SetExtension(ExtensionCausation, e.ID())
	if err := out.SetData("application/json", res); err != nil {
		return nil, err
	}
	var msg *message.Message
	if structured {
		body, err := json.Marshal(out)
		if err != nil {
			return nil, err
		}
		msg = message.NewMessage(out.ID(), bytes.TrimSpace(body))
		msg.Metadata.Set(metaContentType, contentTypeCE)
	} else {
		var err error
		if msg, err = events.ToMessage(context.Background(), out); err != nil {
			return nil, err
		}
	}
	return []kafka.Outgoing{{Topic: s.cfg.Topics.KubeconfigStoreResult, Key: res.ServiceID, Msg: msg}}, nil
}
