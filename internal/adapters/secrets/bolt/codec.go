package bolt

import (
	"encoding/json"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/plainjson"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// versionKey is where version v of p is stored, and the AAD it is sealed
// with. '#' cannot occur in a path segment, so keys of different secrets
// never collide and "<path>#v" prefixes exactly one secret's versions.
func versionKey(p secretpath.Path, v int) string {
	return versionPrefix(p) + strconv.Itoa(v)
}

func versionPrefix(p secretpath.Path) string { return p.String() + "#v" }

// loadMeta returns the metadata of p and whether it exists.
func loadMeta(tx *bolt.Tx, p secretpath.Path) (handlers.SecretMetadata, bool, error) {
	raw := tx.Bucket(metaBucket).Get([]byte(p.String()))
	if raw == nil {
		return handlers.SecretMetadata{}, false, nil
	}
	var meta handlers.SecretMetadata
	if err := json.Unmarshal(raw, &meta); err != nil {
		return handlers.SecretMetadata{}, false, fmt.Errorf("decode metadata: %w", err)
	}
	if meta.Versions == nil {
		meta.Versions = map[int]handlers.VersionMetadata{}
	}
	return meta, true, nil
}

func putMeta(tx *bolt.Tx, p secretpath.Path, meta handlers.SecretMetadata) error {
	raw, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("encode metadata: %w", err)
	}
	return tx.Bucket(metaBucket).Put([]byte(p.String()), raw)
}

// putData seals data under key and stores it. The clear JSON is wiped once
// sealed (best effort: Go may have copied it).
func (s *Store) putData(tx *bolt.Tx, key string, data handlers.SecretData) error {
	plain, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode data: %w", err)
	}
	sealed, err := s.ring.Seal(plain, []byte(key))
	clear(plain)
	if err != nil {
		return fmt.Errorf("seal data: %w", err)
	}
	return tx.Bucket(versionsBucket).Put([]byte(key), sealed)
}

// getData opens the value stored under key; ok is false when there is none.
func (s *Store) getData(tx *bolt.Tx, key string) (data handlers.SecretData, ok bool, err error) {
	sealed := tx.Bucket(versionsBucket).Get([]byte(key))
	if sealed == nil {
		return nil, false, nil
	}
	plain, err := s.ring.Open(sealed, []byte(key))
	if err != nil {
		return nil, false, err
	}
	defer clear(plain)
	if data, ok := decodePlainData(plain); ok {
		return data, true, nil
	}
	if err := json.Unmarshal(plain, &data); err != nil {
		// json's syntax errors quote input bytes: keep them out.
		return nil, false, fmt.Errorf("decode data: malformed JSON after open")
	}
	return data, true, nil
}

// decodePlainData decodes what json.Unmarshal decodes into SecretData,
// without its reflection, for the usual stored value: a JSON object whose
// keys and values are strings without escapes or control characters, in
// valid UTF-8 (json.Marshal writes one for values of printable text). For
// anything else it reports false and the caller takes json.Unmarshal.
// Every credential read decodes one.
func decodePlainData(b []byte) (handlers.SecretData, bool) {
	i := plainjson.SkipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	data := make(handlers.SecretData, 4)
	i = plainjson.SkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return data, plainjson.SkipSpace(b, i+1) == len(b)
	}
	for {
		k, j, ok := plainjson.ReadString(b, i)
		if !ok {
			return nil, false
		}
		if i = plainjson.SkipSpace(b, j); i >= len(b) || b[i] != ':' {
			return nil, false
		}
		v, j, ok := plainjson.ReadString(b, plainjson.SkipSpace(b, i+1))
		if !ok {
			return nil, false
		}
		data[k] = v // a repeated key keeps its last value, as in json.Unmarshal
		if i = plainjson.SkipSpace(b, j); i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = plainjson.SkipSpace(b, i+1)
		case '}':
			return data, plainjson.SkipSpace(b, i+1) == len(b)
		default:
			return nil, false
		}
	}
}
