package seal_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/security/seal"
)

// FuzzParseKeyring: an accepted keyring file writes back (Marshal) to one
// that parses to the same keyring, its highest id current; a refusal is
// ErrKeyring and never quotes a line, which may hold a key.
func FuzzParseKeyring(f *testing.F) {
	k32 := b64(32, 'k')
	for _, s := range []string{
		"1 " + k32 + "\n", "# c\n\n1 " + k32 + "\n2 " + b64(32, 'm') + "\n", "1 " + k32 + "\n1 " + k32 + "\n",
		"0 " + k32, "-1 " + k32, "4294967296 " + k32, "1 " + b64(31, 'k'), "1 " + k32 + " extra", "1 !!!!", "", "# only\n",
		" 7\t" + k32 + " \r\n", "+1 " + k32, "01 " + k32,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ring, err := seal.ParseKeyring(b)
		if err != nil {
			if !errors.Is(err, seal.ErrKeyring) {
				t.Fatalf("ParseKeyring refused with %v, not ErrKeyring", err)
			}
			for _, field := range strings.Fields(string(b)) {
				if len(field) >= 16 && strings.Contains(err.Error(), field) {
					t.Fatalf("refusal quotes %q: %v", field, err)
				}
			}
			return
		}
		out := ring.Marshal()
		back, err := seal.ParseKeyring(out)
		if err != nil || !bytes.Equal(back.Marshal(), out) || back.CurrentID() != ring.CurrentID() {
			t.Fatalf("keyring %q written as %q reads back as %v, %v", b, out, back, err)
		}
		// The current key seals, and a value opens under the ring it came from.
		sealed, err := ring.Seal([]byte("v"), []byte("aad"))
		if err != nil {
			t.Fatal(err)
		}
		if id, err := back.KeyID(sealed); err != nil || id != ring.CurrentID() {
			t.Fatalf("sealed under %d, key id %d, %v", ring.CurrentID(), id, err)
		}
		if plain, err := back.Open(sealed, []byte("aad")); err != nil || string(plain) != "v" {
			t.Fatalf("open = %q, %v", plain, err)
		}
	})
}

// FuzzOpen: stored bytes open only when sealed here with the same AAD;
// anything else is ErrOpen. A value sealed from fuzzed plaintext and AAD
// opens to the same plaintext and not under another AAD.
func FuzzOpen(f *testing.F) {
	ring, err := seal.ParseKeyring([]byte("1 " + b64(32, 'a') + "\n2 " + b64(32, 'b') + "\n"))
	if err != nil {
		f.Fatal(err)
	}
	good, err := ring.Seal([]byte("secret"), []byte("image-pull/tenant-a/s"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, []byte("secret"), []byte("image-pull/tenant-a/s"))
	f.Add(good[:20], []byte(""), []byte("x"))
	f.Add([]byte{1, 0, 0, 0, 9}, []byte("p"), []byte(nil))
	f.Add([]byte{2}, []byte("p"), []byte("a"))
	f.Add([]byte(nil), []byte(nil), []byte(nil))
	f.Fuzz(func(t *testing.T, stored, plain, aad []byte) {
		if out, err := ring.Open(stored, aad); err == nil {
			// Only "secret" was ever sealed under these keys outside this
			// function (the seed, sealed afresh in each process, so with
			// another nonce): nothing else may open.
			if len(stored) != len(good) || !bytes.Equal(aad, []byte("image-pull/tenant-a/s")) || string(out) != "secret" {
				t.Fatalf("forged value %x opened under aad %q to %q", stored, aad, out)
			}
		} else if !errors.Is(err, seal.ErrOpen) {
			t.Fatalf("Open refused with %v, not ErrOpen", err)
		}
		sealed, err := ring.Seal(plain, aad)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := ring.Open(sealed, aad); err != nil || !bytes.Equal(out, plain) {
			t.Fatalf("Seal/Open of %q: %q, %v", plain, out, err)
		}
		if _, err := ring.Open(sealed, append(bytes.Clone(aad), 0)); !errors.Is(err, seal.ErrOpen) {
			t.Fatalf("opened under another aad: %v", err)
		}
	})
}
