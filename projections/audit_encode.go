package projections

import (
	"encoding/json"
	"strconv"
	"time"
)

// appendRecord appends json.Marshal(r) to b without reflection: replay
// encodes one record per event, and the reflective encoder was a quarter of
// an audit Apply. Anything the fast path is not sure to write byte for byte
// as encoding/json does (a string needing escapes, a year outside 0-9999,
// Data that is not compact or holds HTML characters) takes json.Marshal, so
// the stored bytes, and so the hashes, never depend on which path ran. r.Data
// must be valid JSON, as redactData always makes it.
func appendRecord(b []byte, r *Record) ([]byte, error) {
	if !plainRecord(r) {
		m, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		return append(b, m...), nil
	}
	b = append(b, `{"index":`...)
	b = strconv.AppendUint(b, r.Index, 10)
	b = append(b, `,"eventSeq":`...)
	b = strconv.AppendUint(b, r.EventSeq, 10)
	b = appendField(b, `,"id":`, r.ID)
	b = appendField(b, `,"type":`, r.Type)
	b = appendField(b, `,"source":`, r.Source)
	if r.Subject != "" {
		b = appendField(b, `,"subject":`, r.Subject)
	}
	if r.Tenant != "" {
		b = appendField(b, `,"tenant":`, r.Tenant)
	}
	if r.CorrelationID != "" {
		b = appendField(b, `,"correlationId":`, r.CorrelationID)
	}
	if r.CausationID != "" {
		b = appendField(b, `,"causationId":`, r.CausationID)
	}
	b = append(b, `,"time":"`...)
	b = r.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	if len(r.Data) != 0 {
		b = append(b, `,"data":`...)
		b = append(b, r.Data...)
	}
	b = appendField(b, `,"prev":`, r.Prev)
	b = appendField(b, `,"hash":`, r.Hash)
	return append(b, '}'), nil
}

func appendField(b []byte, key, s string) []byte {
	b = append(b, key...)
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plainRecord reports whether appendRecord's fast path writes r exactly as
// json.Marshal does.
func plainRecord(r *Record) bool {
	if y := r.Time.Year(); y < 0 || y > 9999 || r.Time.Location() != time.UTC {
		return false
	}
	for _, s := range [...]string{r.ID, r.Type, r.Source, r.Subject, r.Tenant, r.CorrelationID, r.CausationID, r.Prev, r.Hash} {
		if !plainString(s) {
			return false
		}
	}
	return compactData(r.Data)
}

// plainString reports whether encoding/json writes s as itself in quotes:
// printable ASCII other than the quote, backslash and the HTML characters
// it escapes.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// compactData reports whether valid JSON d is already what encoding/json
// makes of a RawMessage (compacted, HTML characters and U+2028/U+2029
// escaped): no whitespace outside strings and none of those characters.
func compactData(d []byte) bool {
	in, esc := false, false
	for i := 0; i < len(d); i++ {
		c := d[i]
		switch {
		case c == '<' || c == '>' || c == '&' || c == 0xE2:
			return false // 0xE2 may start U+2028 or U+2029: let json decide
		case in && esc:
			esc = false
		case in && c == '\\':
			esc = true
		case c == '"':
			in = !in
		case !in && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return false
		}
	}
	return true
}
