package registrytoken_test

import (
	"bytes"
	"crypto"
	"crypto/elliptic"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hypo-registry/registry/handlers/registrytoken"
)

func signerClaims() registrytoken.Claims {
	return registrytoken.Claims{
		Issuer: "registry-token-issuer", Subject: "alice", Audience: "registry.example.com",
		IssuedAt: 1_700_000_000, NotBefore: 1_700_000_000, ExpiresAt: 1_700_000_300, ID: "jti-1",
		Access: []registrytoken.Scope{{Type: "repository", Name: "team/app", Actions: []string{"pull", "push"}}},
	}
}

// The signer writes what golang-jwt writes for the same claims and key:
// byte for byte with RS256 (deterministic), the same header and claims
// with ES256, whose signatures golang-jwt verifies.
func TestSignerMatchesGolangJWT(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		key    crypto.Signer
		method jwt.SigningMethod
	}{
		{"RS256", rsaKey(), jwt.SigningMethodRS256},
		{"ES256", ecKey(t, elliptic.P256()), jwt.SigningMethodES256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := registrytoken.NewSigner(tc.key, "kid-1", "")
			if err != nil {
				t.Fatal(err)
			}
			ref := jwt.NewWithClaims(tc.method, signerClaims())
			ref.Header["kid"] = "kid-1"
			want, err := ref.SignedString(tc.key)
			if err != nil {
				t.Fatal(err)
			}
			for range 20 {
				got, err := s.Sign(signerClaims())
				if err != nil {
					t.Fatal(err)
				}
				if tc.name == "RS256" && got != want {
					t.Fatalf("RS256 token\n got %s\nwant %s", got, want)
				}
				if got[:strings.LastIndexByte(got, '.')] != want[:strings.LastIndexByte(want, '.')] {
					t.Fatalf("header and claims\n got %s\nwant %s", got, want)
				}
				if _, err := jwt.Parse(got, func(*jwt.Token) (any, error) { return tc.key.Public(), nil },
					jwt.WithValidMethods([]string{tc.name}), jwt.WithoutClaimsValidation()); err != nil {
					t.Fatalf("golang-jwt refuses the token: %v", err)
				}
			}
		})
	}
}

// An ES256 signature is r||s of 32 bytes each whatever the integers' DER
// lengths (a leading sign byte, a short value); malformed DER is refused.
func TestP256RS(t *testing.T) {
	t.Parallel()
	der := func(r, s *big.Int) []byte {
		b, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	high := new(big.Int).Lsh(big.NewInt(1), 255) // DER adds a zero sign byte
	short := big.NewInt(0x0102)
	for _, tc := range []struct {
		name string
		r, s *big.Int
	}{{"sign byte", high, short}, {"short", short, high}, {"both short", short, short}} {
		got, err := registrytoken.P256RS(der(tc.r, tc.s))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want := append(tc.r.FillBytes(make([]byte, 32)), tc.s.FillBytes(make([]byte, 32))...)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: %x, want %x", tc.name, got, want)
		}
	}
	good := der(high, short)
	for name, in := range map[string][]byte{
		"empty":          nil,
		"truncated":      good[:len(good)-1],
		"trailing":       append(append([]byte{}, good...), 0),
		"not a sequence": append([]byte{0x31}, good[1:]...),
		"33-byte value":  der(new(big.Int).Lsh(big.NewInt(1), 256), short),
		"zero length":    {0x30, 0x04, 0x02, 0x00, 0x02, 0x00},
	} {
		if _, err := registrytoken.P256RS(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
