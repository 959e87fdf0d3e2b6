package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"

	"gopkg.in/yaml.v3"
)

// maxKubeconfigBytes bounds a kubeconfig. Embedded certificates make a few
// tens of KiB; anything near this is not a kubeconfig.
const maxKubeconfigBytes = 1 << 20

// kubeconfigDoc is the part of a kubeconfig (clientcmd v1 Config) that is
// checked; every other field is kept as given, unread.
type kubeconfigDoc struct {
	APIVersion     string `yaml:"apiVersion"`
	Kind           string `yaml:"kind"`
	CurrentContext string `yaml:"current-context"`
	Clusters       []struct {
		Name    string `yaml:"name"`
		Cluster struct {
			Server string `yaml:"server"`
		} `yaml:"cluster"`
	} `yaml:"clusters"`
	Contexts []struct {
		Name    string `yaml:"name"`
		Context struct {
			Cluster string `yaml:"cluster"`
		} `yaml:"context"`
	} `yaml:"contexts"`
}

// checkKubeconfig reports, wrapping ErrInvalid, why raw is not a usable
// kubeconfig: one YAML (or JSON) document with apiVersion v1, kind Config,
// at least one cluster with an http(s) server URL, at least one context,
// and a current-context that exists and names a defined cluster. Messages
// name clusters and contexts, never values: a kubeconfig holds credentials,
// so parser errors (which may quote the input) are not passed on.
func checkKubeconfig(raw []byte) error {
	if len(raw) > maxKubeconfigBytes {
		return fmt.Errorf("%w: kubeconfig is larger than %d bytes", ErrInvalid, maxKubeconfigBytes)
	}
	var doc kubeconfigDoc
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: kubeconfig is empty", ErrInvalid)
		}
		return fmt.Errorf("%w: kubeconfig is not a valid YAML kubeconfig document", ErrInvalid)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: kubeconfig must be one YAML document", ErrInvalid)
	}
	if doc.APIVersion != "v1" || doc.Kind != "Config" {
		return fmt.Errorf("%w: not a kubeconfig: want apiVersion v1 and kind Config", ErrInvalid)
	}
	clusters := map[string]bool{}
	for _, c := range doc.Clusters {
		if !serverURL(c.Cluster.Server) {
			return fmt.Errorf("%w: kubeconfig cluster %q has no http(s) server URL", ErrInvalid, c.Name)
		}
		// client-go refuses a name defined twice; were it accepted here, the
		// check below could pass on one definition and kubectl use another.
		if clusters[c.Name] {
			return fmt.Errorf("%w: kubeconfig cluster %q is defined twice", ErrInvalid, c.Name)
		}
		clusters[c.Name] = true
	}
	if len(clusters) == 0 {
		return fmt.Errorf("%w: kubeconfig has no cluster", ErrInvalid)
	}
	if len(doc.Contexts) == 0 {
		return fmt.Errorf("%w: kubeconfig has no context", ErrInvalid)
	}
	if doc.CurrentContext == "" {
		return fmt.Errorf("%w: kubeconfig has no current-context", ErrInvalid)
	}
	contexts := map[string]bool{}
	for _, c := range doc.Contexts {
		if contexts[c.Name] {
			return fmt.Errorf("%w: kubeconfig context %q is defined twice", ErrInvalid, c.Name)
		}
		contexts[c.Name] = true
	}
	for _, c := range doc.Contexts {
		if c.Name != doc.CurrentContext {
			continue
		}
		if !clusters[c.Context.Cluster] {
			return fmt.Errorf("%w: kubeconfig context %q names no defined cluster", ErrInvalid, c.Name)
		}
		return nil
	}
	return fmt.Errorf("%w: kubeconfig current-context %q is not among its contexts", ErrInvalid, doc.CurrentContext)
}

func serverURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
