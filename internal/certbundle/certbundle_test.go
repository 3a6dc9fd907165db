package certbundle_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/certbundle"
)

func TestParseEveryForm(t *testing.T) {
	c := acctest.NewClientCertificate(t, "pipeline")
	legacy, err := pkcs12.LegacyRC2.Encode(mustKey(t, c), c.Cert, nil, c.Password)
	if err != nil {
		t.Fatal(err)
	}
	b64 := func(b []byte) []byte { return []byte(base64.StdEncoding.EncodeToString(b)) }
	for name, tc := range map[string]struct {
		data     []byte
		password string
	}{
		"PEM with a PKCS#8 key":                      {c.PEM, ""},
		"PEM with a PKCS#8 key, password ignored":    {c.PEM, "unused"},
		"PEM with an encrypted PKCS#8 key":           {c.EncryptedPEM, c.Password},
		"PKCS#12, AES":                               {c.PKCS12, c.Password},
		"PKCS#12, legacy RC2 and 3DES":               {legacy, c.Password},
		"base64 of PKCS#12 (ARM_CLIENT_CERTIFICATE)": {b64(c.PKCS12), c.Password},
		"base64 of PEM":                              {b64(c.EncryptedPEM), c.Password},
		"base64 with line breaks":                    {[]byte(wrap(string(b64(c.PKCS12)), 64)), c.Password},
	} {
		t.Run(name, func(t *testing.T) {
			b, err := certbundle.Parse(tc.data, tc.password)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !b.Leaf().Equal(c.Cert) || !b.Key.PublicKey.Equal(c.Cert.PublicKey) {
				t.Fatal("Parse returned another certificate or key")
			}
		})
	}
}

func TestParseRefusals(t *testing.T) {
	c := acctest.NewClientCertificate(t, "pipeline")
	other := acctest.NewClientCertificate(t, "other")
	certOnly := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})
	otherKey := other.PEM[len(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: other.Cert.Raw})):]
	//nolint:staticcheck // a legacy encrypted key is what the refusal is about
	legacyBlock, err := x509.EncryptPEMBlock(rand.Reader, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(mustKey(t, c)), []byte("pw"), x509.PEMCipherAES256)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		data     []byte
		password string
		want     string
		wrongPW  bool
	}{
		"empty":                      {nil, "", "empty", false},
		"not a certificate":          {[]byte("hello"), "", "neither PEM, nor PKCS#12", false},
		"certificate without key":    {certOnly, "", "no private key", false},
		"key of another certificate": {append(append([]byte(nil), certOnly...), otherKey...), "", "does not belong", false},
		"encrypted key, no password": {c.EncryptedPEM, "", "no password is set", false},
		"encrypted key, wrong one":   {c.EncryptedPEM, "wrong", "does not decrypt", true},
		"PKCS#12, wrong password":    {c.PKCS12, "wrong", "does not decrypt", true},
		"legacy encrypted PEM key":   {append(append([]byte(nil), certOnly...), pem.EncodeToMemory(legacyBlock)...), "pw", "legacy PEM encryption", false},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := certbundle.Parse(tc.data, tc.password)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse error = %v, want it to say %q", err, tc.want)
			}
			if errors.Is(err, certbundle.ErrPassword) != tc.wrongPW {
				t.Fatalf("errors.Is(err, ErrPassword) = %v, want %v", !tc.wrongPW, tc.wrongPW)
			}
		})
	}
}

func mustKey(t *testing.T, c acctest.ClientCertificate) *rsa.PrivateKey {
	t.Helper()
	b, err := certbundle.Parse(c.PEM, "")
	if err != nil {
		t.Fatal(err)
	}
	return b.Key
}

func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + "\n")
		s = s[n:]
	}
	return b.String() + s
}
