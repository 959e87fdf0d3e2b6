package events

import (
	"slices"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
)

// sourceString is source as the SDK writes it.
var sourceString = source.String()

// AppendJSON appends e's structured-mode JSON, the bytes e.MarshalJSON
// returns, to dst. Events of the form New builds (CloudEvents 1.0, JSON
// data, string extensions, and strings the SDK's writer copies as they are)
// are written here; anything else is e.MarshalJSON's (FuzzAppendJSON
// compares the two byte for byte). The SDK's writer went through a pooled
// jsoniter stream and a bytes.Buffer, and sorted the extension names in a
// new slice, for every event committed.
func AppendJSON(dst []byte, e cloudevents.Event) ([]byte, error) {
	if b, ok := appendCommon(dst, e); ok {
		return b, nil
	}
	b, err := e.MarshalJSON()
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// maxPlainExtensions bounds the extensions appendCommon sorts on the stack.
const maxPlainExtensions = 8

func appendCommon(dst []byte, e cloudevents.Event) ([]byte, bool) {
	ec, ok := e.Context.(*cloudevents.EventContextV1)
	if !ok || e.DataBase64 || ec.DataSchema != nil || ec.DataContentType == nil ||
		*ec.DataContentType != cloudevents.ApplicationJSON || len(ec.Extensions) > maxPlainExtensions {
		return dst, false
	}
	src := sourceString
	if ec.Source.URL != source.URL {
		src = ec.Source.String()
	}
	var names [maxPlainExtensions]string
	n := 0
	for k, v := range ec.Extensions {
		s, ok := v.(string)
		if !ok || !plain(k) || !plain(s) {
			return dst, false
		}
		names[n] = k
		n++
	}
	slices.Sort(names[:n])
	start := len(dst)
	b := append(dst, `{"specversion":"1.0","id":`...)
	b, ok = appendPlain(b, ec.ID)
	b = append(b, `,"source":`...)
	b, ok2 := appendPlain(b, src)
	b = append(b, `,"type":`...)
	b, ok3 := appendPlain(b, ec.Type)
	if !ok || !ok2 || !ok3 {
		return dst[:start], false
	}
	if ec.Subject != nil {
		b = append(b, `,"subject":`...)
		if b, ok = appendPlain(b, *ec.Subject); !ok {
			return dst[:start], false
		}
	}
	b = append(b, `,"datacontenttype":"application/json"`...)
	if ec.Time != nil {
		b = append(b, `,"time":"`...)
		b = ec.Time.Time.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	if e.DataEncoded != nil {
		b = append(b, `,"data":`...)
		b = append(b, e.DataEncoded...)
	}
	for _, k := range names[:n] {
		b = append(b, ',', '"')
		b = append(b, k...)
		b = append(b, '"', ':', '"')
		b = append(b, ec.Extensions[k].(string)...)
		b = append(b, '"')
	}
	return append(b, '}'), true
}

// plain says whether the SDK's JSON writer (jsoniter's fastest
// configuration) copies s into a string as it is: no control character,
// quote or backslash. Other bytes, invalid UTF-8 included, it copies.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// appendPlain appends s quoted if it is plain.
func appendPlain(b []byte, s string) ([]byte, bool) {
	if !plain(s) {
		return b, false
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), true
}
