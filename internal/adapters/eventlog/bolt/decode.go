package bolt

import (
	"errors"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/types"
	jsoniter "github.com/json-iterator/go"
)

// errUncommon is decodeCommon declining an event: the SDK decodes it.
var errUncommon = errors.New("not in the common form")

// decoder decodes stored events, remembering the last source it parsed:
// every event of this service has the same one, and parsing it as a URL
// was a fifth of the SDK decoder's time in a replay.
type decoder struct {
	source    string
	sourceRef types.URIRef
}

// decode decodes an event as the log stores it into out. Events in the form
// Commit stores them (the SDK's JSON encoding of a CloudEvents 1.0 event:
// specversion first, JSON data after its content type, string extensions)
// are decoded here in one pass with nothing thrown away; anything else goes
// to the SDK's decoder. Either way the result is the SDK decoder's, error
// included (TestDecodeEqualsTheSDK, FuzzDecodeEqualsTheSDK).
func (d *decoder) decode(b []byte, out *event.Event) error {
	if err := d.decodeCommon(b, out); !errors.Is(err, errUncommon) {
		return err
	}
	*out = event.Event{}
	return out.UnmarshalJSON(b)
}

func (d *decoder) decodeCommon(b []byte, out *event.Event) error {
	it := jsoniter.ConfigFastest.BorrowIterator(b)
	defer jsoniter.ConfigFastest.ReturnIterator(it)
	if it.ReadObject() != "specversion" || it.WhatIsNext() != jsoniter.StringValue || it.ReadString() != event.CloudEventsVersionV1 {
		return errUncommon
	}
	ec := &event.EventContextV1{}
	var data []byte
	for key := it.ReadObject(); key != ""; key = it.ReadObject() {
		if key == "data" {
			// The SDK keeps JSON data as its bytes; other types it
			// decodes according to the content type.
			if ec.DataContentType == nil || *ec.DataContentType != event.ApplicationJSON {
				return errUncommon
			}
			data = it.SkipAndReturnBytes()
			continue
		}
		if it.WhatIsNext() != jsoniter.StringValue {
			return errUncommon
		}
		switch key {
		case "id":
			ec.ID = it.ReadString()
		case "type":
			ec.Type = it.ReadString()
		case "source":
			s := it.ReadString()
			if s != d.source || d.source == "" {
				ref := types.ParseURIRef(s)
				if ref == nil {
					return errUncommon
				}
				d.source, d.sourceRef = s, *ref
			}
			ec.Source = d.sourceRef
		case "subject":
			ec.Subject = nil
			if s := it.ReadString(); s != "" {
				ec.Subject = &s
			}
		case "time":
			t, err := types.ParseTimestamp(it.ReadString())
			if err != nil {
				return errUncommon
			}
			ec.Time = t
		case "datacontenttype":
			if ec.DataContentType != nil {
				return errUncommon
			}
			s := it.ReadString()
			ec.DataContentType = &s
		default:
			if !plainExtension(key) {
				return errUncommon
			}
			if ec.Extensions == nil {
				ec.Extensions = make(map[string]any, 4)
			}
			ec.Extensions[key] = it.ReadString()
		}
	}
	if it.Error != nil {
		return errUncommon
	}
	*out = event.Event{Context: ec, DataEncoded: data}
	return nil
}

// plainExtension says whether the SDK would keep an attribute named key as
// an extension under that same name: lower-case ASCII letters and digits,
// and not a name the SDK reads as something else.
func plainExtension(key string) bool {
	switch key {
	case "specversion", "dataschema", "data_base64", "schemaurl", "datacontentencoding":
		return false
	}
	if key == "" || (event.MaxExtensionNameLength > 0 && len(key) > event.MaxExtensionNameLength) {
		return false
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
