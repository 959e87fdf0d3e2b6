package registrytoken

import (
	"context"
	"fmt"
	"slices"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// Bounds on what a rejection records of the request.
const (
	maxInputs       = 8
	maxInputBytes   = 256
	maxMessageBytes = 512
)

// RejectRegistryToken records a token request the transport refused
// before the policy could run: malformed (400) or not authenticated (401).
// It changes nothing; its event is the audit record.
type RejectRegistryToken struct {
	handlers.Auth
	Reason  string `json:"reason"`
	Message string `json:"message"`
	Service string `json:"service,omitempty"`
	Grant   string `json:"grant,omitempty"`
	// Scopes are the scopes that parsed; Input the raw scope parameters
	// when they did not. Input is hashed in the event: it may hold
	// anything, a pasted credential included.
	Scopes   []Scope  `json:"scopes,omitempty"`
	Input    []string `json:"input,omitempty"`
	ClientID string   `json:"clientId,omitempty"`
}

// Reject handles RejectRegistryToken.
func (t *Tokens) Reject(_ context.Context, cmd RejectRegistryToken) (handlers.Result, error) {
	if !slices.Contains(Reasons, cmd.Reason) {
		return handlers.Result{}, fmt.Errorf("reject registry token: %w: unknown reason %q", handlers.ErrInvalid, cmd.Reason)
	}
	ev := rejected(cmd, "", "")
	ev.Subject = subjectOf(cmd.Caller.Tenant, "")
	return handlers.Result{Events: []events.Outcome{ev}}, nil
}

// rejected is the RegistryTokenRejected event of cmd. plan and license are
// set when the policy had them; the licence is hashed like every string
// outside events.ClearFields.
func rejected(cmd RejectRegistryToken, plan, license string) events.Outcome {
	msg := cmd.Message
	if len(msg) > maxMessageBytes {
		msg = msg[:maxMessageBytes]
	}
	data := map[string]any{"actor": cmd.Caller.Subject, "reason": cmd.Reason, "message": msg}
	if cmd.Service != "" && ValidService(cmd.Service) == nil {
		data["service"] = cmd.Service
	}
	if cmd.Grant != "" {
		data["grant"] = cmd.Grant
	}
	if len(cmd.Scopes) > 0 {
		data["requested"] = scopeStrings(cmd.Scopes)
	}
	if len(cmd.Input) > 0 {
		in := make([]string, 0, min(len(cmd.Input), maxInputs))
		for _, s := range cmd.Input[:min(len(cmd.Input), maxInputs)] {
			in = append(in, s[:min(len(s), maxInputBytes)])
		}
		data["input"] = in
	}
	if plan != "" {
		data["plan"] = plan
	}
	if license != "" && cmd.Reason == ReasonLicenseRevoked {
		data["license"] = license
	}
	if cmd.ClientID != "" {
		data["clientId"] = cmd.ClientID
	}
	return events.Outcome{Type: events.RegistryTokenRejected, Tenant: cmd.Caller.Tenant, Data: data}
}
