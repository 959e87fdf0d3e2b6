package redact_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hypo-registry/registry/internal/security/redact"
)

// goldenKey and the digests below were computed independently with
// `printf %s VALUE | openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef`.
var goldenKey = []byte("0123456789abcdef0123456789abcdef")

const (
	hmacS3cr3t  = "hmac-sha256:462b431445a3259df876b09c0717bbb60586dda58b59ad5c9cf73619d6cfd816"
	hmacEmpty   = "hmac-sha256:796cd3078af14636753d26b3b5555422ff55a3e261cf847b48e95371b9bd0aa2"
	hmacHunter2 = "hmac-sha256:3920d54ec70f500ee54e1da041d2364a8e57dd252f7a81ed8acd58ad6cf3b6d0"
	hmacAlice   = "hmac-sha256:433deb45467e4e53dbaba594c88bc3a200f705a2150788c3d11e6040e63e8510"
)

func newGoldenHasher(t *testing.T) *redact.Hasher {
	t.Helper()
	h, err := redact.NewHasher(goldenKey)
	if err != nil {
		t.Fatalf("NewHasher: %v", err)
	}
	return h
}

func TestHMACGolden(t *testing.T) {
	t.Parallel()
	h := newGoldenHasher(t)
	tests := []struct {
		name, in, want string
	}{
		{"secret", "s3cr3t", hmacS3cr3t},
		{"empty", "", hmacEmpty},
		{"password", "hunter2", hmacHunter2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := h.HMAC(tt.in); got != tt.want {
				t.Errorf("HMAC(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestNewHasherKeySize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		size    int
		wantErr bool
	}{
		{"nil", 0, true},
		{"short", 31, true},
		{"exact", 32, false},
		{"long", 64, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := redact.NewHasher(make([]byte, tt.size))
			if (err != nil) != tt.wantErr {
				t.Errorf("NewHasher(%d bytes) err = %v, wantErr %v", tt.size, err, tt.wantErr)
			}
		})
	}
}

func TestNewHasherCopiesKey(t *testing.T) {
	t.Parallel()
	key := append([]byte(nil), goldenKey...)
	h, err := redact.NewHasher(key)
	if err != nil {
		t.Fatal(err)
	}
	clear(key)
	if got := h.HMAC("s3cr3t"); got != hmacS3cr3t {
		t.Errorf("after wiping the caller's key: HMAC = %s, want %s", got, hmacS3cr3t)
	}
}

func TestLoadKey(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.key")
	first, err := redact.LoadKey(path)
	if err != nil {
		t.Fatalf("LoadKey create: %v", err)
	}
	if len(first) != 32 {
		t.Errorf("key length = %d, want 32", len(first))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %04o, want 0600", perm)
	}
	again, err := redact.LoadKey(path)
	if err != nil {
		t.Fatalf("LoadKey reload: %v", err)
	}
	if string(again) != string(first) {
		t.Error("reloaded key differs from the created one")
	}
}

// reference is HMAC as crypto/hmac computes it afresh.
func reference(key []byte, s string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return redact.Prefix + hex.EncodeToString(m.Sum(nil))
}

// FuzzHMACEqualsAFreshMAC: the pooled MACs give what a new one gives, for
// one value after another of any length.
func FuzzHMACEqualsAFreshMAC(f *testing.F) {
	for _, s := range []string{"", "hunter2", strings.Repeat("x", 5000), "é\x00\xff"} {
		f.Add(s, s+"tail")
	}
	h, err := redact.NewHasher(goldenKey)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, s := range []string{a, b, a} {
			if got, want := h.HMAC(s), reference(goldenKey, s); got != want {
				t.Fatalf("HMAC(%q) = %s, want %s", s, got, want)
			}
		}
	})
}

// TestHMACConcurrent: goroutines sharing one Hasher each get their own
// value's digest.
func TestHMACConcurrent(t *testing.T) {
	t.Parallel()
	h := newGoldenHasher(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				s := strings.Repeat(string(rune('a'+g)), i%70) + strconv.Itoa(i)
				if got, want := h.HMAC(s), reference(goldenKey, s); got != want {
					t.Errorf("HMAC(%q) = %s, want %s", s, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestHMACKeepsNoCopyOfTheValue: the pooled MAC holds no copy of the value
// hashed, which may be a secret: not in its buffer, and not in its hash's
// block buffer (it is back in the keyed state of a new MAC).
func TestHMACKeepsNoCopyOfTheValue(t *testing.T) {
	h := newGoldenHasher(t)
	seen := false
	for range 20 {
		h.HMAC("hunter2-canary")
		holds, fresh, pooled := redact.PooledInputHolds(h, "hunter2-canary")
		if holds {
			t.Fatal("a pooled MAC still holds the value it hashed")
		}
		if pooled && !fresh {
			t.Fatal("a pooled MAC's hash still holds part of the value it hashed")
		}
		seen = seen || pooled
	}
	if !seen {
		t.Fatal("no MAC was ever pooled: nothing was checked")
	}
}
