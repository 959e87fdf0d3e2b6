package bolt_test

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/secrets/bolt"
	"github.com/hypo-registry/registry/internal/security/seal"
)

// TestKeyRotation walks a rotation end to end: write under key 1, rotate,
// read old values and write new ones under key 2, Reseal, then retire key 1.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	ring1 := newRing(t)
	store, file := openStore(t, ring1, bolt.Options{})
	want := map[string]handlers.SecretData{}
	write := func(store *bolt.Store, name, value string) {
		t.Helper()
		data := handlers.SecretData{"k": value}
		meta, err := store.Write(t.Context(), caller("acme"), mustPath(t, "acme", name), data, nil)
		if err != nil {
			t.Fatalf("Write %s: %v", name, err)
		}
		want[name+"#v"+string(rune('0'+meta.CurrentVersion))] = data
	}
	write(store, "a", "a1")
	write(store, "a", "a2")
	write(store, "b", "b1")
	store.Close()
	assertKeyIDs(t, ring1, file, map[string]uint32{"a#v1": 1, "a#v2": 1, "b#v1": 1})

	ring2, err := ring1.Rotate()
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	store = reopen(t, file, ring2, bolt.Options{})
	assertReads(t, store, want)
	write(store, "c", "c1")
	store.Close()
	assertKeyIDs(t, ring2, file, map[string]uint32{"a#v1": 1, "a#v2": 1, "b#v1": 1, "c#v1": 2})

	store = reopen(t, file, ring2, bolt.Options{})
	results, err := store.Reseal(t.Context())
	if err != nil {
		t.Fatalf("Reseal: %v", err)
	}
	if len(results) != 4 {
		t.Fatalf("Reseal results = %v, want 4 versions", results)
	}
	for key, err := range results {
		if err != nil {
			t.Fatalf("Reseal %s: %v", key, err)
		}
	}
	store.Close()
	assertKeyIDs(t, ring2, file, map[string]uint32{"a#v1": 2, "a#v2": 2, "b#v1": 2, "c#v1": 2})

	ring3 := withoutKey(t, ring2, 1)
	store = reopen(t, file, ring3, bolt.Options{})
	assertReads(t, store, want)
}

// TestResealReportsUnopenable: a value the ring cannot open is reported and
// left as it was, and the rest are still re-sealed.
func TestResealReportsUnopenable(t *testing.T) {
	t.Parallel()
	ring1 := newRing(t)
	store, file := openStore(t, ring1, bolt.Options{})
	if _, err := store.Write(t.Context(), caller("acme"), mustPath(t, "acme", "old"), handlers.SecretData{"k": "v"}, nil); err != nil {
		t.Fatalf("Write: %v", err)
	}
	store.Close()
	stranger := newRing(t) // id 1 as well, but a different key
	ring2, err := stranger.Rotate()
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	store = reopen(t, file, ring2, bolt.Options{})
	results, err := store.Reseal(t.Context())
	if err != nil {
		t.Fatalf("Reseal: %v", err)
	}
	if err := results["image-pull/acme/old#v1"]; err == nil || strings.Contains(err.Error(), "\"v\"") {
		t.Fatalf("Reseal result = %v, want an error without the value", err)
	}
	store.Close()
	assertKeyIDs(t, ring1, file, map[string]uint32{"old#v1": 1})
}

func assertReads(t *testing.T, store *bolt.Store, want map[string]handlers.SecretData) {
	t.Helper()
	for key, data := range want {
		name, v, _ := strings.Cut(key, "#v")
		got, err := store.Read(t.Context(), caller("acme"), mustPath(t, "acme", name), int(v[0]-'0'))
		if err != nil {
			t.Fatalf("Read %s: %v", key, err)
		}
		if !maps.Equal(got.Data, data) {
			t.Fatalf("Read %s = %v, want %v", key, got.Data, data)
		}
	}
}

// assertKeyIDs checks which key sealed each version (keys relative to
// image-pull/acme/).
func assertKeyIDs(t *testing.T, ring *seal.Keyring, file string, want map[string]uint32) {
	t.Helper()
	got := map[string]uint32{}
	for key, sealed := range rawVersions(t, file) {
		id, err := ring.KeyID(sealed)
		if err != nil {
			t.Fatalf("KeyID %s: %v", key, err)
		}
		got[strings.TrimPrefix(key, "image-pull/acme/")] = id
	}
	if !maps.Equal(got, want) {
		t.Fatalf("key ids = %v, want %v", got, want)
	}
}

// withoutKey returns ring minus key id, as an operator retiring it would.
func withoutKey(t *testing.T, ring *seal.Keyring, id uint32) *seal.Keyring {
	t.Helper()
	var kept []string
	for _, line := range strings.Split(string(ring.Marshal()), "\n") {
		if !strings.HasPrefix(line, fmt.Sprintf("%d ", id)) {
			kept = append(kept, line)
		}
	}
	out, err := seal.ParseKeyring([]byte(strings.Join(kept, "\n")))
	if err != nil {
		t.Fatalf("ParseKeyring: %v", err)
	}
	if strings.Count(string(out.Marshal()), "\n") != strings.Count(string(ring.Marshal()), "\n")-1 {
		t.Fatalf("key %d was not removed", id)
	}
	return out
}
