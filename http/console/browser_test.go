package console_test

import (
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/testkit"
)

// consoleRegistry is a test registry with the console on, trusting iss.
func consoleRegistry(t *testing.T, iss *standInIssuer) *testkit.Registry {
	t.Helper()
	return testkit.StartRegistry(t, func(c *app.Config) {
		c.OIDC = auth.Config{Issuer: iss.URL, Audience: testkit.Audience}
		c.Console.Enabled = true
	})
}

// browser is an HTTP client with a cookie jar that follows no redirect by
// itself, so a test sees every hop and every Set-Cookie.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, c: c, base: base}
}

// page is one answer, its body read.
type page struct {
	*http.Response
	body string
}

func (b *browser) abs(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return b.base + path
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{Response: resp, body: string(body)}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.abs(path), nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// follow GETs path and follows redirects as a browser would, returning
// every answer, the last one last.
func (b *browser) follow(path string) []page {
	b.t.Helper()
	var hops []page
	next := b.abs(path)
	for range 10 {
		p := b.get(next)
		hops = append(hops, p)
		if p.StatusCode < 300 || p.StatusCode >= 400 {
			return hops
		}
		loc, err := p.Request.URL.Parse(p.Header.Get("Location"))
		if err != nil {
			b.t.Fatal(err)
		}
		next = loc.String()
	}
	b.t.Fatalf("more than 10 redirects from %s", path)
	return nil
}

// post sends a form as a same-origin browser form post would.
func (b *browser) post(path string, form url.Values, header ...string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.abs(path), strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	return b.do(req)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the synchronizer token of the page's forms.
func csrf(t *testing.T, p page) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no csrf field in the page:\n%s", p.body)
	}
	return m[1]
}

// signIn signs b in as subject of tenant through the issuer and returns
// the first console page.
func signIn(t *testing.T, b *browser, iss *standInIssuer, subject, tenant string, roles ...string) page {
	t.Helper()
	iss.approve(subject, tenant, roles...)
	hops := b.follow("/console/")
	last := hops[len(hops)-1]
	if last.StatusCode != http.StatusOK || !strings.Contains(last.Request.URL.Path, "/console/callback") {
		t.Fatalf("sign-in ended at %s with %d:\n%s", last.Request.URL, last.StatusCode, last.body)
	}
	hops = b.follow("/console/")
	home := hops[len(hops)-1]
	if home.StatusCode != http.StatusOK || !strings.Contains(home.body, subject) {
		t.Fatalf("after sign-in /console/ ended at %s with %d:\n%s", home.Request.URL, home.StatusCode, home.body)
	}
	return home
}

func randomString() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
