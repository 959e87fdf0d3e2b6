package oidcdev

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/hypo-registry/registry/internal/security/keyfile"
)

// DevState is the file an issuer with Options.KeyFile keeps (registryd --dev
// writes it as <data-dir>/dev-issuer.json). It holds private keys: it is
// written 0600 and loading refuses a file others can read.
type DevState struct {
	Issuer   string      `json:"issuer"`
	Audience string      `json:"audience"`
	Keys     []StoredKey `json:"keys"` // the last one signs
	// Passwords are the users' passwords, by username, so a restarted
	// issuer keeps them and `registryctl dev users` can show them.
	Passwords map[string]string `json:"passwords,omitempty"`
}

// DevPasswords returns a password for each of names: the one the DevState
// at path keeps, or a fresh random one. It writes nothing: the issuer
// persists its Users' passwords when it starts with that KeyFile.
func DevPasswords(path string, names ...string) (map[string]string, error) {
	var kept map[string]string
	s, err := LoadDevState(path)
	switch {
	case err == nil:
		kept = s.Passwords
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("dev passwords: %w", err)
	}
	out := make(map[string]string, len(names))
	for _, n := range names {
		if pw := kept[n]; pw != "" {
			out[n] = pw
		} else {
			out[n] = rand.Text()
		}
	}
	return out, nil
}

// StoredKey is one persisted RSA key, PKCS#8 PEM.
type StoredKey struct {
	KID           string `json:"kid"`
	Retired       bool   `json:"retired,omitempty"`
	PrivateKeyPEM string `json:"private_key_pem"`
}

// WriteDevState replaces path with s, atomically (temp file and rename), so
// a concurrent reader never sees half a key.
func WriteDevState(path string, s DevState) error {
	if s.Issuer == "" || s.Audience == "" || len(s.Keys) == 0 {
		return fmt.Errorf("write dev state %s: issuer, audience and a key are required", path)
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("write dev state %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write dev state %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, ".dev-issuer-*.tmp") // created 0600
	if err != nil {
		return fmt.Errorf("write dev state %s: %w", path, err)
	}
	defer os.Remove(f.Name()) // no-op after the rename
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write dev state %s: %w", path, err)
	}
	return nil
}

// LoadDevState reads path. A missing file wraps fs.ErrNotExist.
func LoadDevState(path string) (DevState, error) {
	b, err := keyfile.Load(path)
	if err != nil {
		return DevState{}, fmt.Errorf("load dev state: %w", err)
	}
	var s DevState
	if err := json.Unmarshal(b, &s); err != nil {
		return DevState{}, fmt.Errorf("load dev state %s: %w", path, err)
	}
	if s.Issuer == "" || s.Audience == "" || len(s.Keys) == 0 {
		return DevState{}, fmt.Errorf("load dev state %s: issuer, audience or keys missing", path)
	}
	return s, nil
}

// MintFromKeyFile mints a token with the signing key, issuer and audience of
// the DevState at path, without a running issuer: what `registryctl dev
// token` does. A verifier accepts it as long as the issuer serving that
// state's JWKS is up.
func MintFromKeyFile(path string, c Claims) (string, error) {
	s, err := LoadDevState(path)
	if err != nil {
		return "", fmt.Errorf("mint from key file: %w", err)
	}
	keys, err := decodeKeys(s.Keys)
	if err != nil {
		return "", fmt.Errorf("mint from key file %s: %w", path, err)
	}
	i := &Issuer{opts: Options{Issuer: s.Issuer, Audience: s.Audience, TTL: time.Hour}, keys: keys}
	return i.Mint(c)
}

// loadOrCreateKeys returns the keys of opts.KeyFile, creating it with one
// fresh key if missing. A file naming another issuer, audience or users'
// passwords (registryd restarted on another address) keeps its keys and is
// updated to opts.
func loadOrCreateKeys(opts Options) ([]*signingKey, error) {
	b, err := keyfile.LoadOrCreate(opts.KeyFile, func() ([]byte, error) {
		k, err := newSigningKey()
		if err != nil {
			return nil, err
		}
		s, err := stateOf(opts, []*signingKey{k})
		if err != nil {
			return nil, err
		}
		return json.MarshalIndent(s, "", "  ")
	})
	if err != nil {
		return nil, fmt.Errorf("load keys: %w", err)
	}
	var s DevState
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("load keys %s: %w", opts.KeyFile, err)
	}
	keys, err := decodeKeys(s.Keys)
	if err != nil {
		return nil, fmt.Errorf("load keys %s: %w", opts.KeyFile, err)
	}
	if pw := passwordsOf(opts); s.Issuer != opts.Issuer || s.Audience != opts.Audience || !maps.Equal(s.Passwords, pw) {
		s.Issuer, s.Audience, s.Passwords = opts.Issuer, opts.Audience, pw
		if err := WriteDevState(opts.KeyFile, s); err != nil {
			return nil, fmt.Errorf("load keys: %w", err)
		}
	}
	return keys, nil
}

func decodeKeys(stored []StoredKey) ([]*signingKey, error) {
	if len(stored) == 0 {
		return nil, errors.New("no keys")
	}
	keys := make([]*signingKey, 0, len(stored))
	for _, s := range stored {
		k, err := fromStored(s)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// passwordsOf is what a DevState keeps of opts.Users.
func passwordsOf(opts Options) map[string]string {
	if len(opts.Users) == 0 {
		return nil
	}
	pw := make(map[string]string, len(opts.Users))
	for name, u := range opts.Users {
		pw[name] = u.Password
	}
	return pw
}

func stateOf(opts Options, keys []*signingKey) (DevState, error) {
	s := DevState{Issuer: opts.Issuer, Audience: opts.Audience, Passwords: passwordsOf(opts)}
	for _, k := range keys {
		sk, err := k.stored()
		if err != nil {
			return DevState{}, err
		}
		s.Keys = append(s.Keys, sk)
	}
	return s, nil
}
