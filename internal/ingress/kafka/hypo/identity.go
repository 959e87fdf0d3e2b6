package hypo

import (
	"context"
	"fmt"
	"strings"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/ingress/kafka"
	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/internal/security/authz"
)

// The three topics below have no reply topic in seed 000: a command that
// succeeds is known by its outcome event, and a record that fails (bad
// token, bad payload, refused command) goes to the poison topic with the
// reason, never silently dropped.

// groupPolicy translates create-group-policy-incoming-channel →
// ProvisionTenant, the REST policy-group-flow: the group is the token's
// tenant; a groupName naming another tenant is refused unless the caller
// is a platform admin.
func (s *Southbound) groupPolicy(ctx context.Context, msg *message.Message) (kafka.Request, error) {
	caller, err := s.caller(ctx, msg, authz.Write, s.cfg.Topics.GroupPolicyCreate)
	if err != nil {
		return kafka.Request{}, err
	}
	m, err := s.wire.DecodeGroupPolicy(msg.Payload)
	if err != nil {
		return kafka.Request{}, err
	}
	// groupName, if given, names the tenant to provision; the handler lets
	// only a platform admin name another tenant than the token's.
	tenant := caller.Tenant
	if g := strings.TrimPrefix(m.GroupName, "/"); g != "" && !strings.EqualFold(g, caller.Tenant) {
		if err := secretpath.CheckTenant(g); err != nil {
			return kafka.Request{}, fmt.Errorf("groupName: %w", err)
		}
		tenant = g
	}
	return kafka.Request{
		Command:  handlers.ProvisionTenant{Auth: handlers.Auth{Caller: caller}, Tenant: tenant},
		Envelope: bus.Envelope{Tenant: caller.Tenant},
	}, nil
}

// fabricPersist translates fabric-ziti-creds-persist-incoming-channel →
// PutFabricSecret (create or replace).
func (s *Southbound) fabricPersist(ctx context.Context, msg *message.Message) (kafka.Request, error) {
	return s.fabric(ctx, msg, s.cfg.Topics.FabricCredsPersist, s.wire.DecodeFabricPersist, func(a handlers.Auth, c hypowire.FabricAuthCreds) any {
		return handlers.PutFabricSecret{Auth: a, ControllerID: c.ControllerID, Username: c.Username, Password: c.Password}
	})
}

// fabricDelete translates fabric-ziti-creds-delete-incoming-channel →
// DeleteFabricSecret.
func (s *Southbound) fabricDelete(ctx context.Context, msg *message.Message) (kafka.Request, error) {
	return s.fabric(ctx, msg, s.cfg.Topics.FabricCredsDelete, s.wire.DecodeFabricDelete, func(a handlers.Auth, c hypowire.FabricAuthCreds) any {
		return handlers.DeleteFabricSecret{Auth: a, ControllerID: c.ControllerID}
	})
}

// fabric is a Fabric write: the token checked before the payload (so a
// bad token is the reason given even for a bad payload), then the write
// authorized (the handler applies owner-only writes).
func (s *Southbound) fabric(ctx context.Context, msg *message.Message, topic string,
	decode func([]byte) (hypowire.FabricAuthCreds, error),
	command func(handlers.Auth, hypowire.FabricAuthCreds) any) (kafka.Request, error) {
	p, err := s.principal(ctx, msg)
	if err != nil {
		return kafka.Request{}, err
	}
	c, err := decode(msg.Payload)
	if err != nil {
		return kafka.Request{}, err
	}
	caller, err := s.authorize(ctx, p, authz.Write, topic, c.ControllerID)
	if err != nil {
		return kafka.Request{}, err
	}
	return kafka.Request{
		Command:  command(handlers.Auth{Caller: caller}, c),
		Envelope: bus.Envelope{Tenant: caller.Tenant},
	}, nil
}
