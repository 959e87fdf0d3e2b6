package contract

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// storeCrossTenant: tenant B can neither see nor change tenant A's secret. Either
// sentinel is accepted: the embedded store says forbidden, Vault's policies
// may say either.
func storeCrossTenant(t *testing.T, f storeFixture) {
	p := f.path(t, "private")
	data := handlers.SecretData{"password": "tenant-a-only"}
	f.write(t, p, data, nil, 1)
	b, refused := f.otherCaller, []error{handlers.ErrForbidden, handlers.ErrNotFound}

	_, err := f.store.Read(f.ctx, b, p, 0)
	wantStoreErr(t, "other tenant Read", err, refused...)
	_, err = f.store.Read(f.ctx, b, p, 1)
	wantStoreErr(t, "other tenant Read version 1", err, refused...)
	_, err = f.store.Metadata(f.ctx, b, p)
	wantStoreErr(t, "other tenant Metadata", err, refused...)
	_, err = f.store.Write(f.ctx, b, p, handlers.SecretData{"password": "stolen"}, nil)
	wantStoreErr(t, "other tenant Write", err, refused...)
	_, err = f.store.Write(f.ctx, b, p, handlers.SecretData{"password": "stolen"}, casOf(1))
	wantStoreErr(t, "other tenant Write cas", err, refused...)
	wantStoreErr(t, "other tenant Delete", f.store.Delete(f.ctx, b, p), refused...)
	wantStoreErr(t, "other tenant Delete version", f.store.Delete(f.ctx, b, p, 1), refused...)
	wantStoreErr(t, "other tenant Destroy", f.store.Destroy(f.ctx, b, p), refused...)
	names, err := f.store.List(f.ctx, b, secretpath.ImagePull, f.tenant)
	wantStoreErr(t, fmt.Sprintf("other tenant List (got %v)", names), err, refused...)

	f.read(t, p, 0, data, 1)
	meta := f.metadata(t, p)
	if meta.CurrentVersion != 1 || !meta.Versions[1].DeletionTime.IsZero() || meta.Versions[1].Destroyed {
		t.Fatalf("Metadata after other tenant's attempts = %+v, want untouched version 1", meta)
	}
}

// storeValuesSurvive: what goes in comes out, byte for byte.
func storeValuesSurvive(t *testing.T, f storeFixture) {
	many := handlers.SecretData{}
	for i := range 200 {
		many[fmt.Sprintf("key-%03d", i)] = fmt.Sprintf("value-%d", i)
	}
	cases := []struct {
		name string
		data handlers.SecretData
	}{
		{"unicode", handlers.SecretData{"pässwörd": "héllo wörld ✓ 日本語 🔐", "ключ": "значение"}},
		{"json and whitespace", handlers.SecretData{"cfg": "{\"a\": [1, 2]}\n\ttab \\ backslash 'q' \"dq\"\r\n"}},
		{"empty value", handlers.SecretData{"blank": ""}},
		{"large value", handlers.SecretData{"blob": largeSecretValue(64 << 10)}},
		{"many keys", many},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := f
			f.ctx = t.Context()
			p := f.path(t, strings.ReplaceAll(tc.name, " ", "-"))
			f.write(t, p, tc.data, nil, 1)
			f.read(t, p, 0, tc.data, 1)
		})
	}
}

// largeSecretValue is n bytes of printable text that does not repeat quickly.
func largeSecretValue(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%08x", i*2654435761)
	}
	return b.String()[:n]
}

// storeInvalidInput: malformed commands are ErrInvalid and change nothing.
func storeInvalidInput(t *testing.T, f storeFixture) {
	var zero secretpath.Path
	data := handlers.SecretData{"k": "v"}
	_, err := f.store.Read(f.ctx, f.caller, zero, 0)
	wantStoreErr(t, "Read zero path", err, handlers.ErrInvalid)
	_, err = f.store.Write(f.ctx, f.caller, zero, data, nil)
	wantStoreErr(t, "Write zero path", err, handlers.ErrInvalid)
	p := f.path(t, "invalid")
	_, err = f.store.Write(f.ctx, f.caller, p, handlers.SecretData{}, nil)
	wantStoreErr(t, "Write empty data", err, handlers.ErrInvalid)
	_, err = f.store.Write(f.ctx, f.caller, p, nil, nil)
	wantStoreErr(t, "Write nil data", err, handlers.ErrInvalid)
	_, err = f.store.Write(f.ctx, f.caller, p, handlers.SecretData{"": "v"}, nil)
	wantStoreErr(t, "Write empty key", err, handlers.ErrInvalid)
	_, err = f.store.Metadata(f.ctx, f.caller, p)
	wantStoreErr(t, "Metadata after invalid writes", err, handlers.ErrNotFound)
}
