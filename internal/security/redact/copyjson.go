package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/hypo-registry/registry/internal/plainjson"
)

// errSlow sends copyJSON's caller to the reflective path: the input is
// invalid, or holds something the fast parser leaves to encoding/json.
var errSlow = errors.New("redact: not on the fast path")

// copyJSONFast is CopyJSON without reflection or an intermediate map: it
// parses raw and writes the redacted copy in one pass, sorting each object's
// keys (last duplicate wins) as json.Marshal of the decoded map would. It
// returns errSlow for anything it does not write exactly as that, and the
// caller then takes the reflective path, so both give the same bytes and
// the same errors.
func (h *Hasher) copyJSONFast(raw []byte, clear map[string]bool) ([]byte, error) {
	p := jparser{src: raw, h: h, clear: clear}
	out, err := p.value(make([]byte, 0, len(raw)+128), false)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.src) {
		return nil, errSlow
	}
	return out, nil
}

type jparser struct {
	src   []byte
	i     int
	h     *Hasher
	clear map[string]bool
	depth int
}

// maxDepth is encoding/json's nesting limit; deeper input is its to reject.
const maxDepth = 10000

func (p *jparser) ws() { p.i = plainjson.SkipSpace(p.src, p.i) }

// value appends the copy of the value at p.i; keep copies strings as they
// are (a clear subtree), otherwise they are hashed.
func (p *jparser) value(dst []byte, keep bool) ([]byte, error) {
	p.ws()
	if p.i >= len(p.src) {
		return nil, errSlow
	}
	switch c := p.src[p.i]; {
	case (c == '{' || c == '[') && p.depth >= maxDepth:
		return nil, errSlow
	case c == '{':
		return p.object(dst, keep)
	case c == '[':
		return p.array(dst, keep)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		if !keep && !strings.HasPrefix(s, Prefix) {
			s = p.h.HMAC(s)
		}
		return plainjson.AppendString(dst, s), nil
	case c == 't':
		return p.literal(dst, "true")
	case c == 'f':
		return p.literal(dst, "false")
	case c == 'n':
		return p.literal(dst, "null")
	default:
		return p.number(dst)
	}
}

func (p *jparser) literal(dst []byte, lit string) ([]byte, error) {
	if !bytes.HasPrefix(p.src[p.i:], []byte(lit)) {
		return nil, errSlow
	}
	p.i += len(lit)
	return append(dst, lit...), nil
}

// number appends a JSON number as written: the decoder keeps it as a
// json.Number, which encodes as its literal text.
func (p *jparser) number(dst []byte) ([]byte, error) {
	s, i := p.src, p.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(s, i)
	default:
		return nil, errSlow
	}
	if i < len(s) && s[i] == '.' {
		if j := digits(s, i+1); j > i+1 {
			i = j
		} else {
			return nil, errSlow
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			return nil, errSlow
		}
		i = j
	}
	dst = append(dst, s[p.i:i]...)
	p.i = i
	return dst, nil
}

func digits(s []byte, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// str decodes the string at p.i. A plain one (plainjson.ReadString) is
// taken as it is; anything with escapes, control characters or invalid
// UTF-8 is decoded by encoding/json.
func (p *jparser) str() (string, error) {
	if out, end, ok := plainjson.ReadString(p.src, p.i); ok {
		p.i = end
		return out, nil
	}
	s, start := p.src, p.i
	i := start + 1
	for ; i < len(s) && s[i] != '"'; i++ {
		if s[i] == '\\' {
			i++
		}
	}
	if i >= len(s) {
		return "", errSlow
	}
	p.i = i + 1
	var out string
	if err := json.Unmarshal(s[start:i+1], &out); err != nil {
		return "", errSlow
	}
	return out, nil
}

type member struct {
	key        string
	start, end int // the encoded value in the object's scratch copy
}

func (p *jparser) object(dst []byte, keep bool) ([]byte, error) {
	p.i++ // {
	p.depth++
	defer func() { p.depth-- }()
	base := len(dst)
	var ms []member
	p.ws()
	if p.i < len(p.src) && p.src[p.i] == '}' {
		p.i++
		return append(dst, "{}"...), nil
	}
	for {
		p.ws()
		if p.i >= len(p.src) || p.src[p.i] != '"' {
			return nil, errSlow
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.i >= len(p.src) || p.src[p.i] != ':' {
			return nil, errSlow
		}
		p.i++
		start := len(dst)
		if dst, err = p.value(dst, keep || p.clear[k]); err != nil {
			return nil, err
		}
		ms = append(ms, member{key: k, start: start - base, end: len(dst) - base})
		p.ws()
		if p.i >= len(p.src) {
			return nil, errSlow
		}
		if p.src[p.i] == ',' {
			p.i++
			continue
		}
		if p.src[p.i] != '}' {
			return nil, errSlow
		}
		p.i++
		break
	}
	// A map keeps the last of duplicate keys; json.Marshal sorts its keys.
	slices.SortStableFunc(ms, func(a, b member) int { return strings.Compare(a.key, b.key) })
	vals := slices.Clone(dst[base:])
	dst = append(dst[:base], '{')
	for i, m := range ms {
		if i+1 < len(ms) && ms[i+1].key == m.key {
			continue
		}
		if len(dst) > base+1 {
			dst = append(dst, ',')
		}
		dst = plainjson.AppendString(dst, m.key)
		dst = append(dst, ':')
		dst = append(dst, vals[m.start:m.end]...)
	}
	return append(dst, '}'), nil
}

func (p *jparser) array(dst []byte, keep bool) ([]byte, error) {
	p.i++ // [
	p.depth++
	defer func() { p.depth-- }()
	dst = append(dst, '[')
	p.ws()
	if p.i < len(p.src) && p.src[p.i] == ']' {
		p.i++
		return append(dst, ']'), nil
	}
	for n := 0; ; n++ {
		if n > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = p.value(dst, keep); err != nil {
			return nil, err
		}
		p.ws()
		if p.i >= len(p.src) {
			return nil, errSlow
		}
		if p.src[p.i] == ',' {
			p.i++
			continue
		}
		if p.src[p.i] != ']' {
			return nil, errSlow
		}
		p.i++
		return append(dst, ']'), nil
	}
}
