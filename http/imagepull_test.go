package rest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/testkit"
)

// The request body of seed 000, verbatim.
const seedImagePullBody = `{
  "username": "my-user",
  "password": "my-password",
  "url": "https://registry.example.com"
}`

type credential struct {
	Name     string `json:"name"`
	Username string `json:"username"`
	Password string `json:"password"`
	URL      string `json:"url"`
	Version  int    `json:"version"`
}

// onEveryBackend runs a flow test against the embedded registry and the one
// on Vault + Kafka.
func onEveryBackend(t *testing.T, test func(t *testing.T, reg *testkit.Registry)) {
	for _, b := range testkit.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			test(t, testkit.StartRegistryOn(t, b))
		})
	}
}

func TestImagePullLifecycle(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, testImagePullLifecycle)
}

func testImagePullLifecycle(t *testing.T, reg *testkit.Registry) {
	tok := reg.Token(t, "alice", reg.Tenant(t), "developer")
	base := reg.URL + "/registry-api/image-pull"

	created := testkit.Do(t, http.MethodPost, base+"/secret/my-app-pull-secret", tok, []byte(seedImagePullBody))
	if created.Status != http.StatusCreated {
		t.Fatalf("POST: status %d, body %s", created.Status, created.Body)
	}
	if got := created.Header.Get("Location"); got != "/registry-api/image-pull/secret/my-app-pull-secret" {
		t.Errorf("Location = %q", got)
	}
	if strings.Contains(string(created.Body), "my-password") {
		t.Errorf("create reply carries the password: %s", created.Body)
	}

	var got credential
	read := testkit.Do(t, http.MethodGet, base+"/secret/my-app-pull-secret", tok, nil)
	if read.Status != http.StatusOK {
		t.Fatalf("GET: status %d, body %s", read.Status, read.Body)
	}
	read.JSON(t, &got)
	want := credential{Name: "my-app-pull-secret", Username: "my-user", Password: "my-password", URL: "https://registry.example.com", Version: 1}
	if got != want {
		t.Errorf("GET = %+v, want %+v", got, want)
	}
	if cc := read.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control on a secret = %q, want no-store", cc)
	}

	patched := testkit.Do(t, http.MethodPatch, base+"/secret/my-app-pull-secret", tok, []byte(`{"password":"rotated-password"}`))
	if patched.Status != http.StatusOK {
		t.Fatalf("PATCH: status %d, body %s", patched.Status, patched.Body)
	}
	testkit.Do(t, http.MethodGet, base+"/secret/my-app-pull-secret", tok, nil).JSON(t, &got)
	want = credential{Name: "my-app-pull-secret", Username: "my-user", Password: "rotated-password", URL: "https://registry.example.com", Version: 2}
	if got != want {
		t.Errorf("after PATCH = %+v, want %+v (fields not given must be kept)", got, want)
	}

	var names []string
	testkit.Do(t, http.MethodGet, base+"/secrets", tok, nil).JSON(t, &names)
	if len(names) != 1 || names[0] != "my-app-pull-secret" {
		t.Errorf("list = %v", names)
	}

	if dup := testkit.Do(t, http.MethodPost, base+"/secret/my-app-pull-secret", tok, []byte(seedImagePullBody)); dup.Status != http.StatusConflict {
		t.Errorf("POST over an existing name: status %d, want 409", dup.Status)
	}
	if del := testkit.Do(t, http.MethodDelete, base+"/secret/my-app-pull-secret", tok, nil); del.Status != http.StatusNoContent {
		t.Fatalf("DELETE: status %d, body %s", del.Status, del.Body)
	}
	if gone := testkit.Do(t, http.MethodGet, base+"/secret/my-app-pull-secret", tok, nil); gone.Status != http.StatusNotFound {
		t.Errorf("GET after DELETE: status %d, want 404", gone.Status)
	}
	if again := testkit.Do(t, http.MethodDelete, base+"/secret/my-app-pull-secret", tok, nil); again.Status != http.StatusNotFound {
		t.Errorf("DELETE of a deleted secret: status %d, want 404", again.Status)
	}
	testkit.Do(t, http.MethodGet, base+"/secrets", tok, nil).JSON(t, &names)
	if len(names) != 0 {
		t.Errorf("list after DELETE = %v, want empty", names)
	}
}

func TestImagePullOtherTenantSeesNothing(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, testImagePullOtherTenantSeesNothing)
}

func testImagePullOtherTenantSeesNothing(t *testing.T, reg *testkit.Registry) {
	alice := reg.Token(t, "alice", reg.Tenant(t), "developer")
	mallory := reg.Token(t, "mallory", reg.Tenant(t), "admin")
	base := reg.URL + "/registry-api/image-pull"
	if r := testkit.Do(t, http.MethodPost, base+"/secret/shared-name", alice, []byte(seedImagePullBody)); r.Status != http.StatusCreated {
		t.Fatalf("POST: %d %s", r.Status, r.Body)
	}

	for _, tc := range []struct {
		method, path, body string
	}{
		{http.MethodGet, "/secret/shared-name", ""},
		{http.MethodPatch, "/secret/shared-name", `{"password":"stolen"}`},
		{http.MethodDelete, "/secret/shared-name", ""},
	} {
		var body []byte
		if tc.body != "" {
			body = []byte(tc.body)
		}
		r := testkit.Do(t, tc.method, base+tc.path, mallory, body)
		if r.Status != http.StatusNotFound {
			t.Errorf("%s %s as another tenant: status %d, want 404", tc.method, tc.path, r.Status)
		}
		if strings.Contains(string(r.Body), "my-password") || strings.Contains(string(r.Body), "my-user") {
			t.Errorf("%s %s leaked data: %s", tc.method, tc.path, r.Body)
		}
	}
	var names []string
	testkit.Do(t, http.MethodGet, base+"/secrets", mallory, nil).JSON(t, &names)
	if len(names) != 0 {
		t.Errorf("other tenant lists %v", names)
	}
	var got credential
	testkit.Do(t, http.MethodGet, base+"/secret/shared-name", alice, nil).JSON(t, &got)
	if got.Password != "my-password" || got.Version != 1 {
		t.Errorf("owner's secret changed by another tenant: %+v", got)
	}
}

func TestImagePullBadBodies(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, testImagePullBadBodies)
}

func testImagePullBadBodies(t *testing.T, reg *testkit.Registry) {
	tok := reg.Token(t, "alice", reg.Tenant(t), "developer")
	base := reg.URL + "/registry-api/image-pull/secret/"
	for _, tc := range []struct {
		name, body, detail string
	}{
		{"missing username", `{"password":"p"}`, "username is required"},
		{"missing password", `{"username":"u"}`, "password is required"},
		{"wrong type", `{"username":"u","password":42}`, `"password" must be a string`},
		{"unknown field", `{"username":"u","password":"p","passwd":"x"}`, `unknown field "passwd"`},
		{"not JSON", `username=u&password=p`, "not valid JSON"},
		{"array", `[]`, "must be a JSON object"},
		{"two objects", `{"username":"u","password":"p"}{}`, "single JSON object"},
		{"empty", ``, "body is empty"},
		{"oversized", `{"username":"u","password":"` + strings.Repeat("x", 70<<10) + `"}`, "exceeds"},
		{"bad url", `{"username":"u","password":"p","url":"ftp://x y"}`, "url"},
		{"url with credentials", `{"username":"u","password":"p","url":"https://u:p@registry.example.com"}`, "must not embed credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "bad-" + strings.ReplaceAll(tc.name, " ", "-")
			r := testkit.Do(t, http.MethodPost, base+name, tok, []byte(tc.body))
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", r.Status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			var p struct {
				Type   string `json:"type"`
				Title  string `json:"title"`
				Status int    `json:"status"`
				Detail string `json:"detail"`
			}
			r.JSON(t, &p)
			if p.Status != 400 || p.Type == "" || p.Title == "" || !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("problem = %+v, want status 400 and detail containing %q", p, tc.detail)
			}
			if got := testkit.Do(t, http.MethodGet, base+name, tok, nil); got.Status != http.StatusNotFound {
				t.Errorf("a refused body stored something: GET status %d", got.Status)
			}
		})
	}
	for _, name := range []string{"..", "a..b", "%2e%2e", "with%00nul", "with%20space"} {
		r := testkit.Do(t, http.MethodPost, base+name, tok, []byte(seedImagePullBody))
		if r.Status != http.StatusBadRequest && r.Status != http.StatusNotFound {
			t.Errorf("name %q: status %d, want 400 or 404", name, r.Status)
		}
	}
}

func TestImagePullIdempotencyKey(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, testImagePullIdempotencyKey)
}

func testImagePullIdempotencyKey(t *testing.T, reg *testkit.Registry) {
	alice := reg.Token(t, "alice", reg.Tenant(t), "developer")
	bob := reg.Token(t, "bob", reg.Tenant(t), "developer")
	url := reg.URL + "/registry-api/image-pull/secret/idem"

	first := testkit.Do(t, http.MethodPost, url, alice, []byte(seedImagePullBody), "Idempotency-Key", "k-1")
	second := testkit.Do(t, http.MethodPost, url, alice, []byte(seedImagePullBody), "Idempotency-Key", "k-1")
	if first.Status != http.StatusCreated || second.Status != http.StatusCreated {
		t.Fatalf("statuses %d, %d; want 201 twice (the retry is answered, not re-run)", first.Status, second.Status)
	}
	if string(first.Body) != string(second.Body) {
		t.Errorf("retried command got another reply:\n%s\n%s", first.Body, second.Body)
	}
	// Without the key, the same request is a new command: conflict.
	if third := testkit.Do(t, http.MethodPost, url, alice, []byte(seedImagePullBody)); third.Status != http.StatusConflict {
		t.Errorf("new command: status %d, want 409", third.Status)
	}
	// Another tenant's identical key is another command.
	if other := testkit.Do(t, http.MethodPost, url, bob, []byte(seedImagePullBody), "Idempotency-Key", "k-1"); other.Status != http.StatusCreated {
		t.Errorf("same key, other tenant: status %d, want 201", other.Status)
	}
	var got credential
	testkit.Do(t, http.MethodGet, url, alice, nil).JSON(t, &got)
	if got.Version != 1 {
		t.Errorf("version %d after a retried create, want 1", got.Version)
	}
	var reply map[string]any
	if err := json.Unmarshal(first.Body, &reply); err != nil || reply["version"] != float64(1) {
		t.Errorf("create reply = %s", first.Body)
	}
}
