package rest_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	rest "github.com/hypo-registry/registry/http"
	"github.com/hypo-registry/registry/testkit"
)

// strictCase is one request a lenient server would accept (each is
// otherwise well formed, with a credential allowed to make it) that must be
// a 400 problem details changing nothing: the probe reads the same before
// and after.
type strictCase struct {
	name, method, path, body string
	// headers are added in order (so a name may repeat); the caller's
	// bearer token is added unless an Authorization header is given.
	headers []string
	// probe is read before and after; "" reads path.
	probe string
}

// send makes a request with repeatable headers (testkit.Do sets them).
func send(t *testing.T, method, url, body string, headers ...string) testkit.Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return testkit.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// assertProblem wants status and problem details.
func assertProblem(t *testing.T, r testkit.Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p struct {
		Type, Title, Detail string
		Status              int
	}
	r.JSON(t, &p)
	if p.Status != status || p.Type == "" || p.Title == "" || p.Detail == "" {
		t.Errorf("problem = %+v, want status %d with type, title and detail", p, status)
	}
}

func runStrictCases(t *testing.T, reg *testkit.Registry, tok string, cases []strictCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			probe := tc.probe
			if probe == "" {
				probe = tc.path
			}
			before := testkit.Do(t, http.MethodGet, reg.URL+probe, tok, nil)
			headers := tc.headers
			if !hasHeader(headers, "Authorization") {
				headers = append([]string{"Authorization", "Bearer " + tok}, headers...)
			}
			assertProblem(t, send(t, tc.method, reg.URL+tc.path, tc.body, headers...), http.StatusBadRequest)
			after := testkit.Do(t, http.MethodGet, reg.URL+probe, tok, nil)
			if before.Status != after.Status || !bytes.Equal(before.Body, after.Body) {
				t.Errorf("a refused request changed %s:\nbefore %d %s\nafter  %d %s", probe, before.Status, before.Body, after.Status, after.Body)
			}
		})
	}
}

func hasHeader(headers []string, name string) bool {
	for i := 0; i < len(headers); i += 2 {
		if http.CanonicalHeaderKey(headers[i]) == name {
			return true
		}
	}
	return false
}

func TestStrictInput(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, testStrictInput)
}

func testStrictInput(t *testing.T, reg *testkit.Registry) {
	tenant := reg.Tenant(t)
	tok := reg.Token(t, "alice", tenant, "developer")
	admin := reg.Token(t, "root", tenant, "admin")
	ip := "/registry-api/image-pull/secret/"
	list := "/registry-api/image-pull/secrets"
	ok := `{"username":"u","password":"p"}`
	// One secret exists, so that a refused update shows it unchanged.
	if r := testkit.Do(t, http.MethodPost, reg.URL+ip+"kept", tok, []byte(`{"username":"u0","password":"p0"}`)); r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	runStrictCases(t, reg, tok, []strictCase{
		{name: "path with %FF", method: http.MethodPost, path: ip + "ab%FFcd", body: ok, probe: list},
		{name: "path with %FE", method: http.MethodPost, path: ip + "ab%FEcd", body: ok, probe: list},
		{name: "path with %80", method: http.MethodPost, path: ip + "ab%80cd", body: ok, probe: list},
		{name: "path naming U+FFFD", method: http.MethodPost, path: ip + "ab%EF%BF%BDcd", body: ok, probe: list},
		{name: "path with an overlong encoding", method: http.MethodPost, path: ip + "ab%C0%AFcd", body: ok, probe: list},
		{name: "path with an encoded surrogate", method: http.MethodPost, path: ip + "ab%ED%A0%80cd", body: ok, probe: list},
		{name: "delete through %FF", method: http.MethodDelete, path: ip + "kept%FF", probe: ip + "kept"},
		{name: "query with %FF", method: http.MethodGet, path: list + "?x=%FF", probe: list},
		{name: "body with a raw invalid byte", method: http.MethodPost, path: ip + "s1", body: "{\"username\":\"u\",\"password\":\"\xff\"}"},
		{name: "body with invalid UTF-8 in a key", method: http.MethodPost, path: ip + "s1", body: "{\"username\":\"u\",\"password\":\"p\",\"\xfe\":1}"},
		{name: "lone high surrogate", method: http.MethodPost, path: ip + "s1", body: `{"username":"u","password":"\ud800"}`},
		{name: "lone low surrogate", method: http.MethodPost, path: ip + "s1", body: `{"username":"u","password":"a\uDC00b"}`},
		{name: "high surrogate then a letter", method: http.MethodPost, path: ip + "s1", body: `{"username":"u","password":"\ud800\u0041"}`},
		{name: "lone surrogate in a key", method: http.MethodPost, path: ip + "s1", body: `{"username":"u","password":"p","\ud800":"x"}`},
		{name: "duplicate key", method: http.MethodPost, path: ip + "s1", body: `{"username":"u","password":"p1","password":"p2"}`},
		{name: "duplicate key spelt with an escape", method: http.MethodPost, path: ip + "s1", body: `{"username":"u","password":"p1","p\u0061ssword":"p2"}`},
		{name: "keys differing in case", method: http.MethodPost, path: ip + "s1", body: `{"USERNAME":"u","PassWord":"p1","password":"p2"}`},
		{name: "one key in another case", method: http.MethodPost, path: ip + "s1", body: `{"Username":"u","password":"p"}`},
		{name: "update with keys differing in case", method: http.MethodPatch, path: ip + "kept", body: `{"password":"p1","Password":"p2"}`},
		{name: "update with a lone surrogate", method: http.MethodPatch, path: ip + "kept", body: `{"password":"\udfff"}`},
		{name: "nested duplicate key", method: http.MethodPatch, path: "/registry-api/group/" + tenant, body: `{"metadata":{"k":"1","k":"2"}}`,
			headers: []string{"Authorization", "Bearer " + admin}},
		{name: "two Authorization headers", method: http.MethodPost, path: ip + "s2", body: ok,
			headers: []string{"Authorization", "Bearer " + tok, "Authorization", "Bearer " + tok}},
		{name: "two Authorization headers, the first empty", method: http.MethodPost, path: ip + "s2", body: ok,
			headers: []string{"Authorization", "", "Authorization", "Bearer " + tok}},
	})
}

// The virtual-host routes answer in seed 004's error body, from the same
// decoder: nested duplicates and case variants are refused there too.
func TestStrictInputVirtualHosts(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, func(t *testing.T, reg *testkit.Registry) {
		tok := reg.Token(t, "alice", reg.Tenant(t), "developer")
		vh := reg.URL + "/registry/v1/virtualHost"
		for _, tc := range []struct{ name, body string }{
			{"nested duplicate key", `{"virtualHost":{"name":"strict.example.com","port":80,"port":81}}`},
			{"nested key in another case", `{"virtualHost":{"Name":"strict.example.com","port":80}}`},
			{"duplicate inside securityData", `{"name":"strict.example.com","securityData":{"x":{"a":1,"a":2}}}`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantVHError(t, testkit.Do(t, http.MethodPost, vh, tok, []byte(tc.body)), http.StatusBadRequest, tc.name)
				if r := testkit.Do(t, http.MethodGet, vh+"/strict.example.com", tok, nil); r.Status != http.StatusNotFound {
					t.Errorf("a refused create stored the host: GET %d %s", r.Status, r.Body)
				}
			})
		}
	})
}

// Strictness must not refuse what is valid: a surrogate pair, U+FFFD sent
// as itself, and non-ASCII names are all stored as sent.
func TestStrictInputAcceptsValidUnicode(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, func(t *testing.T, reg *testkit.Registry) {
		tok := reg.Token(t, "alice", reg.Tenant(t), "developer")
		ip := reg.URL + "/registry-api/image-pull/secret/"
		for _, tc := range []struct{ name, path, body, password string }{
			{"surrogate pair", "pair", `{"username":"u","password":"\ud83d\ude00"}`, "\U0001F600"},
			{"replacement character as itself", "fffd", `{"username":"u","password":"a\ufffdb"}`, "a\ufffdb"},
			{"non-ASCII name", "caf%C3%A9", `{"username":"u","password":"é"}`, "é"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if r := testkit.Do(t, http.MethodPost, ip+tc.path, tok, []byte(tc.body)); r.Status != http.StatusCreated {
					t.Fatalf("create: %d %s", r.Status, r.Body)
				}
				var got credential
				r := testkit.Do(t, http.MethodGet, ip+tc.path, tok, nil)
				r.JSON(t, &got)
				if got.Password != tc.password {
					t.Errorf("password %q, want %q", got.Password, tc.password)
				}
			})
		}
	})
}

// A request whose headers exceed rest.MaxHeaderBytes is 431 problem details
// (net/http would answer text/plain), on every route, before any handler;
// one just under the limit is served.
func TestHeadersTooLarge(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t)
	tok := reg.Token(t, "alice", reg.Tenant(t), "developer")
	ip := "/registry-api/image-pull/secret/big"
	big := strings.Repeat("x", rest.MaxHeaderBytes)
	for _, tc := range []struct{ name, method, path, body string }{
		{"create", http.MethodPost, ip, `{"username":"u","password":"p"}`},
		{"health", http.MethodGet, "/healthz", ""},
		{"no route", http.MethodGet, "/nowhere", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, tc.method, reg.URL+tc.path, tc.body, "Authorization", "Bearer "+tok, "X-Padding", big)
			assertProblem(t, r, http.StatusRequestHeaderFieldsTooLarge)
		})
	}
	if r := testkit.Do(t, http.MethodGet, reg.URL+ip, tok, nil); r.Status != http.StatusNotFound {
		t.Errorf("a refused create stored something: GET %d %s", r.Status, r.Body)
	}
	under := strings.Repeat("x", rest.MaxHeaderBytes-len(tok)-1024)
	if r := send(t, http.MethodGet, reg.URL+"/registry-api/image-pull/secrets", "", "Authorization", "Bearer "+tok, "X-Padding", under); r.Status != http.StatusOK {
		t.Errorf("headers under the limit: status %d, body %s", r.Status, r.Body)
	}
}

// An Idempotency-Key reused for another request is 422 problem details and
// changes nothing; the same request again is the first reply.
func TestIdempotencyKeyReusedForAnotherRequest(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, func(t *testing.T, reg *testkit.Registry) {
		tenant := reg.Tenant(t)
		tok := reg.Token(t, "alice", tenant, "developer")
		ip := reg.URL + "/registry-api/image-pull/secret/"
		bodyA := `{"username":"u","password":"first-password"}`
		key := []string{"Authorization", "Bearer " + tok, "Idempotency-Key", "key-1"}
		first := send(t, http.MethodPost, ip+"idem", bodyA, key...)
		if first.Status != http.StatusCreated {
			t.Fatalf("first: %d %s", first.Status, first.Body)
		}
		for _, tc := range []struct{ name, method, path, body, probe string }{
			{"other body", http.MethodPost, "idem", `{"username":"u","password":"second-password"}`, "idem"},
			{"other username", http.MethodPost, "idem", `{"password":"first-password","username":"v"}`, "idem"},
			{"other name", http.MethodPost, "idem-2", bodyA, "idem-2"},
			{"other method", http.MethodPatch, "idem", `{"password":"second-password"}`, "idem"},
			{"delete", http.MethodDelete, "idem", "", "idem"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := testkit.Do(t, http.MethodGet, ip+tc.probe, tok, nil)
				assertProblem(t, send(t, tc.method, ip+tc.path, tc.body, key...), http.StatusUnprocessableEntity)
				after := testkit.Do(t, http.MethodGet, ip+tc.probe, tok, nil)
				if before.Status != after.Status || !bytes.Equal(before.Body, after.Body) {
					t.Errorf("a refused request changed %s:\nbefore %d %s\nafter  %d %s", tc.probe, before.Status, before.Body, after.Status, after.Body)
				}
			})
		}
		// An honest retry, with another token of the same caller, is
		// answered with the first reply.
		renewed := reg.Token(t, "alice", tenant, "developer", "read-only")
		retry := send(t, http.MethodPost, ip+"idem", bodyA, "Authorization", "Bearer "+renewed, "Idempotency-Key", "key-1")
		if retry.Status != http.StatusCreated || !bytes.Equal(retry.Body, first.Body) {
			t.Errorf("retry: %d %s, want the first reply %s", retry.Status, retry.Body, first.Body)
		}
		// So is the same body with its keys in another order: the same command.
		reordered := send(t, http.MethodPost, ip+"idem", `{"password":"first-password","username":"u"}`, key...)
		if reordered.Status != http.StatusCreated || !bytes.Equal(reordered.Body, first.Body) {
			t.Errorf("reordered retry: %d %s, want the first reply %s", reordered.Status, reordered.Body, first.Body)
		}
		var got credential
		testkit.Do(t, http.MethodGet, ip+"idem", tok, nil).JSON(t, &got)
		if got.Password != "first-password" || got.Version != 1 {
			t.Errorf("stored %+v, want the first request's password at version 1", got)
		}
	})
}
