package registrytoken_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers/registrytoken"
)

// Strict input on /token: each request would get a token if the adapter
// were lenient (a good credential is in every one); each must be a 400
// invalid_request in the token service's error body, and no token is issued.
func TestStrictTokenRequests(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	good := s.jwtFor(t, nil)
	svc := "service=" + url.QueryEscape(service)
	pw := url.Values{"service": {service}, "grant_type": {"password"}, "username": {"alice"}, "password": {good}}
	postTo := func(target, form string) response {
		req, err := http.NewRequest(http.MethodPost, s.url+target, strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return s.do(t, req)
	}
	twoAuth := func(r *http.Request) {
		r.Header.Add("Authorization", "Basic "+basicValue("alice", good))
		r.Header.Add("Authorization", "Bearer "+good)
	}
	for _, tc := range []struct {
		name string
		do   func() response
	}{
		{"two Authorization headers", func() response { return s.get(t, svc, twoAuth) }},
		{"two Authorization headers, one empty", func() response {
			return s.get(t, svc, func(r *http.Request) {
				r.Header.Add("Authorization", "")
				r.Header.Add("Authorization", "Bearer "+good)
			})
		}},
		{"POST with the password in the query", func() response {
			return postTo("/token?password="+url.QueryEscape(good), "service="+url.QueryEscape(service)+"&grant_type=password")
		}},
		{"POST with the grant in the query", func() response {
			return postTo("/token?grant_type=password", "service="+url.QueryEscape(service)+"&password="+url.QueryEscape(good))
		}},
		{"POST with a complete form and a query", func() response { return postTo("/token?x=1", pw.Encode()) }},
		{"GET with invalid UTF-8 in the query", func() response { return s.get(t, svc+"&client_id=ab%FFcd", bearer(good)) }},
		{"POST with invalid UTF-8 in the form", func() response { return postTo("/token", pw.Encode()+"&client_id=ab%FEcd") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.do()
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", r.status, r.body)
			}
			var body struct {
				Errors []struct {
					Code   string            `json:"code"`
					Detail map[string]string `json:"detail"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(r.body, &body); err != nil || len(body.Errors) != 1 {
				t.Fatalf("body %s is not a registry error body: %v", r.body, err)
			}
			if e := body.Errors[0]; e.Code != "UNSUPPORTED" || e.Detail["reason"] != registrytoken.ReasonInvalidRequest {
				t.Errorf("error %+v, want UNSUPPORTED invalid_request", e)
			}
			if strings.Contains(string(r.body), good) {
				t.Errorf("the answer echoes the credential")
			}
		})
	}
	types, _, _ := s.tokenEvents(t)
	for _, typ := range types {
		if typ == events.RegistryTokenIssued {
			t.Errorf("a refused request issued a token: events %v", types)
			break
		}
	}
	// The same credential, sent as the protocol wants it, is accepted: the
	// refusals above are for the form of the requests, not the credential.
	decodeToken(t, postTo("/token", pw.Encode()))
}

func basicValue(user, password string) string {
	r, _ := http.NewRequest(http.MethodGet, "http://x", nil)
	r.SetBasicAuth(user, password)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}
