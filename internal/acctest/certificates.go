package acctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/youmark/pkcs8"
	"software.sslmate.com/src/go-pkcs12"
)

// ClientCertificate is a self-signed RSA certificate and its key in every form a pipeline
// may hold one: PEM with a plain or an encrypted PKCS#8 key, and PKCS#12.
type ClientCertificate struct {
	Cert *x509.Certificate
	// PEM is the certificate followed by its unencrypted PKCS#8 key.
	PEM []byte
	// EncryptedPEM is the certificate followed by its key as encrypted PKCS#8 (AES-256,
	// PBKDF2), opened by Password.
	EncryptedPEM []byte
	// PKCS12 is a .pfx file (AES-256, as OpenSSL 3 writes them) opened by Password.
	PKCS12   []byte
	Password string
}

// NewClientCertificate makes a certificate for the subject CN name, valid from an hour ago
// for a year.
func NewClientCertificate(t *testing.T, name string) ClientCertificate {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	const password = "pipeline-Pa55word"
	plain, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	encrypted, err := pkcs8.MarshalPrivateKey(key, []byte(password), nil)
	if err != nil {
		t.Fatal(err)
	}
	pfx, err := pkcs12.Modern.Encode(key, cert, nil, password)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return ClientCertificate{
		Cert:         cert,
		PEM:          append(append([]byte(nil), certPEM...), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: plain})...),
		EncryptedPEM: append(append([]byte(nil), certPEM...), pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: encrypted})...),
		PKCS12:       pfx,
		Password:     password,
	}
}
