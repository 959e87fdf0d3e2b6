package app

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/hypo-registry/registry/internal/app/datadir"
)

// instanceIDPattern is what an instance id may be: it names a Kafka
// consumer group and appears in responses and logs.
var instanceIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// loadInstanceID returns this instance's id, kept in the data directory
// beside the projections it names the consumer group of: configured
// (REGISTRY_INSTANCE_ID), else the one stored at the first start, else the
// hostname, stored now. A pod of a StatefulSet keeps its volume, so it keeps
// its id (and its projections' group) whatever it is rescheduled as; a new
// volume is a new instance, whose projections start from the beginning.
func loadInstanceID(dataDir, configured, hostname string) (string, error) {
	path := datadir.Path(dataDir, datadir.InstanceID)
	stored, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read %s: %w", datadir.InstanceID, err)
	}
	id := strings.TrimSpace(string(stored))
	switch {
	case configured != "":
		if !instanceIDPattern.MatchString(configured) {
			return "", fmt.Errorf("REGISTRY_INSTANCE_ID %q: want 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit", configured)
		}
		if id == configured {
			return id, nil
		}
		id = configured
	case id != "":
		if !instanceIDPattern.MatchString(id) {
			return "", fmt.Errorf("%s holds %q, which is not an instance id: fix or remove it", path, id)
		}
		return id, nil
	default:
		id = strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
				return r
			}
			return '-'
		}, hostname)
		if !instanceIDPattern.MatchString(id) {
			id = "registryd"
		}
	}
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", datadir.InstanceID, err)
	}
	return id, nil
}
