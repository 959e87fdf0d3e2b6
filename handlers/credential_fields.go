package handlers

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// Field limits: generous for real credentials, small enough that a body
// cannot turn the store into a blob store.
const (
	maxUsername = 1024
	maxPassword = 16 << 10
	maxURL      = 2048
)

func checkCredentialFields(username, password, rawURL string, required bool) error {
	var errs []error
	if required && username == "" {
		errs = append(errs, errors.New("username is required"))
	}
	if required && password == "" {
		errs = append(errs, errors.New("password is required"))
	}
	if len(username) > maxUsername {
		errs = append(errs, fmt.Errorf("username is longer than %d bytes", maxUsername))
	}
	if len(password) > maxPassword {
		errs = append(errs, fmt.Errorf("password is longer than %d bytes", maxPassword))
	}
	if strings.IndexFunc(username, unicode.IsControl) >= 0 {
		errs = append(errs, errors.New("username contains control characters"))
	}
	if rawURL != "" {
		if err := checkRegistryURL(rawURL); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}
	return nil
}

// checkRegistryURL accepts an http(s) URL or a bare registry host[:port][/path].
func checkRegistryURL(raw string) error {
	if len(raw) > maxURL {
		return fmt.Errorf("url is longer than %d bytes", maxURL)
	}
	if strings.IndexFunc(raw, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return errors.New("url contains spaces or control characters")
	}
	candidate := raw
	if !strings.Contains(raw, "://") {
		candidate = "https://" + raw
	}
	u, err := url.Parse(candidate)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "oci") {
		return errors.New("url must be an http(s) URL or a registry host")
	}
	if u.User != nil {
		return errors.New("url must not embed credentials")
	}
	return nil
}

func changedFields(username, password, url *string) []string {
	var f []string
	if password != nil {
		f = append(f, "password")
	}
	if url != nil {
		f = append(f, "url")
	}
	if username != nil {
		f = append(f, "username")
	}
	return f
}
