// Package ownership remembers who created each credential secret (seed
// 002's owner-only authorization): a bbolt projection of the secrets'
// created and deleted events, keyed by the event subject (the secret's
// storage path, tenant/scope/key), holding the creator's subject, and the
// name each secret was created with (a list's names without a read per
// secret). A secret created before the names were kept has none until the
// projections are rebuilt (registryctl audit replay); lists read it.
package owners

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cloudevents/sdk-go/v2/event"
	jsoniter "github.com/json-iterator/go"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
)

// Bucket holds event subject → creator subject.
const Bucket = "owners"

// NamesBucket holds event subject → the name the secret was created with,
// so a list shows names as given without reading every secret.
const NamesBucket = "owner-names"

// jsonData decodes event data: the data is the projection's own (written
// by this service, decoded by the same code live and in a replay), and
// json-iterator takes a quarter of encoding/json's time on it, which a
// replay of many creations spends most of its decoding in.
var jsonData = jsoniter.ConfigCompatibleWithStandardLibrary

// Projection keeps the owners.
type Projection struct{}

// Name is the projection's position key; do not rename.
func (Projection) Name() string { return "owners" }

// Buckets lists the owners and names buckets.
func (Projection) Buckets() []string { return []string{Bucket, NamesBucket} }

// Apply records a creation's actor and name and forgets a deleted secret.
func (Projection) Apply(tx *bbolt.Tx, _ uint64, e event.Event) error {
	b, names := tx.Bucket([]byte(Bucket)), tx.Bucket([]byte(NamesBucket))
	switch e.Type() {
	case events.ImagePullSecretCreated, events.PackageRegistrySecretCreated, events.FabricSecretCreated:
		var d struct {
			Actor string `json:"actor"`
			Name  string `json:"name"`
		}
		if err := jsonData.Unmarshal(e.Data(), &d); err != nil {
			return fmt.Errorf("ownership: event %s: %w", e.ID(), err)
		}
		if e.Subject() == "" {
			return nil
		}
		key := []byte(e.Subject()) // one copy for both buckets: bbolt keeps it until commit
		if d.Name != "" {
			if err := names.Put(key, []byte(d.Name)); err != nil {
				return err
			}
		}
		if d.Actor == "" {
			return nil
		}
		return b.Put(key, []byte(d.Actor))
	case events.ImagePullSecretDeleted, events.PackageRegistrySecretDeleted, events.FabricSecretDeleted:
		if e.Subject() == "" {
			return nil
		}
		key := []byte(e.Subject())
		if err := names.Delete(key); err != nil {
			return err
		}
		return b.Delete(key)
	}
	return nil
}

// View reads the owners.
type View struct{ db *bbolt.DB }

// NewView reads db, the projections database.
func NewView(db *bbolt.DB) (*View, error) {
	if db == nil {
		return nil, errors.New("ownership: nil database")
	}
	return &View{db: db}, nil
}

// Owner returns the subject that created the secret at path subject
// (tenant/scope/key), "" when unknown.
func (v *View) Owner(subject string) (string, error) {
	var owner string
	err := v.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket([]byte(Bucket)); b != nil {
			owner = string(b.Get([]byte(subject)))
		}
		return nil
	})
	return owner, err
}

// Names returns, for every secret under prefix ("tenant/scope/"), its key
// (the subject after prefix) → the name it was created with.
func (v *View) Names(prefix string) (map[string]string, error) {
	out := map[string]string{}
	err := v.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(NamesBucket))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, val := c.Seek([]byte(prefix)); k != nil && bytes.HasPrefix(k, []byte(prefix)); k, val = c.Next() {
			out[string(k[len(prefix):])] = string(val)
		}
		return nil
	})
	return out, err
}
