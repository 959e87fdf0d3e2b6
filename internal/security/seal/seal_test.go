package seal_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/security/seal"
)

const plaintext = "hunter2-very-secret-password"

func newRing(t *testing.T) *seal.Keyring {
	t.Helper()
	ring, err := seal.NewKeyring()
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return ring
}

// assertNoLeak fails if err's message holds any of the given secrets.
func assertNoLeak(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Fatalf("error %q leaks secret material", err)
		}
	}
}

func TestSealRoundTrip(t *testing.T) {
	t.Parallel()
	ring := newRing(t)
	cases := []struct {
		name  string
		plain []byte
		aad   []byte
	}{
		{"text", []byte(plaintext), []byte("image-pull/a/b#v1")},
		{"empty plaintext", []byte{}, []byte("p")},
		{"nil aad", []byte("x"), nil},
		{"large", bytes.Repeat([]byte{0xAB}, 1<<20), []byte("p")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sealed, err := ring.Seal(tc.plain, tc.aad)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if len(tc.plain) > 4 && bytes.Contains(sealed, tc.plain) {
				t.Fatal("sealed value contains the plaintext")
			}
			id, err := ring.KeyID(sealed)
			if err != nil || id != ring.CurrentID() {
				t.Fatalf("KeyID = %d, %v; want %d", id, err, ring.CurrentID())
			}
			got, err := ring.Open(sealed, tc.aad)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, tc.plain) {
				t.Fatal("Open returned different bytes")
			}
		})
	}
}

func TestSealNoncesDiffer(t *testing.T) {
	t.Parallel()
	ring := newRing(t)
	a, _ := ring.Seal([]byte(plaintext), nil)
	b, _ := ring.Seal([]byte(plaintext), nil)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of one plaintext are equal: nonce reused")
	}
}

func TestOpenFailures(t *testing.T) {
	t.Parallel()
	ring := newRing(t)
	aad := []byte("image-pull/tenant-a/s#v1")
	sealed, err := ring.Seal([]byte(plaintext), aad)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	rotated, err := ring.Rotate()
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	newer, err := rotated.Seal([]byte(plaintext), aad)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	cases := []struct {
		name   string
		ring   *seal.Keyring
		sealed []byte
		aad    []byte
	}{
		{"wrong aad", ring, sealed, []byte("image-pull/tenant-b/s#v1")},
		{"missing aad", ring, sealed, nil},
		{"tampered format", ring, flip(0), aad},
		{"tampered key id", ring, flip(4), aad},
		{"tampered nonce", ring, flip(8), aad},
		{"tampered ciphertext", ring, flip(20), aad},
		{"tampered tag", ring, flip(len(sealed) - 1), aad},
		{"truncated", ring, sealed[:len(sealed)-1], aad},
		{"too short", ring, sealed[:3], aad},
		{"empty", ring, nil, aad},
		{"unknown key id", ring, newer, aad},
		{"other ring same id", newRing(t), sealed, aad},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.ring.Open(tc.sealed, tc.aad)
			if !errors.Is(err, seal.ErrOpen) {
				t.Fatalf("Open = %q, %v; want ErrOpen", got, err)
			}
			assertNoLeak(t, err, append(ringKeys(tc.ring), plaintext)...)
		})
	}
}

func TestRotate(t *testing.T) {
	t.Parallel()
	ring := newRing(t)
	old, _ := ring.Seal([]byte(plaintext), []byte("p"))
	rotated, err := ring.Rotate()
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if ring.CurrentID() != 1 || rotated.CurrentID() != 2 {
		t.Fatalf("ids = %d, %d; want 1, 2", ring.CurrentID(), rotated.CurrentID())
	}
	if got, err := rotated.Open(old, []byte("p")); err != nil || string(got) != plaintext {
		t.Fatalf("rotated ring cannot open old value: %v", err)
	}
	fresh, _ := rotated.Seal([]byte(plaintext), []byte("p"))
	if id, _ := rotated.KeyID(fresh); id != 2 {
		t.Fatalf("new value sealed under key %d, want 2", id)
	}
}

func TestStringHidesKeys(t *testing.T) {
	t.Parallel()
	ring := newRing(t)
	for _, s := range []string{ring.String(), fmt.Sprintf("%v %+v %#v %s", ring, ring, ring, ring)} {
		for _, key := range ringKeys(ring) {
			if strings.Contains(s, key) {
				t.Fatalf("%q shows key material", s)
			}
		}
	}
}

// ringKeys returns the base64 keys of ring, as they appear in Marshal.
func ringKeys(ring *seal.Keyring) []string {
	var keys []string
	for _, line := range strings.Split(string(ring.Marshal()), "\n") {
		if f := strings.Fields(line); len(f) == 2 && !strings.HasPrefix(line, "#") {
			keys = append(keys, f[1])
		}
	}
	return keys
}
