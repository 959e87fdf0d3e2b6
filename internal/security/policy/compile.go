package policy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// source is one Rego file of the policy.
type source struct {
	path string // as found, for error messages
	rel  string // relative to the policy's path, for the hash
	data []byte
}

// readSources reads path: one .rego file, or every .rego file under a
// directory except tests (*_test.rego) and hidden ones, in a stable order.
// Symbolic links to files are followed (a ConfigMap volume's files are
// links).
func readSources(path string) ([]source, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if !fi.IsDir() {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		return []source{{path: path, rel: filepath.Base(path), data: b}}, nil
	}
	var out []source
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// Hidden entries are not policy: editors' files, .git, and a
		// Kubernetes ConfigMap volume's "..data" and timestamped copies,
		// which hold every file a second time.
		if p != path && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(p, ".rego") || strings.HasSuffix(p, "_test.rego") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(path, p)
		if err != nil {
			return err
		}
		out = append(out, source{path: p, rel: filepath.ToSlash(rel), data: b})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("policy: %s holds no .rego file", path)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rel < out[j].rel })
	return out, nil
}

// hashOf is the policy's identity: SHA-256 over each file's relative path
// and content, in order.
func hashOf(srcs []source) string {
	h := sha256.New()
	for _, s := range srcs {
		fmt.Fprintf(h, "%s\x00%d\x00", s.rel, len(s.data))
		h.Write(s.data)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// compiled is a policy ready to evaluate.
type compiled struct {
	hash     string
	files    int
	query    rego.PreparedEvalQuery
	compiler *ast.Compiler
	ref      ast.Ref
	shapes   shapes
}

// compile parses (Rego v1) and compiles srcs and prepares query. Errors
// name file and line (OPA's "file:line: code: message").
func compile(ctx context.Context, srcs []source, query string) (*compiled, error) {
	ref, err := ast.ParseRef(query)
	if err != nil || !ref.HasPrefix(ast.DefaultRootRef) {
		return nil, fmt.Errorf("policy: query %q: want a reference under data, like %s", query, DefaultQuery)
	}
	modules := make(map[string]*ast.Module, len(srcs))
	var errs ast.Errors
	for _, s := range srcs {
		m, err := ast.ParseModuleWithOpts(s.path, string(s.data), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			var pe ast.Errors
			if errors.As(err, &pe) {
				errs = append(errs, pe...)
				continue
			}
			return nil, fmt.Errorf("policy: %s: %w", s.path, err)
		}
		if m == nil {
			return nil, fmt.Errorf("policy: %s: empty file", s.path)
		}
		modules[s.path] = m
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("policy does not parse: %w", errs)
	}
	compiler := ast.NewCompiler()
	if compiler.Compile(modules); compiler.Failed() {
		return nil, fmt.Errorf("policy does not compile: %w", compiler.Errors)
	}
	if len(compiler.GetRules(ref)) == 0 {
		return nil, fmt.Errorf("policy: no rule defines %s (REGISTRY_AUTHZ_POLICY_QUERY): every request would be denied", query)
	}
	pq, err := rego.New(
		rego.ParsedQuery(ast.NewBody(ast.NewExpr(ast.NewTerm(ref)))),
		rego.Compiler(compiler),
		rego.Store(inmem.New()),
		rego.StrictBuiltinErrors(true),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("policy: prepare %s: %w", query, err)
	}
	return &compiled{hash: hashOf(srcs), files: len(srcs), query: pq, compiler: compiler, ref: ref}, nil
}

// decide evaluates the prepared query over input. Anything but a boolean
// or {"allow": bool, "reason": string} is a failure, and a deny.
func (c *compiled) decide(ctx context.Context, input ast.Value) Decision {
	d := Decision{Hash: c.hash}
	rs, err := c.query.Eval(ctx, rego.EvalParsedInput(input))
	switch {
	case err != nil:
		d.Failed, d.Reason = true, err.Error()
		return d
	case len(rs) == 0 || len(rs[0].Expressions) == 0:
		d.Failed, d.Reason = true, "the decision is undefined"
		return d
	}
	switch v := rs[0].Expressions[0].Value.(type) {
	case bool:
		d.Allow = v
	case map[string]any:
		allow, ok := v["allow"].(bool)
		reason, rok := v["reason"].(string)
		if _, has := v["reason"]; !ok || (has && !rok) {
			d.Failed, d.Reason = true, `the decision object needs "allow" (a boolean) and an optional "reason" (a string)`
			return d
		}
		d.Allow, d.Reason = allow, reason
	default:
		d.Failed, d.Reason = true, fmt.Sprintf("the decision is a %T, want a boolean or an object", v)
	}
	if d.Allow {
		d.Reason = ""
	}
	return d
}
