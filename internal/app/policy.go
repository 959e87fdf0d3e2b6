package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	"github.com/hypo-registry/registry/internal/security/policy"
)

// PolicyConfig is the operator's authorization policy, in Rego, asked
// after the built-in options on every entry point (package policy).
type PolicyConfig struct {
	// Path is a Rego file or a directory of them (REGISTRY_AUTHZ_POLICY);
	// empty: no policy.
	Path string
	// Query is the decision (REGISTRY_AUTHZ_POLICY_QUERY), default
	// data.registry.authz.allow.
	Query string
	// Claims are the token claims copied into input.caller.claims
	// (REGISTRY_AUTHZ_POLICY_CLAIMS); default none.
	Claims []string
	// ReloadInterval is how often the policy's files are checked for a
	// change (REGISTRY_AUTHZ_POLICY_RELOAD_INTERVAL), default 5s.
	ReloadInterval time.Duration
}

func (c PolicyConfig) validate() error {
	var errs []error
	if c.ReloadInterval < 0 {
		errs = append(errs, fmt.Errorf("REGISTRY_AUTHZ_POLICY_RELOAD_INTERVAL %s: must not be negative", c.ReloadInterval))
	}
	if c.Path == "" && len(c.Claims) > 0 {
		errs = append(errs, errors.New("REGISTRY_AUTHZ_POLICY_CLAIMS needs REGISTRY_AUTHZ_POLICY"))
	}
	return errors.Join(errs...)
}

// openPolicy loads the policy (a policy that does not compile stops the
// start, naming file and line), records each policy put in force and each
// denial (REST, Kafka, console) in the audit log, and registers its
// metrics. Without a policy it leaves s.policy nil: no cost.
func (s *Service) openPolicy(ctx context.Context, redactor mapRedactor, reg prometheus.Registerer) error {
	pc := s.cfg.Policy
	if pc.Path == "" {
		return nil
	}
	audit := policyAudit{log: s.audit, redactor: redactor}
	e, err := policy.Load(ctx, policy.Config{
		Path: pc.Path, Query: pc.Query, Claims: pc.Claims, ReloadInterval: pc.ReloadInterval, Logger: s.logger,
		Denied: audit.denied, Reloaded: audit.loaded,
	})
	if err != nil {
		return fmt.Errorf("REGISTRY_AUTHZ_POLICY %s: %w", pc.Path, err)
	}
	s.policy = e
	return reg.Register(policyCollector{e})
}

// policyAudit writes the policy's audit records: the same log, redaction
// and durability as every query's record.
type policyAudit struct {
	log      *auditlog.Log
	redactor mapRedactor
}

func (a policyAudit) loaded(ctx context.Context, r policy.Reload) error {
	data := map[string]any{"policyHash": r.Hash, "files": r.Files, "reason": "start"}
	if r.Previous != "" {
		data["previousPolicyHash"], data["reason"] = r.Previous, "reload"
	}
	return a.append(ctx, auditlog.Entry{Type: events.AuthzPolicyLoaded, Subject: "authz/policy"}, data)
}

func (a policyAudit) denied(ctx context.Context, in *policy.Input, d policy.Decision) error {
	data := map[string]any{"actor": in.Caller.Subject, "reason": d.Reason, "policyHash": d.Hash, "policyInput": in.Document()}
	subject := "authz/" + in.EntryPoint
	if in.Caller.Tenant != "" {
		subject = in.Caller.Tenant + "/" + subject
	}
	return a.append(ctx, auditlog.Entry{Type: events.AuthzPolicyDenied, Tenant: in.Caller.Tenant, Subject: subject, CorrelationID: in.CorrelationID}, data)
}

func (a policyAudit) append(ctx context.Context, e auditlog.Entry, data map[string]any) error {
	safe, err := a.redactor.CopyMap(data, events.ClearFields)
	if err != nil {
		return fmt.Errorf("audit %s: redact: %w", e.Type, err)
	}
	e.Time, e.Data = time.Now(), safe
	_, err = a.log.Append(ctx, e)
	return err
}

// policyCollector exports the policy engine's counters.
type policyCollector struct{ e *policy.Engine }

var (
	policyInfoDesc = prometheus.NewDesc("registry_authz_policy_info",
		"The authorization policy in force, by the SHA-256 of its sources (always 1).", []string{"sha256"}, nil)
	policyLoadedDesc = prometheus.NewDesc("registry_authz_policy_loaded_timestamp_seconds",
		"When the authorization policy in force was loaded (Unix time).", nil, nil)
	policyReloadsDesc = prometheus.NewDesc("registry_authz_policy_reloads_total",
		"Reloads of the authorization policy after start, by result; a failed one keeps the last good policy.", []string{"result"}, nil)
	policyFailingDesc = prometheus.NewDesc("registry_authz_policy_reload_failing",
		"1 while the last reload of the authorization policy failed (the last good policy is in force), else 0.", nil, nil)
	policyDecisionsDesc = prometheus.NewDesc("registry_authz_policy_decisions_total",
		"Decisions of the authorization policy by entry point and outcome (allow, deny, error: denied because the policy could not decide).",
		[]string{"entrypoint", "outcome"}, nil)
)

func (c policyCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{policyInfoDesc, policyLoadedDesc, policyReloadsDesc, policyFailingDesc, policyDecisionsDesc} {
		ch <- d
	}
}

func (c policyCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.e.Stats()
	failing := 0.0
	if st.Failing {
		failing = 1
	}
	ch <- prometheus.MustNewConstMetric(policyInfoDesc, prometheus.GaugeValue, 1, st.Hash)
	ch <- prometheus.MustNewConstMetric(policyLoadedDesc, prometheus.GaugeValue, unixSeconds(st.LoadedAt))
	ch <- prometheus.MustNewConstMetric(policyReloadsDesc, prometheus.CounterValue, float64(st.Reloads), "ok")
	ch <- prometheus.MustNewConstMetric(policyReloadsDesc, prometheus.CounterValue, float64(st.FailedReloads), "error")
	ch <- prometheus.MustNewConstMetric(policyFailingDesc, prometheus.GaugeValue, failing)
	for k, n := range st.Decisions {
		ch <- prometheus.MustNewConstMetric(policyDecisionsDesc, prometheus.CounterValue, float64(n), k.EntryPoint, k.Outcome)
	}
}

// Policy is the authorization policy in force, nil without one.
func (s *Service) Policy() *policy.Engine { return s.policy }
