package auth

import "strings"

// BearerToken extracts the token from an Authorization header value
// "Bearer <token>". The scheme is case-insensitive (RFC 9110 §11.1); a
// missing, different or empty credential is ErrUnauthenticated.
func BearerToken(header string) (string, error) {
	const op = "bearer token"
	scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", refuse(op, ErrNoBearer)
	}
	tok = strings.TrimSpace(tok)
	if tok == "" || strings.ContainsAny(tok, " \t") {
		return "", refuse(op, ErrNoBearer)
	}
	return tok, nil
}
