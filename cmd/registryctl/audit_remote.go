package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// remoteTail reads the audit log of a running registry over its REST API
// (GET /registry-api/admin/audit) instead of a data directory: what a
// registryd in a Kubernetes pod offers an operator without a shell in it.
// The server decides what the token may see (a tenant admin its tenant's
// records, the platform admin every record).
type remoteTail struct {
	server   string // base URL, e.g. https://registry.example.com
	token    string
	query    url.Values // the server-side filters
	tenant   string     // filtered here: the API takes no tenant parameter
	interval time.Duration
	client   *http.Client
	// prefix starts the correlation id of every request this tail sends.
	// Each poll is an audited read; its own record is not printed, or a
	// follower would print one record of its own per poll.
	prefix string
	polls  int
}

// remotePage is the API's answer; records stay as sent but for the fields
// read here.
type remotePage struct {
	Records []logRecord `json:"records"`
	Next    string      `json:"next"`
	More    bool        `json:"more"`
}

// remoteTimeout bounds one request.
const remoteTimeout = 30 * time.Second

func newRemoteTail(server, token string) (*remoteTail, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server %q: want the registry's base URL, e.g. https://registry.example.com", server)
	}
	if token == "" {
		return nil, errors.New("--server needs a bearer token: --token or REGISTRY_TOKEN (an admin's or the platform admin's)")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return &remoteTail{
		server: strings.TrimRight(server, "/"), token: token, query: url.Values{},
		interval: time.Second, client: &http.Client{Timeout: remoteTimeout},
		prefix: "registryctl-tail-" + hex.EncodeToString(b) + "-",
	}, nil
}

// run prints every record from the start of the log (or what retention
// kept) as JSON lines; with follow it then polls for new ones until ctx
// ends. A failed poll while following is reported and retried: a registry
// restarting must not end a tail.
func (t *remoteTail) run(ctx context.Context, out io.Writer, errOut io.Writer, follow bool) error {
	enc := json.NewEncoder(out)
	cursor := ""
	for {
		page, err := t.page(ctx, cursor)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && follow && !errors.Is(err, errRefused):
			fmt.Fprintf(errOut, "registryctl: audit tail: %v (retrying)\n", err)
		case err != nil:
			return err
		default:
			for _, r := range page.Records {
				if strings.HasPrefix(r.CorrelationID, t.prefix) || (t.tenant != "" && r.Tenant != t.tenant) {
					continue
				}
				if err := enc.Encode(r); err != nil {
					return err
				}
			}
			if page.Next != "" {
				cursor = page.Next
			}
			if page.More {
				continue
			}
			if !follow {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(t.interval):
		}
	}
}

// errRefused marks an answer asking again will not change (4xx).
var errRefused = errors.New("refused")

func (t *remoteTail) page(ctx context.Context, cursor string) (remotePage, error) {
	q := url.Values{}
	for k, v := range t.query {
		q[k] = v
	}
	q.Set("limit", "1000")
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.server+"/registry-api/admin/audit?"+q.Encode(), nil)
	if err != nil {
		return remotePage{}, err
	}
	t.polls++
	req.Header.Set("Authorization", "Bearer "+t.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Correlation-ID", t.prefix+strconv.Itoa(t.polls))
	resp, err := t.client.Do(req)
	if err != nil {
		return remotePage{}, fmt.Errorf("GET %s/registry-api/admin/audit: %w", t.server, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return remotePage{}, fmt.Errorf("GET %s/registry-api/admin/audit: %w", t.server, err)
	}
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("GET %s/registry-api/admin/audit: %s%s", t.server, resp.Status, problemDetail(body))
		if resp.StatusCode < 500 {
			err = fmt.Errorf("%w: %w", errRefused, err)
		}
		return remotePage{}, err
	}
	var page remotePage
	if err := json.Unmarshal(body, &page); err != nil {
		return remotePage{}, fmt.Errorf("GET %s/registry-api/admin/audit: the answer is not an audit page: %w", t.server, err)
	}
	return page, nil
}

// problemDetail is ": <detail>" of a problem details body, or "".
func problemDetail(body []byte) string {
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	if json.Unmarshal(body, &p) != nil || (p.Detail == "" && p.Title == "") {
		return ""
	}
	if p.Detail == "" {
		return ": " + p.Title
	}
	return ": " + p.Detail
}
