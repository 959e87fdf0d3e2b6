package auditread

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hypo-registry/registry/handlers"
)

// cursorPrefix versions the cursor's text, so its form may change later.
const cursorPrefix = "a1:"

// A cursor is the instance and the index of the last record a page
// examined, base64url encoded: opaque to clients, but not a secret and not
// a grant. Changing it moves the position only; which records a caller
// sees is decided record by record on every page.
//
// Each instance keeps its own audit log, so an index means something only
// in the log of the instance that gave it: a cursor of another instance (a
// load balancer sent the next page elsewhere) is refused rather than read
// as a position in another log, which would skip or repeat records.
func encodeCursor(instance string, index uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + instance + ":" + strconv.FormatUint(index, 10)))
}

func decodeCursor(instance, s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(b), cursorPrefix); ok {
			at := strings.LastIndexByte(rest, ':')
			if n, err := strconv.ParseUint(rest[at+1:], 10, 64); at >= 0 && err == nil && n < math.MaxUint64 {
				if from := rest[:at]; from != instance {
					return 0, fmt.Errorf("%w: the cursor is a position in the audit log of instance %q, this is instance %q: each instance keeps its own log, read it at that instance's address", handlers.ErrInvalid, from, instance)
				}
				return n, nil
			}
		}
	}
	return 0, fmt.Errorf("%w: cursor %q is not one this registry returned", handlers.ErrInvalid, s)
}
