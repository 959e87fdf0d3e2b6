// Package ownership remembers who created each credential secret (seed
// 002's owner-only authorization): a bbolt projection of the secrets'
// created and deleted events, keyed by the event subject (the secret's
// storage path, tenant/scope/key), holding the creator's subject.
package owners

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
)

// Bucket holds event subject → creator subject.
const Bucket = "owners"

var created = map[string]bool{
	events.ImagePullSecretCreated: true, events.PackageRegistrySecretCreated: true, events.FabricSecretCreated: true,
}

var deleted = map[string]bool{
	events.ImagePullSecretDeleted: true, events.PackageRegistrySecretDeleted: true, events.FabricSecretDeleted: true,
}

// Projection keeps the owners.
type Projection struct{}

// Name is the projection's position key; do not rename.
func (Projection) Name() string { return "owners" }

// Buckets lists the owners bucket.
func (Projection) Buckets() []string { return []string{Bucket} }

// Apply records a creation's actor and forgets a deleted secret.
func (Projection) Apply(tx *bbolt.Tx, _ uint64, e event.Event) error {
	b := tx.Bucket([]byte(Bucket))
	switch {
	case created[e.Type()]:
		var d struct {
			Actor string `json:"actor"`
		}
		if err := json.Unmarshal(e.Data(), &d); err != nil {
			return fmt.Errorf("ownership: event %s: %w", e.ID(), err)
		}
		if e.Subject() == "" || d.Actor == "" {
			return nil
		}
		return b.Put([]byte(e.Subject()), []byte(d.Actor))
	case deleted[e.Type()]:
		if e.Subject() == "" {
			return nil
		}
		return b.Delete([]byte(e.Subject()))
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
