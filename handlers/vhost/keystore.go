package vhost

// The host's PKCS#12 keystore is written here rather than by go-pkcs12:
// its Encoder (v0.7.4) gives the key bag a localKeyId but cannot give it a
// friendlyName, and without one Java's PKCS12 KeyStore names the entry "1",
// so getKey(alias, password) and keytool -alias find nothing (seed 004 asks
// for the pair "stored under" the alias). The layout and algorithms are
// those of go-pkcs12's Modern2023 (and OpenSSL 3's and Java 20's defaults),
// which Java 12+ and OpenSSL 1.1.1+ read without legacy providers: the
// certificate bag in a PBES2-encrypted SafeContents, the PBES2-shrouded key
// bag in a plain one, PBES2 = PBKDF2-HMAC-SHA-256 + AES-256-CBC, and an
// HMAC-SHA-256 MAC keyed by RFC 7292 appendix B.2. Both bags carry the
// alias as friendlyName and the certificate's SHA-1 as localKeyId, which
// ties them as OpenSSL's PKCS12_create and keytool do. go-pkcs12 still
// decodes these keystores (the tests open them with it).

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"slices"
)

var (
	oidData            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidShroudedKeyBag  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidCertBag         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidX509Certificate = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
	oidFriendlyName    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 20}
	oidLocalKeyID      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 21}
	oidPBES2           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACWithSHA256  = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidAES256CBC       = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidSHA256          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
)

// Modern2023's parameters: the password is random (or the owner's), so
// more iterations would cost every create and protect little.
const (
	keystoreIterations = 2048
	keystoreSaltLen    = 16
)

// RFC 7292 structures; asn1.RawValue fields are built with explicit0 or
// setOf, which encoding/asn1 cannot express as field tags on a RawValue.
type (
	pfxPDU struct {
		Version  int
		AuthSafe contentInfo
		MacData  macData
	}
	contentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue // [0] EXPLICIT
	}
	macData struct {
		Mac        digestInfo
		MacSalt    []byte
		Iterations int
	}
	digestInfo struct {
		Algorithm pkix.AlgorithmIdentifier
		Digest    []byte
	}
	encryptedData struct {
		Version int
		Content encryptedContentInfo
	}
	encryptedContentInfo struct {
		ContentType asn1.ObjectIdentifier
		Algorithm   pkix.AlgorithmIdentifier
		Encrypted   []byte `asn1:"tag:0"`
	}
	safeBag struct {
		ID         asn1.ObjectIdentifier
		Value      asn1.RawValue  // [0] EXPLICIT
		Attributes []bagAttribute `asn1:"set"`
	}
	bagAttribute struct {
		ID     asn1.ObjectIdentifier
		Values asn1.RawValue // SET OF, one value here
	}
	certBag struct {
		ID   asn1.ObjectIdentifier
		Cert []byte `asn1:"tag:0,explicit"`
	}
	encryptedPrivateKeyInfo struct {
		Algorithm pkix.AlgorithmIdentifier
		Encrypted []byte
	}
	pbes2Params struct {
		KDF pkix.AlgorithmIdentifier
		Enc pkix.AlgorithmIdentifier
	}
	pbkdf2Params struct {
		Salt       []byte
		Iterations int
		PRF        pkix.AlgorithmIdentifier
	}
)

// encodeKeystore returns a PKCS#12 keystore holding key and its
// certificate as one entry named alias, encrypted and authenticated with
// password. alias and password must lie in the Basic Multilingual Plane.
func encodeKeystore(key crypto.Signer, cert *x509.Certificate, alias, password string) ([]byte, error) {
	name, err := bmpString(alias)
	if err != nil {
		return nil, errors.New("the alias " + err.Error())
	}
	bmpPassword, err := bmpString(password)
	if err != nil {
		return nil, errors.New("the password " + err.Error())
	}
	fn, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagBMPString, Bytes: name})
	if err != nil {
		return nil, err
	}
	keyID := sha1.Sum(cert.Raw)
	id, err := asn1.Marshal(keyID[:])
	if err != nil {
		return nil, err
	}
	attrs := []bagAttribute{{ID: oidFriendlyName, Values: setOf(fn)}, {ID: oidLocalKeyID, Values: setOf(id)}}

	// The certificate bag, in an encrypted SafeContents.
	cb, err := asn1.Marshal(certBag{ID: oidX509Certificate, Cert: cert.Raw})
	if err != nil {
		return nil, err
	}
	certSafe, err := asn1.Marshal([]safeBag{{ID: oidCertBag, Value: explicit0(cb), Attributes: attrs}})
	if err != nil {
		return nil, err
	}
	alg, sealed, err := pbes2Encrypt(certSafe, password)
	if err != nil {
		return nil, err
	}
	ed, err := asn1.Marshal(encryptedData{Content: encryptedContentInfo{ContentType: oidData, Algorithm: alg, Encrypted: sealed}})
	if err != nil {
		return nil, err
	}

	// The shrouded key bag, in a plain SafeContents.
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	alg, sealed, err = pbes2Encrypt(pkcs8, password)
	clear(pkcs8)
	if err != nil {
		return nil, err
	}
	shrouded, err := asn1.Marshal(encryptedPrivateKeyInfo{Algorithm: alg, Encrypted: sealed})
	if err != nil {
		return nil, err
	}
	keySafe, err := asn1.Marshal([]safeBag{{ID: oidShroudedKeyBag, Value: explicit0(shrouded), Attributes: attrs}})
	if err != nil {
		return nil, err
	}
	keyData, err := asn1.Marshal(keySafe) // OCTET STRING
	if err != nil {
		return nil, err
	}

	authSafe, err := asn1.Marshal([]contentInfo{
		{ContentType: oidEncryptedData, Content: explicit0(ed)},
		{ContentType: oidData, Content: explicit0(keyData)},
	})
	if err != nil {
		return nil, err
	}
	authData, err := asn1.Marshal(authSafe) // OCTET STRING
	if err != nil {
		return nil, err
	}
	salt := make([]byte, keystoreSaltLen)
	_, _ = rand.Read(salt) // never fails (crypto/rand)
	mac := hmac.New(sha256.New, macKey(append(bmpPassword, 0, 0), salt, keystoreIterations))
	mac.Write(authSafe)
	return asn1.Marshal(pfxPDU{
		Version:  3,
		AuthSafe: contentInfo{ContentType: oidData, Content: explicit0(authData)},
		MacData: macData{
			Mac:        digestInfo{Algorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA256, Parameters: asn1.NullRawValue}, Digest: mac.Sum(nil)},
			MacSalt:    salt,
			Iterations: keystoreIterations,
		},
	})
}

// pbes2Encrypt encrypts plain with AES-256-CBC under a key PBKDF2-HMAC-SHA-256
// derives from password (as UTF-8, as RFC 8018, OpenSSL and Java take it).
func pbes2Encrypt(plain []byte, password string) (pkix.AlgorithmIdentifier, []byte, error) {
	salt, iv := make([]byte, keystoreSaltLen), make([]byte, aes.BlockSize)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(iv)
	key, err := pbkdf2.Key(sha256.New, password, salt, keystoreIterations, 32)
	if err != nil {
		return pkix.AlgorithmIdentifier{}, nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return pkix.AlgorithmIdentifier{}, nil, err
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	out := append(slices.Clone(plain), bytes.Repeat([]byte{byte(pad)}, pad)...)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, out)
	kdf, err := asn1.Marshal(pbkdf2Params{Salt: salt, Iterations: keystoreIterations,
		PRF: pkix.AlgorithmIdentifier{Algorithm: oidHMACWithSHA256, Parameters: asn1.NullRawValue}})
	if err != nil {
		return pkix.AlgorithmIdentifier{}, nil, err
	}
	ivDER, err := asn1.Marshal(iv)
	if err != nil {
		return pkix.AlgorithmIdentifier{}, nil, err
	}
	params, err := asn1.Marshal(pbes2Params{
		KDF: pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdf}},
		Enc: pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: ivDER}},
	})
	if err != nil {
		return pkix.AlgorithmIdentifier{}, nil, err
	}
	return pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: params}}, out, nil
}

// macKey is RFC 7292 B.2's key (ID 3) for HMAC-SHA-256 from a BMPString
// password with its terminating zero. The key is one SHA-256 output long,
// so the procedure needs one block (c = 1): H^r(D || S || P).
func macKey(password, salt []byte, iterations int) []byte {
	const v = 64 // SHA-256's block size
	// fill repeats b to a multiple of v bytes.
	fill := func(b []byte) []byte {
		out := make([]byte, (len(b)+v-1)/v*v)
		for i := range out {
			out[i] = b[i%len(b)]
		}
		return out
	}
	a := sha256.Sum256(slices.Concat(bytes.Repeat([]byte{3}, v), fill(salt), fill(password)))
	for range iterations - 1 {
		a = sha256.Sum256(a[:])
	}
	return a[:]
}

// bmpString is s as UCS-2 (big-endian), PKCS#12's string type.
func bmpString(s string) ([]byte, error) {
	out := make([]byte, 0, 2*len(s))
	for _, r := range s {
		if r > 0xFFFF {
			return nil, errors.New("has a character beyond the Basic Multilingual Plane")
		}
		out = append(out, byte(r>>8), byte(r))
	}
	return out, nil
}

func explicit0(der []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: der}
}

func setOf(der []byte) asn1.RawValue {
	return asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: der}
}
