package registrytoken

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Plan is a named set of rules: which repositories a caller on the plan may
// reach, and with which actions.
type Plan struct {
	Name         string `yaml:"name" json:"name"`
	Repositories []Rule `yaml:"repositories" json:"repositories"`
}

// Rule allows Actions on every resource of Type whose name matches Pattern.
// In a pattern, "*" matches any run of characters within one path segment
// and never crosses "/": "team-a/*" matches "team-a/app" but not
// "team-a/x/app". An action "*" allows every action, as distribution reads
// "*" in a token.
type Rule struct {
	// Type is the resource type; default "repository". The catalogue is
	// type "registry", name "catalog".
	Type    string   `yaml:"type,omitempty" json:"type,omitempty"`
	Pattern string   `yaml:"pattern" json:"pattern"`
	Actions []string `yaml:"actions" json:"actions"`
}

// DefaultRuleType is the type of a rule that names none.
const DefaultRuleType = "repository"

// Catalogue is a validated set of plans.
type Catalogue struct {
	plans map[string][]Rule
}

// NewCatalogue validates plans and indexes them by name. Every problem is
// reported, each naming its plan and rule.
func NewCatalogue(plans []Plan) (*Catalogue, error) {
	c := &Catalogue{plans: make(map[string][]Rule, len(plans))}
	var errs []error
	for i, p := range plans {
		if p.Name == "" {
			errs = append(errs, fmt.Errorf("plan %d has no name", i+1))
			continue
		}
		if _, dup := c.plans[p.Name]; dup {
			errs = append(errs, fmt.Errorf("plan %q is defined twice", p.Name))
			continue
		}
		rules := make([]Rule, 0, len(p.Repositories))
		for j, r := range p.Repositories {
			if r.Type == "" {
				r.Type = DefaultRuleType
			}
			if err := r.validate(); err != nil {
				errs = append(errs, fmt.Errorf("plan %q rule %d: %w", p.Name, j+1, err))
				continue
			}
			r.Actions = slices.Clone(r.Actions)
			rules = append(rules, r)
		}
		c.plans[p.Name] = rules
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

func (r Rule) validate() error {
	var errs []error
	if !typePattern.MatchString(r.Type) {
		errs = append(errs, fmt.Errorf("type %q is not lower-case alphanumeric", r.Type))
	}
	if err := validPattern(r.Pattern); err != nil {
		errs = append(errs, err)
	}
	if len(r.Actions) == 0 {
		errs = append(errs, errors.New("no actions"))
	}
	for _, a := range r.Actions {
		if !actionPattern.MatchString(a) {
			errs = append(errs, fmt.Errorf("action %q is not lower-case letters or *", a))
		}
	}
	return errors.Join(errs...)
}

func validPattern(p string) error {
	if p == "" || len(p) > maxNameBytes {
		return fmt.Errorf("pattern %q: want 1 to %d characters", p, maxNameBytes)
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "" {
			return fmt.Errorf("pattern %q has an empty path segment", p)
		}
		for _, ch := range seg {
			if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.ContainsRune("._-:*", ch)) {
				return fmt.Errorf("pattern %q: character %q is not allowed", p, ch)
			}
		}
	}
	return nil
}

// Has reports whether plan is in the catalogue.
func (c *Catalogue) Has(plan string) bool {
	_, ok := c.plans[plan]
	return ok
}

// Names lists the plans, sorted.
func (c *Catalogue) Names() []string {
	names := make([]string, 0, len(c.plans))
	for n := range c.plans {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Grant returns, for each requested resource, the requested actions that
// plan allows, in the order asked, without duplicates. Scopes naming the
// same resource are merged. A resource the plan does not cover stays in the
// result with no actions, so the token (and the audit event) shows what was
// asked and refused. An unknown plan grants nothing.
func (c *Catalogue) Grant(plan string, requested []Scope) []Scope {
	rules := c.plans[plan]
	out := make([]Scope, 0, len(requested))
	index := map[[3]string]int{}
	for _, s := range requested {
		key := [3]string{s.Type, s.Class, s.Name}
		i, seen := index[key]
		if !seen {
			i = len(out)
			index[key] = i
			out = append(out, Scope{Type: s.Type, Class: s.Class, Name: s.Name, Actions: []string{}})
		}
		allowed := allowedActions(rules, s)
		for _, a := range s.Actions {
			if (allowed["*"] || allowed[a]) && !slices.Contains(out[i].Actions, a) {
				out[i].Actions = append(out[i].Actions, a)
			}
		}
	}
	return out
}

func allowedActions(rules []Rule, s Scope) map[string]bool {
	allowed := map[string]bool{}
	for _, r := range rules {
		if r.Type == s.Type && MatchPattern(r.Pattern, s.Name) {
			for _, a := range r.Actions {
				allowed[a] = true
			}
		}
	}
	return allowed
}

// MatchPattern reports whether name matches pattern, "*" matching within
// one path segment: both must have the same number of segments.
func MatchPattern(pattern, name string) bool {
	if strings.Count(pattern, "/") != strings.Count(name, "/") {
		return false
	}
	for {
		p, pRest, pMore := strings.Cut(pattern, "/")
		n, nRest, _ := strings.Cut(name, "/")
		if !matchSegment(p, n) {
			return false
		}
		if !pMore {
			return true
		}
		pattern, name = pRest, nRest
	}
}

// matchSegment is a glob match where "*" is the only metacharacter. It
// backtracks only to the last star, so it is linear in practice and never
// exponential.
func matchSegment(p, s string) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(p) && p[pi] == s[si]:
			pi++
			si++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
