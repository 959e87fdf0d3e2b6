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
	if !b64token(tok) {
		return "", refuse(op, ErrNoBearer)
	}
	return tok, nil
}

// b64token reports whether tok is RFC 6750's b64token,
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=": what a
// bearer credential may hold (a JWT does). Control bytes, white space and
// non-ASCII never reach a verifier or a log line.
func b64token(tok string) bool {
	body := strings.TrimRight(tok, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '.', c == '_', c == '~', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}
