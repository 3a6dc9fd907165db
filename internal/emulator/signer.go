package emulator

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"time"
)

// signer holds the key that signs access tokens, and the self-signed certificate that carries
// it in the JWKS (Entra publishes x5c for its signing keys).
type signer struct {
	key  *rsa.PrivateKey
	kid  string
	cert *x509.Certificate
}

func newSigner() (*signer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "accounts.accesscontrol.windows.net"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(2, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	// Entra's kid is the base64url SHA-1 thumbprint of the key's certificate (it equals x5t).
	sum := sha1.Sum(der)
	return &signer{key: key, kid: b64.EncodeToString(sum[:]), cert: cert}, nil
}
