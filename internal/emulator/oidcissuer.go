package emulator

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"
)

// OpenID Connect issuers of the emulator's own, at /issuers/{name}: stand-ins for the identity
// providers whose tokens workload identity federation trusts (GitHub Actions, Azure Pipelines,
// a Kubernetes cluster). Each publishes its discovery document and keys as a real issuer does,
// and signs with a key of its own, so a token of issuer "a" never verifies as issuer "b". Any
// name is an issuer; its key is made the first time it is needed.

// oidcIssuers holds the issuers' keys and the CI runs whose token requests they answer
// (oidcpipelines.go). Its zero value is ready for use. It never takes the store lock, so the
// token endpoint may call it while holding that one.
type oidcIssuers struct {
	mu   sync.Mutex
	keys map[string]*issuerKey
	// github maps a GitHub Actions request token to the subject of its run.
	github map[string]string
	// ado maps an Azure DevOps service connection id to its connection.
	ado map[string]adoConnection
}

type issuerKey struct {
	key *rsa.PrivateKey
	kid string
}

// issuerPath is where the issuers live, under URL().
const issuerPath = "/issuers/"

// key returns the issuer's signing key, making it on first use.
func (o *oidcIssuers) key(name string) *issuerKey {
	o.mu.Lock()
	defer o.mu.Unlock()
	if k := o.keys[name]; k != nil {
		return k
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err) // the system's random source failed: nothing can be signed
	}
	if o.keys == nil {
		o.keys = map[string]*issuerKey{}
	}
	k := &issuerKey{key: key, kid: jwkThumbprint(&key.PublicKey)}
	o.keys[name] = k
	return k
}

// jwkThumbprint is the RFC 7638 thumbprint of an RSA public key, the kid many issuers use.
func jwkThumbprint(pub *rsa.PublicKey) string {
	e := b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
	sum := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + b64.EncodeToString(pub.N.Bytes()) + `"}`))
	return b64.EncodeToString(sum[:])
}

// issuerURL is the iss of the named issuer's tokens.
func (e *Emulator) issuerURL(name string) string { return e.url + issuerPath + name }

// hostedIssuer returns the name of the emulator's issuer whose URL iss is, exactly.
func (e *Emulator) hostedIssuer(iss string) (string, bool) {
	name, ok := strings.CutPrefix(iss, e.url+issuerPath)
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", false
	}
	return name, true
}

// mintOIDCToken signs an RS256 token of the named issuer. A negative lifetime gives a token
// that lived that long and expired that long ago.
func (e *Emulator) mintOIDCToken(name, subject string, aud any, lifetime time.Duration, extra map[string]any) (string, error) {
	k := e.oidc.key(name)
	now := time.Now()
	exp := now.Add(lifetime)
	nbf := now
	if lifetime < 0 {
		nbf = exp.Add(lifetime)
	}
	claims := map[string]any{
		"iss": e.issuerURL(name), "sub": subject, "aud": aud,
		"iat": nbf.Unix(), "nbf": nbf.Unix(), "exp": exp.Unix(), "jti": newGUID(),
	}
	for c, v := range extra {
		claims[c] = v
	}
	return signRS256(k.key, map[string]any{"typ": "JWT", "alg": "RS256", "kid": k.kid}, claims)
}

// issuerNameOf reads {id} of /issuers/{id}/...: identity handlers get only the tenant.
func issuerNameOf(r *http.Request) string {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) < 2 {
		return ""
	}
	return segs[1]
}

// serveIssuerConfiguration publishes an issuer's OpenID configuration, shaped like GitHub
// Actions' (token.actions.githubusercontent.com/.well-known/openid-configuration).
func (e *Emulator) serveIssuerConfiguration(w http.ResponseWriter, r *http.Request, _ string) {
	iss := e.issuerURL(issuerNameOf(r))
	writeJSON(w, http.StatusOK, "application/json; charset=utf-8", map[string]any{
		"issuer":                                iss,
		"jwks_uri":                              iss + "/.well-known/jwks",
		"subject_types_supported":               []string{"public", "pairwise"},
		"response_types_supported":              []string{"id_token"},
		"claims_supported":                      []string{"sub", "aud", "exp", "iat", "iss", "jti", "nbf"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid"},
	})
}

// serveIssuerKeys publishes an issuer's signing key as a JWKS.
func (e *Emulator) serveIssuerKeys(w http.ResponseWriter, r *http.Request, _ string) {
	k := e.oidc.key(issuerNameOf(r))
	pub := &k.key.PublicKey
	writeJSON(w, http.StatusOK, "application/json; charset=utf-8", map[string]any{"keys": []any{map[string]any{
		"kty": "RSA",
		"use": "sig",
		"alg": "RS256",
		"kid": k.kid,
		"n":   b64.EncodeToString(pub.N.Bytes()),
		"e":   b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}
