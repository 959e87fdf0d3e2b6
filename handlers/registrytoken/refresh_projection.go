package registrytoken

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
)

// Buckets of the refresh-grant projection, in the projections database.
const (
	// GrantsBucket: token SHA-256 (32 bytes) → GrantRecord JSON.
	GrantsBucket = "registrytoken.refresh.grants"
	// grantIDsBucket: grant id → token SHA-256.
	grantIDsBucket = "registrytoken.refresh.grant-ids"
	// grantExpiryBucket: big-endian expiry (Unix s) ‖ id → token SHA-256,
	// so pruning reads only what expired.
	grantExpiryBucket = "registrytoken.refresh.grant-expiry"
	// legacyRevokedBucket: revocations of grants of the per-instance file
	// (BoltRefreshStore) that this projection does not hold:
	// "i:" tenant NUL id and "s:" tenant NUL subject → big-endian time of
	// the revocation (Unix s).
	legacyRevokedBucket = "registrytoken.refresh.legacy-revoked"
)

// pruneGrace keeps a grant this long past its expiry (by the time of the
// event being applied), so instances whose clocks disagree a little still
// agree on what is expired rather than unknown.
const pruneGrace = time.Hour

// RefreshProjection keeps the refresh grants every instance shares: it
// applies granted events and revocations (which name the grants they
// revoke) and drops grants once expired. Everything it writes follows from
// the events alone (times included), so a replay rebuilds it exactly.
type RefreshProjection struct{}

// Name is the projection's position key; do not rename.
func (RefreshProjection) Name() string { return "registrytoken.refresh" }

// Buckets lists the projection's buckets.
func (RefreshProjection) Buckets() []string {
	return []string{GrantsBucket, grantIDsBucket, grantExpiryBucket, legacyRevokedBucket}
}

// Apply applies a granted or revoked event; other events are not its.
func (RefreshProjection) Apply(tx *bolt.Tx, _ uint64, e event.Event) error {
	switch e.Type() {
	case events.RegistryRefreshGranted:
		var d struct {
			Grant GrantRecord `json:"refreshGrant"`
		}
		if err := json.Unmarshal(e.Data(), &d); err != nil {
			return fmt.Errorf("refresh grants: event %s: %w", e.ID(), err)
		}
		if err := applyGrant(tx, d.Grant, events.StringExtension(e, events.ExtTenant)); err != nil {
			return fmt.Errorf("refresh grants: event %s: %w", e.ID(), err)
		}
	case events.RegistryRefreshTokensRevoked:
		var d struct {
			IDs     []string `json:"refreshGrantIds"`
			Subject string   `json:"subject"`
		}
		if err := json.Unmarshal(e.Data(), &d); err != nil {
			return fmt.Errorf("refresh grants: event %s: %w", e.ID(), err)
		}
		if d.IDs == nil {
			// Written by a version that revoked in its own file, where
			// the revocation already is: nothing to apply here.
			return nil
		}
		if err := applyRevocation(tx, events.StringExtension(e, events.ExtTenant), d.Subject, d.IDs, e.Time()); err != nil {
			return fmt.Errorf("refresh grants: event %s: %w", e.ID(), err)
		}
	default:
		return nil
	}
	return prune(tx, e.Time())
}

// applyGrant stores g. A record that does not check (it could only come
// from outside the bus) or names another tenant than its event is
// skipped, not an error: an error would stop every projection for good.
// A grant id seen before is a redelivery.
func applyGrant(tx *bolt.Tx, g GrantRecord, tenant string) error {
	if g.check() != nil || g.Tenant != tenant {
		return nil
	}
	ids := tx.Bucket([]byte(grantIDsBucket))
	if ids.Get([]byte(g.ID)) != nil {
		return nil
	}
	hash, _ := hex.DecodeString(g.TokenSHA256) // check verified it
	rec, err := json.Marshal(g)
	if err != nil {
		return err
	}
	if err := tx.Bucket([]byte(GrantsBucket)).Put(hash, rec); err != nil {
		return err
	}
	if err := ids.Put([]byte(g.ID), hash); err != nil {
		return err
	}
	return tx.Bucket([]byte(grantExpiryBucket)).Put(expiryKey(g.ExpiresAt, g.ID), hash)
}

// applyRevocation marks the grants named revoked at the event's time.
// Ids this projection does not hold are grants of an instance's old file:
// they, and with a subject every old grant of it, are remembered so the
// fallback refuses them on every instance.
func applyRevocation(tx *bolt.Tx, tenant, subject string, revoked []string, at time.Time) error {
	grants, ids := tx.Bucket([]byte(GrantsBucket)), tx.Bucket([]byte(grantIDsBucket))
	legacy := tx.Bucket([]byte(legacyRevokedBucket))
	stamp := binary.BigEndian.AppendUint64(nil, uint64(at.Unix()))
	for _, id := range revoked {
		hash := ids.Get([]byte(id))
		if hash == nil {
			if err := legacy.Put(legacyKey("i:", tenant, id), stamp); err != nil {
				return err
			}
			continue
		}
		var g GrantRecord
		if err := json.Unmarshal(grants.Get(hash), &g); err != nil {
			return err
		}
		if g.Tenant != tenant || g.RevokedAt != 0 {
			continue
		}
		g.RevokedAt = at.Unix()
		rec, err := json.Marshal(g)
		if err != nil {
			return err
		}
		if err := grants.Put(hash, rec); err != nil {
			return err
		}
	}
	if subject != "" {
		return legacy.Put(legacyKey("s:", tenant, subject), stamp)
	}
	return nil
}

// prune drops grants expired pruneGrace before now (the event's time) and
// legacy revocations older than the longest refresh lifetime: no grant of
// an old file outlives that.
func prune(tx *bolt.Tx, now time.Time) error {
	grants, ids, expiry := tx.Bucket([]byte(GrantsBucket)), tx.Bucket([]byte(grantIDsBucket)), tx.Bucket([]byte(grantExpiryBucket))
	cutoff := expiryKey(now.Add(-pruneGrace).Unix(), "")
	dead := map[string][]byte{} // expiry key → hash
	c := expiry.Cursor()
	for k, v := c.First(); k != nil && string(k) < string(cutoff); k, v = c.Next() {
		dead[string(k)] = append([]byte(nil), v...)
	}
	for _, k := range slices.Sorted(maps.Keys(dead)) {
		if err := grants.Delete(dead[k]); err != nil {
			return err
		}
		if err := ids.Delete([]byte(k[8:])); err != nil {
			return err
		}
		if err := expiry.Delete([]byte(k)); err != nil {
			return err
		}
	}
	legacy := tx.Bucket([]byte(legacyRevokedBucket))
	oldest := uint64(now.Add(-MaxRefreshLifetime - pruneGrace).Unix())
	var stale [][]byte
	err := legacy.ForEach(func(k, v []byte) error {
		if len(v) == 8 && binary.BigEndian.Uint64(v) < oldest {
			stale = append(stale, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range stale {
		if err := legacy.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func expiryKey(unix int64, id string) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(unix)), id...)
}

func legacyKey(kind, tenant, name string) []byte {
	return []byte(kind + tenant + "\x00" + name)
}
