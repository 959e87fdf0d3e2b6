package console_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/http/console"
)

func TestSecrets(t *testing.T) {
	t.Parallel()
	iss := startStandInIssuer(t)
	reg := consoleRegistry(t, iss)
	tenant := reg.Tenant(t)
	b := newBrowser(t, reg.URL)
	home := signIn(t, b, iss, "alice@"+tenant, tenant)
	token := csrf(t, home)
	const password = "s3cret-console-value-42"

	t.Run("a change without the form's token is refused", func(t *testing.T) {
		form := url.Values{"name": {"csrf-probe"}, "username": {"u"}, "password": {password}}
		withToken := func(tok string) url.Values {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("csrf", tok)
			return f
		}
		for _, tc := range []struct {
			name   string
			form   url.Values
			header []string
		}{
			{"no token", form, nil},
			{"a wrong token", withToken(token[:len(token)-2] + "AA"), nil},
			{"another site's origin", withToken(token), []string{"Origin", "https://evil.example"}},
			{"a cross-site fetch", withToken(token), []string{"Sec-Fetch-Site", "cross-site", "Origin", ""}},
		} {
			p := b.post("/console/secrets/image-pull/create", tc.form, tc.header...)
			if p.StatusCode != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", tc.name, p.StatusCode)
			}
		}
		if p := b.post("/console/logout", url.Values{}); p.StatusCode != http.StatusForbidden {
			t.Errorf("logout without the token: %d, want 403", p.StatusCode)
		}
		if list := b.get("/console/secrets/image-pull"); strings.Contains(list.body, "csrf-probe") {
			t.Error("a refused form created its secret")
		}
	})

	t.Run("create, list, reveal, update and delete", func(t *testing.T) {
		created := b.post("/console/secrets/package-registry/create", url.Values{"csrf": {token},
			"name": {"https://npm.example.com/team"}, "username": {"ci"}, "password": {password}, "url": {"https://npm.example.com"}})
		if created.StatusCode != http.StatusSeeOther || created.Header.Get("Location") != "/console/secrets/package-registry" {
			t.Fatalf("create: %d %q:\n%s", created.StatusCode, created.Header.Get("Location"), created.body)
		}
		list := b.get("/console/secrets/package-registry")
		if !strings.Contains(list.body, "https://npm.example.com/team") || !strings.Contains(list.body, "version 1") {
			t.Fatalf("the list shows no new secret or no flash:\n%s", list.body)
		}
		if strings.Contains(list.body, password) {
			t.Fatal("the list shows a value before any reveal")
		}
		first := rowOf(t, list.body, "https://npm.example.com/team")
		if first.version != "1" || !first.updated.Equal(first.created) {
			t.Errorf("after create the list shows %+v, want version 1 updated when created", first)
		}
		if d := time.Since(first.created); d < -time.Minute || d > 5*time.Minute {
			t.Errorf("created %s is not about now", first.created)
		}
		if again := b.get("/console/secrets/package-registry"); strings.Contains(again.body, `id="flash"`) {
			t.Error("the flash message shows twice")
		}

		revealed := b.post("/console/secrets/package-registry/reveal", url.Values{"csrf": {token}, "name": {"https://npm.example.com/team"}})
		if revealed.StatusCode != http.StatusOK || !strings.Contains(revealed.body, password) || !strings.Contains(revealed.body, `id="revealed-version"`) {
			t.Fatalf("reveal: %d:\n%s", revealed.StatusCode, revealed.body)
		}
		if cc := revealed.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("reveal Cache-Control %q, want no-store", cc)
		}

		// The reveal is the REST GET's query: its audit record is there,
		// with the actor, and holds no value in clear.
		var found bool
		var mine []any
		for _, rec := range reg.AuditRecords(t) {
			if rec.Tenant != tenant {
				continue
			}
			mine = append(mine, rec)
			if rec.Type == events.PackageRegistrySecretRead && strings.Contains(string(rec.Data), "alice@"+tenant) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s record of alice's reveal in the audit log", events.PackageRegistrySecretRead)
		}
		raw, _ := json.Marshal(mine)
		if strings.Contains(string(raw), password) {
			t.Error("the audit log holds the secret value in clear")
		}
		if strings.Contains(string(reg.Logs.Bytes()), password) {
			t.Error("the service log holds the secret value")
		}

		updated := b.post("/console/secrets/package-registry/update", url.Values{"csrf": {token}, "name": {"https://npm.example.com/team"}, "password": {"rotated-" + password}})
		if updated.StatusCode != http.StatusSeeOther {
			t.Fatalf("update: %d:\n%s", updated.StatusCode, updated.body)
		}
		list = b.get("/console/secrets/package-registry")
		if !strings.Contains(list.body, "version 2") {
			t.Errorf("after update the flash names no version 2:\n%s", list.body)
		}
		if strings.Contains(list.body, password) {
			t.Error("the list shows a value after an update")
		}
		second := rowOf(t, list.body, "https://npm.example.com/team")
		if second.version != "2" || !second.created.Equal(first.created) || second.updated.Before(first.updated) {
			t.Errorf("after update the list shows %+v, want version 2, created %s kept and updated not before %s", second, first.created, first.updated)
		}
		// The list is audited as the REST list is: a count and the actor.
		var listed bool
		for _, rec := range reg.AuditRecords(t) {
			if rec.Tenant == tenant && rec.Type == events.PackageRegistrySecretsListed && strings.Contains(string(rec.Data), "alice@"+tenant) {
				listed = true
			}
		}
		if !listed {
			t.Errorf("no %s record of alice's list in the audit log", events.PackageRegistrySecretsListed)
		}
		again := b.post("/console/secrets/package-registry/reveal", url.Values{"csrf": {token}, "name": {"https://npm.example.com/team"}})
		if !strings.Contains(again.body, "rotated-"+password) || !strings.Contains(again.body, ">ci<") {
			t.Errorf("after an update of the password only: want the new password and the username kept:\n%s", again.body)
		}

		deleted := b.post("/console/secrets/package-registry/delete", url.Values{"csrf": {token}, "name": {"https://npm.example.com/team"}})
		if deleted.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete: %d:\n%s", deleted.StatusCode, deleted.body)
		}
		if list := b.get("/console/secrets/package-registry"); strings.Contains(list.body, `data-name="https://npm.example.com/team"`) {
			t.Error("the deleted secret is still listed")
		}
		if p := b.post("/console/secrets/package-registry/reveal", url.Values{"csrf": {token}, "name": {"https://npm.example.com/team"}}); p.StatusCode != http.StatusNotFound {
			t.Errorf("reveal of a deleted secret: %d, want 404", p.StatusCode)
		}
	})

	t.Run("bad input gets a clear answer", func(t *testing.T) {
		p := b.post("/console/secrets/image-pull/create", url.Values{"csrf": {token}, "name": {"Bad Name!"}, "username": {"u"}, "password": {"p"}})
		if p.StatusCode != http.StatusBadRequest || !strings.Contains(p.body, `id="error-message"`) {
			t.Errorf("an invalid name: %d, want 400 with a message:\n%s", p.StatusCode, p.body)
		}
		if p := b.get("/console/secrets/no-such-scope"); p.StatusCode != http.StatusNotFound {
			t.Errorf("an unknown scope: %d, want 404", p.StatusCode)
		}
	})

	t.Run("another tenant sees none of it", func(t *testing.T) {
		created := b.post("/console/secrets/image-pull/create", url.Values{"csrf": {token}, "name": {"alices-pull"}, "username": {"u"}, "password": {password}, "url": {"https://registry.example.com"}})
		if created.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d:\n%s", created.StatusCode, created.body)
		}
		other := reg.Tenant(t)
		eve := newBrowser(t, reg.URL)
		signIn(t, eve, iss, "eve@"+other, other)
		list := eve.get("/console/secrets/image-pull")
		if list.StatusCode != http.StatusOK || strings.Contains(list.body, "alices-pull") || !strings.Contains(list.body, `data-test="no-secrets"`) {
			t.Errorf("another tenant's list: %d:\n%s", list.StatusCode, list.body)
		}
		p := eve.post("/console/secrets/image-pull/reveal", url.Values{"csrf": {csrf(t, list)}, "name": {"alices-pull"}})
		if p.StatusCode != http.StatusNotFound || strings.Contains(p.body, password) {
			t.Errorf("another tenant's reveal: %d, want 404 and no value", p.StatusCode)
		}
		// Alice's token in Eve's form is refused: tokens are per session.
		p = eve.post("/console/secrets/image-pull/delete", url.Values{"csrf": {token}, "name": {"alices-pull"}})
		if p.StatusCode != http.StatusForbidden {
			t.Errorf("another session's CSRF token: %d, want 403", p.StatusCode)
		}
		if list := b.get("/console/secrets/image-pull"); !strings.Contains(list.body, "alices-pull") {
			t.Error("alice's secret is gone")
		}
	})

	t.Run("pages have the console's CSP and no inline script or style", func(t *testing.T) {
		pages := map[string]page{
			"secrets":  b.get("/console/secrets/image-pull"),
			"revealed": b.post("/console/secrets/image-pull/reveal", url.Values{"csrf": {token}, "name": {"alices-pull"}}),
			"error":    b.get("/console/secrets/no-such-scope"),
			"css":      b.get("/console/static/console.css"),
			"js":       b.get("/console/static/console.js"),
		}
		for name, p := range pages {
			if got := p.Header.Get("Content-Security-Policy"); got != console.ContentSecurityPolicy {
				t.Errorf("%s: CSP %q, want %q", name, got, console.ContentSecurityPolicy)
			}
			if p.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: no nosniff", name)
			}
		}
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"} {
			if !strings.Contains(console.ContentSecurityPolicy, want) {
				t.Errorf("CSP lacks %s", want)
			}
		}
		if css := pages["css"]; css.StatusCode != http.StatusOK || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") {
			t.Errorf("console.css: %d %s", css.StatusCode, css.Header.Get("Content-Type"))
		}
		inline := []*regexp.Regexp{
			regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>\s*[^<\s]`), // a script with a body
			regexp.MustCompile(`(?i)<style`),
			regexp.MustCompile(`(?i)\sstyle=`),
			regexp.MustCompile(`(?i)\son[a-z]+=`),
			regexp.MustCompile(`(?i)javascript:`),
			regexp.MustCompile(`(?i)(src|href)="(https?:)?//`), // a third-party origin
		}
		scriptTag := regexp.MustCompile(`(?i)<script[^>]*>`)
		for _, name := range []string{"secrets", "revealed", "error"} {
			for _, tag := range scriptTag.FindAllString(pages[name].body, -1) {
				if !strings.Contains(tag, `src="/console/static/`) {
					t.Errorf("%s page: a script not from /console/static/: %s", name, tag)
				}
			}
			for _, re := range inline {
				if m := re.FindString(pages[name].body); m != "" {
					t.Errorf("%s page: %q (%s)", name, m, re)
				}
			}
		}
		// The REST API keeps its own policy.
		api := b.get("/healthz")
		if got := api.Header.Get("Content-Security-Policy"); got == console.ContentSecurityPolicy || !strings.Contains(got, "default-src 'none'") {
			t.Errorf("REST CSP %q", got)
		}
	})
}

// listedRow is one secret's row of a console list.
type listedRow struct {
	version          string
	created, updated time.Time
}

// rowOf reads the version and times of the named secret's row in a list
// page, failing the test when it is not there or a time is not UTC.
func rowOf(t *testing.T, body, name string) listedRow {
	t.Helper()
	re := regexp.MustCompile(`(?s)<tr data-test="secret-row" data-name="` + regexp.QuoteMeta(name) + `">.*?` +
		`data-test="secret-version">([^<]*)</td>.*?data-test="secret-created">([^<]*)</td>.*?data-test="secret-updated">([^<]*)</td>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no row with version and times for %s:\n%s", name, body)
	}
	row := listedRow{version: m[1]}
	for i, dst := range []*time.Time{&row.created, &row.updated} {
		v, err := time.Parse("2006-01-02 15:04:05 MST", m[2+i])
		if err != nil || !strings.HasSuffix(m[2+i], " UTC") {
			t.Fatalf("time %q of %s: not UTC (%v)", m[2+i], name, err)
		}
		*dst = v
	}
	return row
}
