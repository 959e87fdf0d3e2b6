package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/hypo-registry/registry/handlers"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 64 << 10

// decodeJSON reads exactly one JSON object into v: unknown fields, wrong
// types, trailing data, bodies over MaxBodyBytes and non-JSON media types
// are refused with an error naming the problem (never echoing values), and
// so is everything checkJSON refuses (invalid UTF-8, lone surrogates,
// duplicate keys, keys that match a field only when case is ignored). It is
// the one decoder of every REST JSON body.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != "application/json" {
		// The exact type clients send skips the parse, which allocates a
		// map of parameters for every body.
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "application/merge-patch+json") {
			return fmt.Errorf("%w: Content-Type must be application/json", errMediaType)
		}
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return describeDecodeError(err)
	}
	if err := checkJSON(raw, reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return describeDecodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: body must hold a single JSON object", handlers.ErrInvalid)
	}
	return nil
}

func describeDecodeError(err error) error {
	var (
		tooLarge  *http.MaxBytesError
		typeErr   *json.UnmarshalTypeError
		syntaxErr *json.SyntaxError
	)
	switch {
	case errors.As(err, &tooLarge):
		return fmt.Errorf("%w: body exceeds %d bytes", errTooLarge, MaxBodyBytes)
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return fmt.Errorf("%w: body must be a JSON object", handlers.ErrInvalid)
		}
		return fmt.Errorf("%w: field %q must be a %s, not a JSON %s", handlers.ErrInvalid, typeErr.Field, strings.TrimPrefix(typeErr.Type.String(), "*"), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("%w: body is not valid JSON (offset %d)", handlers.ErrInvalid, syntaxErr.Offset)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%w: body is empty", handlers.ErrInvalid)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: body is truncated JSON", handlers.ErrInvalid)
	}
	// encoding/json reports unknown fields as `json: unknown field "x"`: the
	// field name is the caller's own key, not a value.
	return fmt.Errorf("%w: %s", handlers.ErrInvalid, err.Error())
}
