package registrytoken

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultConfigFile is read when REGISTRY_TOKEN_CONFIG is unset; it may be
// missing. registryd reads the variables and overlays them on the file.
const DefaultConfigFile = "etc/registry-token.yaml"

// LoadFile reads a YAML configuration file. Unknown keys are an error, so a
// misspelt setting is not silently ignored.
func LoadFile(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	// An empty file is io.EOF: the zero Config.
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// ParsePlans reads a plan catalogue given as one value (REGISTRY_TOKEN_PLANS):
// a YAML or JSON list of plans, YAML being a superset of JSON. Unknown keys
// are an error, as in the file.
func ParsePlans(s string) ([]Plan, error) {
	var plans []Plan
	dec := yaml.NewDecoder(strings.NewReader(s))
	dec.KnownFields(true)
	if err := dec.Decode(&plans); err != nil {
		return plans, err
	}
	return plans, nil
}
