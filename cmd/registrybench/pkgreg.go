package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// benchRepoURL is the package-registry secret GET reads: a URL name, the
// case the storage-key encoding exists for.
const benchRepoURL = "https://charts.example.com/myrepo"

// pkgRegSecrets is how many package-registry secrets the list returns.
const pkgRegSecrets = 10

// pkgRegLoads is package-registry GET and list beside their bare ceilings.
type pkgRegLoads struct {
	Get       load    `json:"get"`
	GetBare   load    `json:"getBare"`
	GetRatio  float64 `json:"getToBareThroughputRatio"`
	List      load    `json:"list"`
	ListBare  load    `json:"listBare"`
	ListRatio float64 `json:"listToBareThroughputRatio"`
}

// seedPackageRegistry stores pkgRegSecrets secrets, the first named
// benchRepoURL, and returns the GET and list URLs and their response bodies.
func seedPackageRegistry(base, token string) (getURL, listURL string, getBody, listBody []byte, err error) {
	prefix := base + "/registry-api/package-registry/"
	for i := range pkgRegSecrets {
		name := benchRepoURL
		if i > 0 {
			name = fmt.Sprintf("https://charts%d.example.com/repo", i)
		}
		u := prefix + "secret/" + url.PathEscape(name)
		if i == 0 {
			getURL = u
		}
		if _, err = call(http.MethodPost, u, token, []byte(`{"username":"bench-user","password":"bench-password"}`), http.StatusCreated); err != nil {
			return
		}
	}
	listURL = prefix + "secrets"
	if getBody, err = call(http.MethodGet, getURL, token, nil, http.StatusOK); err != nil {
		return
	}
	listBody, err = call(http.MethodGet, listURL, token, nil, http.StatusOK)
	return
}

func call(method, u, token string, body []byte, want int) ([]byte, error) {
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != want {
		err = fmt.Errorf("%s %s: status %d, want %d", method, u, resp.StatusCode, want)
	}
	return b, err
}

// measurePackageRegistry measures GET and list through the registry; the
// bare sides are measured by bare, which gets the same response bodies.
func measurePackageRegistry(ctx context.Context, getURL, listURL, token string, conc int, dur time.Duration,
	bareGet, bareList func() (*http.Request, error)) (*pkgRegLoads, error) {
	var res pkgRegLoads
	var err error
	if res.Get, err = warmAndMeasureHTTP(ctx, bearerGet(getURL, token), conc, dur); err != nil {
		return nil, fmt.Errorf("package-registry GET: %w", err)
	}
	if res.List, err = warmAndMeasureHTTP(ctx, bearerGet(listURL, token), conc, dur); err != nil {
		return nil, fmt.Errorf("package-registry list: %w", err)
	}
	if res.GetBare, err = warmAndMeasureHTTP(ctx, bareGet, conc, dur); err != nil {
		return nil, fmt.Errorf("bare GET: %w", err)
	}
	if res.ListBare, err = warmAndMeasureHTTP(ctx, bareList, conc, dur); err != nil {
		return nil, fmt.Errorf("bare list: %w", err)
	}
	res.GetRatio = res.Get.RPS / res.GetBare.RPS
	res.ListRatio = res.List.RPS / res.ListBare.RPS
	return &res, nil
}
