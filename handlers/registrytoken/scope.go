package registrytoken

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Scope is one resource scope as the token protocol writes it,
// type[(class)]:name:action[,action]. It is both what a client asks for and
// an entry of the token's access claim.
type Scope struct {
	Type    string   `json:"type"`
	Class   string   `json:"class,omitempty"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// Limits on what a request may ask for: a client needs a handful of scopes
// (a push with a cross-repository mount asks three), and names are bounded
// by the distribution reference grammar.
const (
	MaxScopes     = 64
	maxScopeBytes = 1024
	maxNameBytes  = 255
)

// ErrInvalidScope is wrapped by every scope parse error. Messages never
// quote the input: it is attacker-controlled and ends up in the audit log.
var ErrInvalidScope = errors.New("invalid scope")

var (
	typePattern   = regexp.MustCompile(`^[a-z0-9]+$`)
	actionPattern = regexp.MustCompile(`^(?:[a-z]+|\*)$`)
	// namePattern is the distribution reference name: an optional
	// registry host (a DNS name or a bracketed IPv6 address, with an
	// optional port) and path components of lower-case
	// alphanumerics joined by separators.
	namePattern = regexp.MustCompile(`^` +
		`(?:` + hostPattern + `/)?` +
		componentPattern + `(?:/` + componentPattern + `)*$`)
)

const (
	hostComponent    = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	hostPattern      = `(?:` + hostComponent + `(?:\.` + hostComponent + `)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?`
	componentPattern = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
)

// ParseScope parses one scope. The name may itself hold a colon (a registry
// host with a port), so the scope is split on its first and last colon,
// never on every colon. An empty action list is valid: the grammar allows
// it, and it simply asks for nothing.
func ParseScope(s string) (Scope, error) {
	if len(s) > maxScopeBytes {
		return Scope{}, fmt.Errorf("%w: longer than %d bytes", ErrInvalidScope, maxScopeBytes)
	}
	first, last := strings.IndexByte(s, ':'), strings.LastIndexByte(s, ':')
	if first < 0 || first == last {
		return Scope{}, fmt.Errorf("%w: want type:name:actions", ErrInvalidScope)
	}
	typ, class, err := parseType(s[:first])
	if err != nil {
		return Scope{}, err
	}
	sc := Scope{Type: typ, Class: class, Name: s[first+1 : last], Actions: []string{}}
	if rest := s[last+1:]; rest != "" {
		sc.Actions = strings.Split(rest, ",")
	}
	if err := sc.check(); err != nil {
		return Scope{}, err
	}
	return sc, nil
}

// check is what ParseScope requires of a scope's fields, for a Scope that
// did not come from ParseScope (a command from a replay or a test) as for
// one that did.
func (s Scope) check() error {
	if s.size() > maxScopeBytes {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidScope, maxScopeBytes)
	}
	if s.Class != "" && !typePattern.MatchString(s.Class) {
		return fmt.Errorf("%w: the resource class is not lower-case alphanumeric", ErrInvalidScope)
	}
	if !typePattern.MatchString(s.Type) {
		return fmt.Errorf("%w: the resource type is not lower-case alphanumeric", ErrInvalidScope)
	}
	if len(s.Name) > maxNameBytes || !namePattern.MatchString(s.Name) {
		return fmt.Errorf("%w: the name is not a valid repository name", ErrInvalidScope)
	}
	for _, a := range s.Actions {
		if !actionPattern.MatchString(a) {
			return fmt.Errorf("%w: an action is not lower-case letters or *", ErrInvalidScope)
		}
	}
	return nil
}

// size is len(s.String()), without building it.
func (s Scope) size() int {
	n := len(s.Type) + 1 + len(s.Name) + 1
	if s.Class != "" {
		n += len(s.Class) + 2
	}
	for i, a := range s.Actions {
		n += len(a)
		if i > 0 {
			n++
		}
	}
	return n
}

// parseType splits "repository(plugin)" into type and class; check
// validates both.
func parseType(s string) (typ, class string, err error) {
	typ = s
	if open := strings.IndexByte(s, '('); open >= 0 {
		if !strings.HasSuffix(s, ")") {
			return "", "", fmt.Errorf("%w: the resource class is not closed", ErrInvalidScope)
		}
		typ, class = s[:open], s[open+1:len(s)-1]
		if class == "" {
			return "", "", fmt.Errorf("%w: the resource class is not lower-case alphanumeric", ErrInvalidScope)
		}
	}
	return typ, class, nil
}

// String writes the scope in the protocol's form; for a parsed scope it is
// the input exactly.
func (s Scope) String() string {
	typ := s.Type
	if s.Class != "" {
		typ += "(" + s.Class + ")"
	}
	return typ + ":" + s.Name + ":" + strings.Join(s.Actions, ",")
}

// ParseScopes parses the scope parameters of a request. A parameter may
// hold several scopes separated by spaces (the OAuth2 form); the parameter
// may also repeat (the GET form). Errors name the scope by position only.
func ParseScopes(params []string) ([]Scope, error) {
	var out []Scope
	for _, p := range params {
		for _, f := range strings.Fields(p) {
			if len(out) == MaxScopes {
				return nil, fmt.Errorf("%w: more than %d scopes", ErrInvalidScope, MaxScopes)
			}
			s, err := ParseScope(f)
			if err != nil {
				return nil, fmt.Errorf("scope %d: %w", len(out)+1, err)
			}
			out = append(out, s)
		}
	}
	return out, nil
}
