package kafka

import (
	"slices"
	"strings"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
)

// MetaRepeatedHeaders lists, comma-separated and lower case, the record
// headers that appear more than once (names compared case-insensitively).
// watermill's metadata is a map, so a repeated header would otherwise
// arrive as whichever copy came last: a translator that reads a header
// must refuse the record if that header is listed here.
const MetaRepeatedHeaders = "registry_repeated_headers"

// Unmarshaler is watermill-kafka's default unmarshaler that also records
// repeated headers in MetaRepeatedHeaders.
type Unmarshaler struct{ kafka.DefaultMarshaler }

// Unmarshal decodes the record as the default unmarshaler does.
func (u Unmarshaler) Unmarshal(rec *sarama.ConsumerMessage) (*message.Message, error) {
	msg, err := u.DefaultMarshaler.Unmarshal(rec)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(rec.Headers))
	var repeated []string
	for _, h := range rec.Headers {
		if h == nil {
			continue
		}
		k := strings.ToLower(string(h.Key))
		if seen[k] && !slices.Contains(repeated, k) {
			repeated = append(repeated, k)
		}
		seen[k] = true
	}
	if len(repeated) > 0 {
		msg.Metadata.Set(MetaRepeatedHeaders, strings.Join(repeated, ","))
	}
	return msg, nil
}

// Repeated reports whether the record carried header more than once.
func Repeated(msg *message.Message, header string) bool {
	return slices.Contains(strings.Split(msg.Metadata.Get(MetaRepeatedHeaders), ","), strings.ToLower(header))
}
