// Package southbound is the HypO Kafka southbound of seed 000 (Tables 2 and
// 3): one kafkaingress.Translator per incoming topic, turning each record
// into a typed command for the bus and the command's reply into the
// seed's reply record. The Ingress does the rest (command ids from record
// positions, replies before acks, the poison topic).
//
// Every incoming record carries the caller's Keycloak JWT in its
// Authorization header. Unlike seed 000, the token is verified here
// (signature, issuer, audience, lifetime) unless Config.SkipTokenVerification
// says otherwise. A record that fails anywhere is answered with an ERROR
// reply when its topic has replies and the record names whom to answer;
// otherwise it goes to the poison topic with the reason.
package hypo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/ingress/kafka"
	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/authz"
	"github.com/hypo-registry/registry/internal/security/policy"
)

// DefaultSource is the CloudEvents source of the kubeconfig store results.
const DefaultSource = "urn:hypo-registry:registryd"

// Config configures the translators.
type Config struct {
	// Topics are the southbound topic names; zero fields take the seed's.
	Topics hypowire.Topics
	// SkipTokenVerification reads the JWT's claims without verifying it,
	// as seed 000 does, leaving validation to Vault's JWT login. Off by
	// default; the service allows it only with the Vault store.
	SkipTokenVerification bool
	// Source is the CloudEvents source of results, default DefaultSource.
	Source string
}

// WithDefaults fills unset topics with the seed's names.
func (c Config) WithDefaults() Config {
	d := hypowire.DefaultTopics()
	t := &c.Topics
	set := func(dst *string, def string) {
		if *dst == "" {
			*dst = def
		}
	}
	set(&t.CredentialRequest, d.CredentialRequest)
	set(&t.KubeconfigStore, d.KubeconfigStore)
	set(&t.KubeconfigRetrieve, d.KubeconfigRetrieve)
	set(&t.GroupPolicyCreate, d.GroupPolicyCreate)
	set(&t.FabricCredsPersist, d.FabricCredsPersist)
	set(&t.FabricCredsDelete, d.FabricCredsDelete)
	set(&t.CredentialResponse, d.CredentialResponse)
	set(&t.KubeconfigResponse, d.KubeconfigResponse)
	set(&t.KubeconfigStoreResult, d.KubeconfigStoreResult)
	if c.Source == "" {
		c.Source = DefaultSource
	}
	return c
}

// TokenVerifier verifies a bearer JWT (auth.Verifier).
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (auth.Principal, error)
	DecodeUnverified(raw string) (auth.Principal, error)
}

// Southbound holds the translators of every incoming topic.
type Southbound struct {
	cfg   Config
	authn *auth.Authenticator
	wire  *hypowire.Validator
	authz *authz.Authorizer
	// policy is the operator's authorization policy (UsePolicy), nil
	// without one.
	policy *policy.Engine
}

// UsePolicy asks p about every record the authorization options allowed;
// a deny refuses the record as they would. Call it before consuming.
func (s *Southbound) UsePolicy(p *policy.Engine) { s.policy = p }

// New refuses a nil verifier, validator or authorizer, and bad topic names.
func New(cfg Config, verifier TokenVerifier, wire *hypowire.Validator, az *authz.Authorizer) (*Southbound, error) {
	if verifier == nil || wire == nil || az == nil {
		return nil, errors.New("southbound: a token verifier, a payload validator and an authorizer are required")
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Topics.Validate(); err != nil {
		return nil, fmt.Errorf("southbound: %w", err)
	}
	authn, err := auth.NewAuthenticator(verifier, auth.Options{Raw: true, Unverified: cfg.SkipTokenVerification})
	if err != nil {
		return nil, fmt.Errorf("southbound: %w", err)
	}
	return &Southbound{cfg: cfg, authn: authn, wire: wire, authz: az}, nil
}

// Topics are the topic names in use.
func (s *Southbound) Topics() hypowire.Topics { return s.cfg.Topics }

// Translators maps every incoming topic to its translator.
func (s *Southbound) Translators() map[string]kafka.Translator {
	t := s.cfg.Topics
	return map[string]kafka.Translator{
		t.CredentialRequest:  s.credentialRequest,
		t.KubeconfigStore:    s.kubeconfigStore,
		t.KubeconfigRetrieve: s.kubeconfigRetrieve,
		t.GroupPolicyCreate:  s.groupPolicy,
		t.FabricCredsPersist: s.fabricPersist,
		t.FabricCredsDelete:  s.fabricDelete,
	}
}

// caller verifies the record's Authorization header and authorizes
// access to topic with the REST API's options (authz) and the operator's
// policy: credential requests and retrievals read, the other topics
// write. The error names the reason, never the token.
func (s *Southbound) caller(ctx context.Context, msg *message.Message, access authz.Access, topic string) (handlers.Caller, error) {
	p, err := s.principal(ctx, msg)
	if err != nil {
		return handlers.Caller{}, err
	}
	return s.authorize(ctx, p, access, topic, "")
}

// authorize applies the authorization options to p, then the policy,
// which can only deny further; name is the resource the record names when
// it is known before the handler runs. Owner-only writes are the
// handlers' (handlers.OwnerOnly).
func (s *Southbound) authorize(ctx context.Context, p auth.Principal, access authz.Access, topic, name string) (handlers.Caller, error) {
	p, err := s.authz.Authorize(ctx, p, access)
	if err != nil {
		return handlers.Caller{}, err
	}
	if s.policy != nil {
		err := s.policy.Check(ctx, &policy.Input{
			EntryPoint: policy.EntryKafka, Topic: topic, Action: access.String(),
			Resource: policy.Resource{Scope: s.topicScope(topic), Tenant: p.Tenant, Name: name},
			Caller:   policy.Caller{Subject: p.Subject, Tenant: p.Tenant, Roles: p.Roles, Claims: p.Claims},
			Time:     time.Now(),
		})
		if err != nil {
			return handlers.Caller{}, err
		}
	}
	return p.Caller(), nil
}

// topicScope is the policy input's resource.scope of a topic's records:
// the REST API's word for the same resources where there is one.
func (s *Southbound) topicScope(topic string) string {
	switch t := s.cfg.Topics; topic {
	case t.CredentialRequest:
		return "credentials"
	case t.KubeconfigStore, t.KubeconfigRetrieve:
		return "kube-conf"
	case t.GroupPolicyCreate:
		return "policy-group-flow"
	case t.FabricCredsPersist, t.FabricCredsDelete:
		return "fabric"
	}
	return ""
}

// principal verifies the record's token: "Bearer <jwt>", or the bare JWT
// as some producers send it; only read, not verified, with
// Config.SkipTokenVerification.
func (s *Southbound) principal(ctx context.Context, msg *message.Message) (auth.Principal, error) {
	return s.authn.Authenticate(ctx, authorization(msg))
}

// authorization lists the record's Authorization header values, one per
// metadata key spelling the name in any case. A header the record
// repeated counts twice: the metadata kept one of its values, but two
// could each be read by a different party, so the authenticator refuses
// them as on REST.
func authorization(msg *message.Message) []string {
	var values []string
	for k, v := range msg.Metadata {
		if strings.EqualFold(k, hypowire.HeaderAuthorization) {
			values = append(values, v)
		}
	}
	if kafka.Repeated(msg, hypowire.HeaderAuthorization) {
		values = append(values, "")
	}
	return values
}

// addressable reports whether id may be echoed as a reply's id: a short,
// printable string. Anything else is not an address, and its record is
// poisoned instead.
func addressable(id string) bool {
	if id == "" || len(id) > 253 {
		return false
	}
	for _, r := range id {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
