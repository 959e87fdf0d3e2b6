package app

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"
)

// TLSConfig turns the REST listener into HTTPS (seed 003): TLS 1.2 at
// least, 1.3 preferred (Go negotiates 1.3 whenever the client offers it),
// and optional mutual TLS.
type TLSConfig struct {
	// CertFile and KeyFile are the PEM server certificate (chain) and key
	// (REGISTRY_TLS_CERT_FILE, REGISTRY_TLS_KEY_FILE). Both or neither.
	// They are read again when either file changes, so a certificate is
	// rotated without a restart.
	CertFile, KeyFile string
	// ClientCAFile, when set, requires every client to present a
	// certificate signed by one of its PEM CAs (REGISTRY_TLS_CLIENT_CA_FILE).
	ClientCAFile string
	// MinVersion is "1.2" (default) or "1.3" (REGISTRY_TLS_MIN_VERSION).
	MinVersion string
	// ReloadInterval bounds how often the certificate files are checked for
	// changes. Default 10s.
	ReloadInterval time.Duration
}

// hstsValue is sent on every HTTPS response: two years, subdomains too.
const hstsValue = "max-age=63072000; includeSubDomains"

// defaultCertReloadInterval is TLSConfig.ReloadInterval's default.
const defaultCertReloadInterval = 10 * time.Second

// Enabled reports whether TLS is configured.
func (c TLSConfig) Enabled() bool { return c.CertFile != "" || c.KeyFile != "" }

// Validate names the setting at fault.
func (c TLSConfig) Validate() error {
	var errs []error
	if (c.CertFile == "") != (c.KeyFile == "") {
		errs = append(errs, errors.New("REGISTRY_TLS_CERT_FILE and REGISTRY_TLS_KEY_FILE go together: set both or neither"))
	}
	if c.ClientCAFile != "" && !c.Enabled() {
		errs = append(errs, errors.New("REGISTRY_TLS_CLIENT_CA_FILE needs REGISTRY_TLS_CERT_FILE and REGISTRY_TLS_KEY_FILE: mutual TLS is TLS"))
	}
	switch c.MinVersion {
	case "", "1.2", "1.3":
	default:
		errs = append(errs, fmt.Errorf("REGISTRY_TLS_MIN_VERSION %q: want 1.2 or 1.3", c.MinVersion))
	}
	return errors.Join(errs...)
}

// serverTLS builds the listener's TLS configuration; the certificate is
// loaded now, so a bad file fails start-up.
func (c TLSConfig) serverTLS(logger *slog.Logger) (*tls.Config, error) {
	r := &certReloader{certFile: c.CertFile, keyFile: c.KeyFile, logger: logger, interval: c.ReloadInterval}
	if r.interval <= 0 {
		r.interval = defaultCertReloadInterval
	}
	if err := r.load(); err != nil {
		return nil, err
	}
	cfg := &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: r.get,
		// TLS 1.2 suites: forward secrecy and AEAD only (TLS 1.3 suites are
		// not configurable and all good).
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
	}
	if c.MinVersion == "1.3" {
		cfg.MinVersion = tls.VersionTLS13
	}
	if c.ClientCAFile != "" {
		pem, err := os.ReadFile(c.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("REGISTRY_TLS_CLIENT_CA_FILE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("REGISTRY_TLS_CLIENT_CA_FILE %s: no PEM certificate in it", c.ClientCAFile)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// certReloader serves the certificate and reloads it when its files
// change. A reload that fails keeps the previous certificate and logs.
type certReloader struct {
	certFile, keyFile string
	logger            *slog.Logger
	interval          time.Duration

	mu      sync.Mutex
	cert    *tls.Certificate
	modTime time.Time
	checked time.Time
}

func (r *certReloader) load() error {
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("REGISTRY_TLS_CERT_FILE / REGISTRY_TLS_KEY_FILE: %w", err)
	}
	mod, err := r.latestModTime()
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.cert, r.modTime, r.checked = &cert, mod, time.Now()
	r.mu.Unlock()
	return nil
}

func (r *certReloader) latestModTime() (time.Time, error) {
	var latest time.Time
	for _, f := range []string{r.certFile, r.keyFile} {
		st, err := os.Stat(f)
		if err != nil {
			return time.Time{}, fmt.Errorf("REGISTRY_TLS_CERT_FILE / REGISTRY_TLS_KEY_FILE: %w", err)
		}
		if st.ModTime().After(latest) {
			latest = st.ModTime()
		}
	}
	return latest, nil
}

func (r *certReloader) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	cert, due, seen := r.cert, time.Since(r.checked) >= r.interval, r.modTime
	if due {
		r.checked = time.Now()
	}
	r.mu.Unlock()
	if due {
		if mod, err := r.latestModTime(); err == nil && mod.After(seen) {
			if err := r.load(); err != nil {
				r.logger.Warn("TLS certificate changed but cannot be loaded; keeping the previous one", "error", err)
			} else {
				r.logger.Info("TLS certificate reloaded", "file", r.certFile)
				r.mu.Lock()
				cert = r.cert
				r.mu.Unlock()
			}
		}
	}
	return cert, nil
}

// hsts adds Strict-Transport-Security to every response.
func hsts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", hstsValue)
		next.ServeHTTP(w, r)
	})
}
