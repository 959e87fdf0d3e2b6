package secretpath_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/secretpath"
)

var (
	errInvalid     = errors.New("invalid")
	errForbidden   = errors.New("forbidden")
	errUnavailable = errors.New("unavailable")
	refusals       = secretpath.Refusals{Invalid: errInvalid, Forbidden: errForbidden, Unavailable: errUnavailable}
)

func TestCheckAccess(t *testing.T) {
	t.Parallel()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	ok := secretpath.Path{Scope: secretpath.ImagePull, Tenant: "tenant-a", Name: "s"}
	for name, tc := range map[string]struct {
		ctx    context.Context
		caller string
		path   secretpath.Path
		want   error // nil = allowed
	}{
		"own tenant":     {context.Background(), "tenant-a", ok, nil},
		"context done":   {done, "tenant-a", ok, errUnavailable},
		"literal path":   {context.Background(), "tenant-a", secretpath.Path{Scope: secretpath.ImagePull, Tenant: "tenant-a", Name: "../x"}, errInvalid},
		"no tenant":      {context.Background(), "", ok, errForbidden},
		"another tenant": {context.Background(), "tenant-b", ok, errForbidden},
		"unknown scope":  {context.Background(), "tenant-a", secretpath.Path{Scope: "nope", Tenant: "tenant-a", Name: "s"}, errInvalid},
	} {
		err := secretpath.CheckAccess(tc.ctx, tc.caller, tc.path, refusals)
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: CheckAccess = %v, want %v", name, err, tc.want)
		}
	}
}

func TestCheckData(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		data map[string]string
		ok   bool
	}{
		"one pair":      {map[string]string{"key-x1": "value-y1"}, true},
		"empty":         {map[string]string{}, false},
		"empty key":     {map[string]string{"": "value-y2"}, false},
		"invalid utf-8": {map[string]string{"key-x3": "value-y3\xff"}, false},
	} {
		err := secretpath.CheckData(tc.data, refusals)
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, errInvalid)) {
			t.Errorf("%s: CheckData = %v, want ok=%v", name, err, tc.ok)
		}
		if err != nil && (strings.Contains(err.Error(), "key-x") || strings.Contains(err.Error(), "value-y")) {
			t.Errorf("%s: error %q names a key or value", name, err)
		}
	}
}
