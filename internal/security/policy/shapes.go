package policy

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// A REST route or a Kafka topic is asked the same question many times,
// and most policies decide it without looking at who asks or when (the
// shipped ones allow every image-pull read whoever reads it). For each
// request shape (entry point, method, route, topic, action, resource
// scope) the engine partially evaluates the decision once, with the
// caller, the time and the resource's tenant, name and owner unknown. When
// what remains depends on none of them (no reference to input, no
// non-deterministic built-in), every request of that shape gets the same
// decision, so the first one's decision is kept and reused: the policy
// still decides, it is simply not asked again what it has already proved.
// Any other shape is evaluated per request. /token scopes name
// repositories, so token decisions are never kept.

// maxShapes bounds the shapes remembered per policy: routes and topics
// are a fixed set, this only guards against a surprise.
const maxShapes = 1024

// shape is what a request of REST or Kafka is known by before its caller.
type shape struct {
	entry, method, route, topic, action, scope string
}

// shapeOf is in's shape; ok is false for requests never kept (/token).
func shapeOf(in *Input) (shape, bool) {
	if in.EntryPoint == EntryToken {
		return shape{}, false
	}
	return shape{in.EntryPoint, in.Method, in.Route, in.Topic, in.Action, in.Resource.Scope}, in.Scope == ""
}

// shapeDecision is a shape's verdict: constant with its decision, or not.
type shapeDecision struct {
	constant bool
	d        Decision
}

// shapes remembers the verdicts of one compiled policy. Reads are lock
// free (a map replaced on each write); writes are rare.
type shapes struct {
	known atomic.Pointer[map[shape]shapeDecision]
	mu    sync.Mutex
}

func (s *shapes) lookup(sh shape) (shapeDecision, bool) {
	m := s.known.Load()
	if m == nil {
		return shapeDecision{}, false
	}
	v, ok := (*m)[sh]
	return v, ok
}

func (s *shapes) store(sh shape, v shapeDecision) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.known.Load()
	n := 0
	if old != nil {
		n = len(*old)
	}
	if n >= maxShapes {
		return
	}
	m := make(map[shape]shapeDecision, n+1)
	if old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	m[sh] = v
	s.known.Store(&m)
}

// unknownInput is what a shape does not fix.
var unknownInput = []string{"input.caller", "input.time", "input.resource.tenant", "input.resource.name", "input.resource.owner"}

// constantFor reports whether the decision is the same for every request
// of shape sh: its partial evaluation refers to no input and calls no
// non-deterministic built-in. Any doubt (an error) is "no".
func (c *compiled) constantFor(ctx context.Context, sh shape) bool {
	known := ast.NewObject(
		ast.Item(ast.StringTerm("version"), ast.IntNumberTerm(InputVersion)),
		ast.Item(ast.StringTerm("entrypoint"), ast.StringTerm(sh.entry)),
		ast.Item(ast.StringTerm("method"), ast.StringTerm(sh.method)),
		ast.Item(ast.StringTerm("route"), ast.StringTerm(sh.route)),
		ast.Item(ast.StringTerm("topic"), ast.StringTerm(sh.topic)),
		ast.Item(ast.StringTerm("scope"), ast.StringTerm("")),
		ast.Item(ast.StringTerm("action"), ast.StringTerm(sh.action)),
		ast.Item(ast.StringTerm("resource"), ast.ObjectTerm(ast.Item(ast.StringTerm("scope"), ast.StringTerm(sh.scope)))),
	)
	pq, err := rego.New(
		rego.ParsedQuery(ast.NewBody(ast.NewExpr(ast.NewTerm(c.ref)))),
		rego.Compiler(c.compiler), rego.Store(inmem.New()),
		rego.ParsedInput(known), rego.Unknowns(unknownInput),
	).Partial(ctx)
	if err != nil {
		return false
	}
	constant := true
	visit := func(x any) bool {
		switch v := x.(type) {
		case ast.Ref:
			if v.HasPrefix(ast.InputRootRef) {
				constant = false
			}
		case *ast.Expr:
			if v.IsCall() {
				if b, ok := ast.BuiltinMap[v.Operator().String()]; !ok || b.Nondeterministic {
					// Not a built-in is a rule of the residual policy
					// (data.partial…): fine. A non-deterministic
					// built-in is not.
					if ok || !v.Operator().HasPrefix(ast.DefaultRootRef) {
						constant = false
					}
				}
			}
		}
		return !constant
	}
	for _, q := range pq.Queries {
		ast.NewGenericVisitor(visit).Walk(q)
	}
	for _, m := range pq.Support {
		ast.NewGenericVisitor(visit).Walk(m)
	}
	return constant
}
