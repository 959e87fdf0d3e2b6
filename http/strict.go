package rest

import (
	"fmt"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/http/respond"
)

// MaxHeaderBytes is the most a request's line and headers may take; a
// larger request is 431 problem details (LimitHeaders).
const MaxHeaderBytes = 64 << 10

// HeaderReadLimit is the http.Server's MaxHeaderBytes. net/http answers a
// request over its limit itself, before any handler and in text/plain, so
// the server reads up to this much and LimitHeaders enforces
// MaxHeaderBytes with problem details. Only a request beyond this limit
// still gets net/http's plain 431; wrapping the connection to rewrite that
// answer is not worth its risk.
const HeaderReadLimit = 4 * MaxHeaderBytes

var errHeadersTooLarge = fmt.Errorf("request header fields too large: more than %d bytes", MaxHeaderBytes)

// LimitHeaders answers 431 problem details for a request whose line and
// headers exceed MaxHeaderBytes, counted as they came on the wire. It
// wraps every endpoint of the server, the token service's included.
func LimitHeaders(next http.Handler) http.Handler {
	refuse := respond.NoStore(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, errHeadersTooLarge)
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if headerBytes(r) > MaxHeaderBytes {
			refuse.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// headerBytes is the size of r's request line and header block in
// HTTP/1.1 form ("Name: value\r\n" per value); net/http moves Host out of
// Header.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	n += len("Host: ") + len(r.Host) + 2
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + 2 + len(v) + 2
		}
	}
	return n + 2
}

// checkURL refuses a path or query that does not decode to valid UTF-8:
// decoders downstream would turn each bad byte into U+FFFD, so
// "ab%FFcd" and "ab%FEcd" would name the same secret. It runs before the
// router, for every REST route.
func checkURL(r *http.Request) error {
	path, err := url.PathUnescape(r.URL.EscapedPath())
	if err != nil {
		return fmt.Errorf("%w: the path is not validly percent-encoded", handlers.ErrInvalid)
	}
	if !utf8.ValidString(path) {
		return fmt.Errorf("%w: the path is not valid UTF-8 once percent-decoded", handlers.ErrInvalid)
	}
	// A pair ParseQuery cannot decode is skipped by every reader of the
	// query alike (r.URL.Query()), so only the pairs it returns matter.
	query, _ := url.ParseQuery(r.URL.RawQuery)
	for k, vs := range query {
		for _, v := range append(vs, k) {
			if !utf8.ValidString(v) {
				return fmt.Errorf("%w: the query is not valid UTF-8 once percent-decoded", handlers.ErrInvalid)
			}
		}
	}
	return nil
}
