package seal

import (
	"fmt"
	"strings"

	"github.com/hypo-registry/registry/internal/security/keyfile"
)

// LoadKeyring returns the ring registryd seals with. env is the content of
// REGISTRY_SEAL_KEY (read by cmd/, passed in here): when set it wins, so a
// deployment can keep keys out of the data directory. It uses the text form
// of ParseKeyring, or a single bare base64 key meaning id 1. Otherwise the
// ring is read from file, created 0600 with one new key on first run.
func LoadKeyring(file, env string) (*Keyring, error) {
	if env = strings.TrimSpace(env); env != "" {
		if len(strings.Fields(env)) == 1 {
			env = "1 " + env
		}
		ring, err := ParseKeyring([]byte(env))
		if err != nil {
			return nil, fmt.Errorf("seal load REGISTRY_SEAL_KEY: %w", err)
		}
		return ring, nil
	}
	b, err := keyfile.LoadOrCreate(file, func() ([]byte, error) {
		ring, err := NewKeyring()
		if err != nil {
			return nil, err
		}
		return ring.Marshal(), nil
	})
	if err != nil {
		return nil, fmt.Errorf("seal load: %w", err)
	}
	ring, err := ParseKeyring(b)
	if err != nil {
		return nil, fmt.Errorf("seal load %s: %w", file, err)
	}
	return ring, nil
}
