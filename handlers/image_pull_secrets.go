package handlers

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/hypo-registry/registry/secretpath"
)

// ImagePullSecrets handles the image-pull secret commands of seed 000:
// Docker registry credentials stored at image-pull/{tenant}/{name} with the
// keys username, password and url.
type ImagePullSecrets struct {
	store SecretStore
}

// NewImagePullSecrets refuses a nil store.
func NewImagePullSecrets(store SecretStore) (*ImagePullSecrets, error) {
	if store == nil {
		return nil, errors.New("image-pull secrets: nil secret store")
	}
	return &ImagePullSecrets{store: store}, nil
}

// Field limits: generous for real credentials, small enough that a body
// cannot turn the store into a blob store.
const (
	maxUsername = 1024
	maxPassword = 16 << 10
	maxURL      = 2048
)

// RegistryCredential is the reply of a read: the secret values, for the
// authorised caller only.
type RegistryCredential struct {
	Name        string    `json:"name"`
	Username    string    `json:"username"`
	Password    string    `json:"password"`
	URL         string    `json:"url,omitempty"`
	Version     int       `json:"version"`
	CreatedTime time.Time `json:"createdTime"`
	UpdatedTime time.Time `json:"updatedTime"`
}

// SecretWritten is the reply of a create or update: metadata only.
type SecretWritten struct {
	Name        string    `json:"name"`
	Version     int       `json:"version"`
	CreatedTime time.Time `json:"createdTime"`
	UpdatedTime time.Time `json:"updatedTime"`
}

func imagePullPath(c Caller, name string) (secretpath.Path, error) {
	p, err := secretpath.New(secretpath.ImagePull, c.Tenant, name)
	if err != nil {
		return p, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return p, nil
}

func subject(p secretpath.Path) string { return p.Tenant + "/" + string(p.Scope) + "/" + p.Name }

// storeErr reports another tenant's path as not found, never as forbidden,
// so a caller learns nothing of other tenants' names.
func storeErr(op string, p secretpath.Path, err error) error {
	if errors.Is(err, ErrForbidden) {
		return fmt.Errorf("%s %s: %w", op, p.Name, ErrNotFound)
	}
	return fmt.Errorf("%s %s: %w", op, p.Name, err)
}

func checkCredentialFields(username, password, rawURL string, required bool) error {
	var errs []error
	if required && username == "" {
		errs = append(errs, errors.New("username is required"))
	}
	if required && password == "" {
		errs = append(errs, errors.New("password is required"))
	}
	if len(username) > maxUsername {
		errs = append(errs, fmt.Errorf("username is longer than %d bytes", maxUsername))
	}
	if len(password) > maxPassword {
		errs = append(errs, fmt.Errorf("password is longer than %d bytes", maxPassword))
	}
	if strings.IndexFunc(username, unicode.IsControl) >= 0 {
		errs = append(errs, errors.New("username contains control characters"))
	}
	if rawURL != "" {
		if err := checkRegistryURL(rawURL); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}
	return nil
}

// checkRegistryURL accepts an http(s) URL or a bare registry host[:port][/path].
func checkRegistryURL(raw string) error {
	if len(raw) > maxURL {
		return fmt.Errorf("url is longer than %d bytes", maxURL)
	}
	if strings.IndexFunc(raw, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return errors.New("url contains spaces or control characters")
	}
	candidate := raw
	if !strings.Contains(raw, "://") {
		candidate = "https://" + raw
	}
	u, err := url.Parse(candidate)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "oci") {
		return errors.New("url must be an http(s) URL or a registry host")
	}
	if u.User != nil {
		return errors.New("url must not embed credentials")
	}
	return nil
}

func changedFields(username, password, url *string) []string {
	var f []string
	if password != nil {
		f = append(f, "password")
	}
	if url != nil {
		f = append(f, "url")
	}
	if username != nil {
		f = append(f, "username")
	}
	return f
}
