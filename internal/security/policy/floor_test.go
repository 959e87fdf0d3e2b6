package policy_test

import (
	"context"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/security/policy"
)

func BenchmarkDecideTrivial(b *testing.B) {
	p := writePolicy(b, b.TempDir(), "p.rego", "package registry.authz\n\nallow := true\n")
	e, err := policy.Load(context.Background(), policy.Config{Path: p, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	in := restGet("/registry-api/image-pull/secret/{name}", "image-pull", monday10)
	b.ReportAllocs()
	for b.Loop() {
		in.Time = time.Now()
		if d := e.Decide(context.Background(), in); !d.Allow {
			b.Fatal(d)
		}
	}
}
