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

// A cursor is the index of the last record a page examined, base64url
// encoded: opaque to clients, but not a secret and not a grant. Changing it
// moves the position only; which records a caller sees is decided record
// by record on every page.
func encodeCursor(index uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatUint(index, 10)))
}

func decodeCursor(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(b), cursorPrefix); ok {
			if n, err := strconv.ParseUint(rest, 10, 64); err == nil && n < math.MaxUint64 {
				return n, nil
			}
		}
	}
	return 0, fmt.Errorf("%w: cursor %q is not one this registry returned", handlers.ErrInvalid, s)
}
