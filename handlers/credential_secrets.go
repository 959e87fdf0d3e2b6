package handlers

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hypo-registry/registry/internal/plainjson"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// credentialSecrets is the one implementation of the username/password
// resources of seed 000: image-pull secrets, package-registry secrets and
// Fabric Ziti credentials. Each resource keeps command types of its own (the
// bus routes by command type name, and a type name is part of a handler's
// identity) whose handler methods delegate here; what differs between the
// resources is the scope and the credentialKind.
type credentialSecrets struct {
	store SecretStore
	scope secretpath.Scope
	kind  credentialKind
	// owners and admins: owner-only writes (OwnerOnly); nil owners: off.
	owners Owners
	admins []string
	// names, when set (ListNames), answers a list's names as created.
	names CreatedNames
}

// credentialKind is what sets one credential resource apart.
type credentialKind struct {
	// noun names the resource in errors: "image-pull secret".
	noun string
	// The outcome event types.
	created, updated, deleted, read, listed string
	// withURL: the secret has the optional url key besides username and
	// password.
	withURL bool
	// key maps a name to its storage key (one path segment). nil: the name
	// is the key. When set, the name as given is kept in the secret under
	// nameKey, so a list can show it.
	key func(name string) (string, error)
	// display recovers a name from a key, for a secret without nameKey
	// (written outside this service).
	display func(key string) string
}

// nameKey is the reserved secret key holding the name as given, for
// resources whose storage key is derived from the name. It is never read
// from a request body.
const nameKey = "name"

func newCredentialSecrets(store SecretStore, scope secretpath.Scope, kind credentialKind, opts []CredentialOption) (credentialSecrets, error) {
	if store == nil {
		return credentialSecrets{}, fmt.Errorf("%ss: nil secret store", kind.noun)
	}
	if !scope.Valid() {
		return credentialSecrets{}, fmt.Errorf("%ss: unknown scope %q", kind.noun, scope)
	}
	s := credentialSecrets{store: store, scope: scope, kind: kind}
	for _, o := range opts {
		if err := o(&s); err != nil {
			return credentialSecrets{}, fmt.Errorf("%ss: %w", kind.noun, err)
		}
	}
	return s, nil
}

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

// AppendJSON appends c as json.Marshal writes it, without its reflection:
// every credential read (REST, Kafka, Vault or embedded) answers with one.
// It fails, as Marshal does, for a time outside years 0–9999.
func (c RegistryCredential) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"name":`...)
	b = plainjson.AppendString(b, c.Name)
	b = append(b, `,"username":`...)
	b = plainjson.AppendString(b, c.Username)
	b = append(b, `,"password":`...)
	b = plainjson.AppendString(b, c.Password)
	if c.URL != "" {
		b = append(b, `,"url":`...)
		b = plainjson.AppendString(b, c.URL)
	}
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(c.Version), 10)
	b = append(b, `,"createdTime":`...)
	b, err := plainjson.AppendTime(b, c.CreatedTime)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"updatedTime":`...)
	if b, err = plainjson.AppendTime(b, c.UpdatedTime); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// SecretWritten is the reply of a create or update: metadata only.
type SecretWritten struct {
	Name        string    `json:"name"`
	Version     int       `json:"version"`
	CreatedTime time.Time `json:"createdTime"`
	UpdatedTime time.Time `json:"updatedTime"`
}

// credentialFields are the values of a create.
type credentialFields struct {
	username, password, url string
}

// credentialPatch are the values of an update; nil keeps a value.
type credentialPatch struct {
	username, password, url *string
}

// path is the storage path of name for the caller's tenant.
func (s credentialSecrets) path(c Caller, name string) (secretpath.Path, error) {
	key := name
	if s.kind.key != nil {
		k, err := s.kind.key(name)
		if err != nil {
			return secretpath.Path{}, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		key = k
	}
	p, err := secretpath.New(s.scope, c.Tenant, key)
	if err != nil {
		return p, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return p, nil
}

// shownName is the name a reply gives a stored secret: the name as it was
// given at creation when the resource keeps it, else the name asked for.
func (s credentialSecrets) shownName(sec Secret, asked string) string {
	if s.kind.key != nil && sec.Data[nameKey] != "" {
		return sec.Data[nameKey]
	}
	return asked
}

func subject(p secretpath.Path) string { return p.Tenant + "/" + string(p.Scope) + "/" + p.Name }

// storeErr reports another tenant's path as not found, never as forbidden,
// so a caller learns nothing of other tenants' names.
func storeErr(op string, p secretpath.Path, err error) error {
	return nameErr(op, p.Name, err)
}

// nameErr is storeErr naming the resource as the caller named it.
func nameErr(op, name string, err error) error {
	if errors.Is(err, ErrForbidden) {
		return fmt.Errorf("%s %s: %w", op, name, ErrNotFound)
	}
	return fmt.Errorf("%s %s: %w", op, name, err)
}
