// Package certbundle reads a client certificate and its private key in the forms pipelines
// hold them: PEM (the certificate with a PKCS#1, PKCS#8 or encrypted PKCS#8 key) or PKCS#12
// (.pfx, legacy or AES-encrypted), raw or base64-encoded as secret stores hand them out.
package certbundle

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/youmark/pkcs8"
	"software.sslmate.com/src/go-pkcs12"
)

// Bundle is a certificate chain, leaf first, and the leaf's RSA private key.
type Bundle struct {
	Chain []*x509.Certificate
	Key   *rsa.PrivateKey
}

// Leaf is the certificate whose key signs.
func (b Bundle) Leaf() *x509.Certificate { return b.Chain[0] }

// ErrPassword means the key or the PKCS#12 file is encrypted and password cannot open it.
var ErrPassword = errors.New("the password does not decrypt it")

// Parse reads data: PEM, PKCS#12 (DER), or either of them base64-encoded. password opens an
// encrypted PKCS#8 key or a PKCS#12 file; it is ignored for an unencrypted PEM key.
func Parse(data []byte, password string) (Bundle, error) {
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return Bundle{}, errors.New("it is empty")
	case bytes.Contains(trimmed, []byte("-----BEGIN")):
		return parsePEM(trimmed, password)
	case trimmed[0] == 0x30: // an ASN.1 SEQUENCE: a PKCS#12 file
		return parsePKCS12(trimmed, password)
	}
	decoded, err := base64.StdEncoding.DecodeString(string(stripSpace(trimmed)))
	if err != nil || len(decoded) == 0 {
		return Bundle{}, errors.New("it is neither PEM, nor PKCS#12, nor base64 of either")
	}
	if bytes.Contains(decoded, []byte("-----BEGIN")) {
		return parsePEM(decoded, password)
	}
	return parsePKCS12(decoded, password)
}

// stripSpace drops the line breaks base64 tools insert.
func stripSpace(b []byte) []byte {
	return []byte(strings.Join(strings.Fields(string(b)), ""))
}

func parsePKCS12(der []byte, password string) (Bundle, error) {
	key, leaf, cas, err := pkcs12.DecodeChain(der, password)
	if errors.Is(err, pkcs12.ErrIncorrectPassword) {
		return Bundle{}, fmt.Errorf("it is a PKCS#12 file and %w", ErrPassword)
	}
	if err != nil {
		return Bundle{}, fmt.Errorf("it is not a readable PKCS#12 file: %w", err)
	}
	return bundle(append([]*x509.Certificate{leaf}, cas...), key)
}

func parsePEM(data []byte, password string) (Bundle, error) {
	var certs []*x509.Certificate
	var key crypto.PrivateKey
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch block.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return Bundle{}, fmt.Errorf("a CERTIFICATE block cannot be read: %w", err)
			}
			certs = append(certs, c)
		case "PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
			if key != nil {
				return Bundle{}, errors.New("it holds more than one private key")
			}
			k, err := parseKey(block, password)
			if err != nil {
				return Bundle{}, err
			}
			key = k
		}
	}
	if len(certs) == 0 {
		return Bundle{}, errors.New("it holds no -----BEGIN CERTIFICATE----- block")
	}
	if key == nil {
		return Bundle{}, errors.New("it holds no private key: append the key's -----BEGIN PRIVATE KEY----- block to the certificate")
	}
	return bundle(leafFirst(certs, key), key)
}

func parseKey(block *pem.Block, password string) (crypto.PrivateKey, error) {
	if x509.IsEncryptedPEMBlock(block) { //nolint:staticcheck // legacy "Proc-Type: 4,ENCRYPTED" keys are refused by name
		return nil, errors.New("its private key uses the legacy PEM encryption (DEK-Info), which is insecure: " +
			"convert it with `openssl pkcs8 -topk8 -in key.pem -out key-pkcs8.pem` (encrypted PKCS#8) or use a PKCS#12 file")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		return x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if password == "" {
		return nil, errors.New("its private key is encrypted and no password is set")
	}
	k, err := pkcs8.ParsePKCS8PrivateKey(block.Bytes, []byte(password))
	if err != nil {
		return nil, fmt.Errorf("its private key is encrypted and %w", ErrPassword)
	}
	return k, nil
}

// leafFirst puts the certificate of key first: PEM bundles list the chain in any order.
func leafFirst(certs []*x509.Certificate, key crypto.PrivateKey) []*x509.Certificate {
	signer, ok := key.(crypto.Signer)
	if !ok {
		return certs
	}
	for i, c := range certs {
		if pub, ok := c.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); ok && pub.Equal(signer.Public()) {
			out := append([]*x509.Certificate{c}, certs[:i]...)
			return append(out, certs[i+1:]...)
		}
	}
	return certs
}

func bundle(chain []*x509.Certificate, key crypto.PrivateKey) (Bundle, error) {
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return Bundle{}, fmt.Errorf("its private key is a %T; Entra's client assertions (PS256) need an RSA key", key)
	}
	if !rk.PublicKey.Equal(chain[0].PublicKey) {
		return Bundle{}, errors.New("its private key does not belong to its certificate")
	}
	return Bundle{Chain: chain, Key: rk}, nil
}
