package emulator_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

const k8sSubject = "system:serviceaccount:migrate:runner"

// federatedApp registers an application holding User.Read.All that trusts subject's tokens
// for api://AzureADTokenExchange from issuer.
func federatedApp(t *testing.T, e *emulator.Emulator, issuer, subject string) emulator.Application {
	t.Helper()
	app, _ := e.Portal().CreateApplication("Federated "+subject, "User.Read.All")
	if _, err := e.Portal().AddFederatedCredential(app.ObjectID, emulator.FederatedCredential{Name: "ci", Issuer: issuer, Subject: subject, Audiences: []string{tokenExchangeAudience}}); err != nil {
		t.Fatal(err)
	}
	return app
}

// assertionSignIn signs in with MSAL presenting assertion as the client assertion, as
// azidentity's ClientAssertionCredential (and so WorkloadIdentityCredential) does.
func assertionSignIn(t *testing.T, e *emulator.Emulator, clientID, assertion string) (string, error) {
	t.Helper()
	cred := confidential.NewCredFromAssertionCallback(func(context.Context, confidential.AssertionRequestOptions) (string, error) {
		return assertion, nil
	})
	r, err := msalClientWith(t, e, e.Seed().TenantID, clientID, cred).AcquireTokenByCredential(ctx(t), []string{graphScope})
	return r.AccessToken, err
}

// withClaims returns tok with its payload changed by edit and its header and signature kept:
// a forged token.
func withClaims(t *testing.T, tok string, edit func(map[string]any)) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	c := claims(t, tok)
	edit(c)
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
}

// TestFederatedSignIn: a token of a trusted issuer, subject and audience signs in as the
// application, with the application's roles, like a certificate does.
func TestFederatedSignIn(t *testing.T) {
	e := start(t, emulator.Options{})
	p := e.Portal()
	app := federatedApp(t, e, p.OIDCIssuer("k8s"), k8sSubject)

	tok, err := assertionSignIn(t, e, app.AppID, p.IssueOIDCToken("k8s", k8sSubject, tokenExchangeAudience, 10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	c := claims(t, tok)
	if c["appid"] != app.AppID || c["appidacr"] != "2" || c["idtyp"] != "app" {
		t.Fatalf("claims %v", c)
	}
	if got := roles(t, tok); !slices.Equal(got, []string{"User.Read.All"}) {
		t.Fatalf("roles %v", got)
	}
	// The token works against Graph.
	if _, err := graphClientWith(t, e, staticTokens{tok}).Users().Get(ctx(t), nil); err != nil {
		t.Fatalf("Graph with a federated sign-in's token: %v", err)
	}
}

// TestFederatedSignInErrors: each mismatch Entra reports, with its code, status and the value
// it names, since that value is what a user compares with the credential.
func TestFederatedSignInErrors(t *testing.T) {
	e := start(t, emulator.Options{})
	p := e.Portal()
	iss := p.OIDCIssuer("k8s")
	app := federatedApp(t, e, iss, k8sSubject)
	slashed := federatedApp(t, e, p.OIDCIssuer("slashed")+"/", k8sSubject)
	good := p.IssueOIDCToken("k8s", k8sSubject, tokenExchangeAudience, 10*time.Minute)

	cases := []struct {
		name      string
		clientID  string
		assertion string
		status    int
		code      string
		names     string // the value the message quotes
	}{
		{"issuer not trusted", app.AppID, p.IssueOIDCToken("elsewhere", k8sSubject, tokenExchangeAudience, 10*time.Minute), 400, "AADSTS700211", "issuer '" + p.OIDCIssuer("elsewhere") + "'"},
		{"issuer differs by a trailing slash", slashed.AppID, p.IssueOIDCToken("slashed", k8sSubject, tokenExchangeAudience, 10*time.Minute), 400, "AADSTS700211", "issuer '" + p.OIDCIssuer("slashed") + "'"},
		{"a token Entra issued", app.AppID, bootstrapToken(t, e), 400, "AADSTS700211", "issuer 'https://sts.windows.net/" + e.Seed().TenantID + "/'"},
		{"subject", app.AppID, p.IssueOIDCToken("k8s", "system:serviceaccount:migrate:other", tokenExchangeAudience, 10*time.Minute), 400, "AADSTS700213", "subject 'system:serviceaccount:migrate:other'"},
		{"subject differs in case", app.AppID, p.IssueOIDCToken("k8s", strings.ToUpper(k8sSubject), tokenExchangeAudience, 10*time.Minute), 400, "AADSTS700213", "subject '" + strings.ToUpper(k8sSubject) + "'"},
		{"audience", app.AppID, p.IssueOIDCToken("k8s", k8sSubject, "api://AzureADTokenExchangeChina", 10*time.Minute), 400, "AADSTS700212", "audience 'api://AzureADTokenExchangeChina'"},
		{"expired", app.AppID, p.IssueOIDCToken("k8s", k8sSubject, tokenExchangeAudience, -10*time.Minute), 401, "AADSTS700024", "Client assertion is not within its valid time range. Current time: "},
		{"signed by another issuer", app.AppID, withClaims(t, p.IssueOIDCToken("attacker", k8sSubject, tokenExchangeAudience, 10*time.Minute), func(c map[string]any) { c["iss"] = iss }), 401, "AADSTS7000272", "could not be found in the metadata of identity provider " + iss},
		{"claims changed after signing", app.AppID, withClaims(t, good, func(c map[string]any) { c["exp"] = time.Now().Add(24 * time.Hour).Unix() }), 401, "AADSTS700027", "invalid signature"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := assertionSignIn(t, e, tc.clientID, tc.assertion)
			wantAADSTS(t, err, tc.status, tc.code)
			if !strings.Contains(err.Error(), tc.names) {
				t.Fatalf("the error does not name %q: %v", tc.names, err)
			}
		})
	}
}

// TestFederatedCredentialReplicationLag: a credential just added through Graph is not yet
// known to the token service, as on a real tenant; the Portal's is at once.
func TestFederatedCredentialReplicationLag(t *testing.T) {
	e := start(t, emulator.Options{ReplicationLag: time.Hour})
	p := e.Portal()
	app, _ := p.CreateApplication("Lagging", "User.Read.All")
	body := newFIC("ci", p.OIDCIssuer("k8s"), k8sSubject, tokenExchangeAudience)
	if _, err := bootstrapGraph(t, e).Applications().ByApplicationId(app.ObjectID).FederatedIdentityCredentials().Post(ctx(t), body, nil); err != nil {
		t.Fatal(err)
	}
	assertion := p.IssueOIDCToken("k8s", k8sSubject, tokenExchangeAudience, 10*time.Minute)
	_, err := assertionSignIn(t, e, app.AppID, assertion)
	wantAADSTS(t, err, 400, "AADSTS700211")
}

// signKidAssertion builds a certificate assertion as go-azure-sdk (so the azuread provider)
// does: RS256, the thumbprint only in kid, iss = sub = client id.
func signKidAssertion(t *testing.T, e *emulator.Emulator, clientID, kid string, key *rsa.PrivateKey) string {
	t.Helper()
	now := time.Now()
	h, _ := json.Marshal(map[string]any{"alg": "RS256", "typ": "JWT", "kid": kid})
	c, _ := json.Marshal(map[string]any{
		"aud": e.URL() + "/" + e.Seed().TenantID + "/oauth2/v2.0/token", "iss": clientID, "sub": clientID,
		"jti": "x", "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	})
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// TestCertificateAssertionByKid: a certificate assertion naming its key only by kid, the
// SHA-1 thumbprint as padded base64url (go-azure-sdk), unpadded, or hex, signs in.
func TestCertificateAssertionByKid(t *testing.T) {
	e := start(t, emulator.Options{})
	app, _ := e.Portal().CreateApplication("kid app", "User.Read.All")
	cert, key := selfSignedCert(t, time.Now().AddDate(1, 0, 0))
	if err := e.Portal().AddCertificate(app.ObjectID, cert); err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(cert.Raw)
	for name, kid := range map[string]string{
		"padded base64url":   base64.URLEncoding.EncodeToString(sum[:]),
		"unpadded base64url": base64.RawURLEncoding.EncodeToString(sum[:]),
		"hex":                strings.ToUpper(hex.EncodeToString(sum[:])),
	} {
		t.Run(name, func(t *testing.T) {
			tok, err := assertionSignIn(t, e, app.AppID, signKidAssertion(t, e, app.AppID, kid, key))
			if err != nil {
				t.Fatal(err)
			}
			if c := claims(t, tok); c["appidacr"] != "2" || c["appid"] != app.AppID {
				t.Fatalf("claims %v", c)
			}
		})
	}
	other, _ := selfSignedCert(t, time.Now().AddDate(1, 0, 0))
	otherSum := sha1.Sum(other.Raw)
	_, err := assertionSignIn(t, e, app.AppID, signKidAssertion(t, e, app.AppID, base64.URLEncoding.EncodeToString(otherSum[:]), key))
	wantAADSTS(t, err, 401, "AADSTS700027")
}

// jwksKey fetches an issuer's discovery document, follows its jwks_uri and returns the key,
// as a relying party (Entra itself) does.
func jwksKey(t *testing.T, e *emulator.Emulator, issuer string) (string, *rsa.PublicKey) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, issuer+"/.well-known/openid-configuration", nil)
	status, doc := do(t, e, req)
	if status != 200 || doc["issuer"] != issuer || !slices.Equal(strs(t, doc["id_token_signing_alg_values_supported"]), []string{"RS256"}) || !slices.Equal(strs(t, doc["scopes_supported"]), []string{"openid"}) {
		t.Fatalf("openid-configuration: %d %v", status, doc)
	}
	for _, k := range []string{"subject_types_supported", "response_types_supported", "claims_supported"} {
		if len(strs(t, doc[k])) == 0 {
			t.Fatalf("openid-configuration lacks %s: %v", k, doc)
		}
	}
	req, _ = http.NewRequest(http.MethodGet, as[string](t, doc["jwks_uri"]), nil)
	status, jwks := do(t, e, req)
	if status != 200 {
		t.Fatalf("jwks: %d", status)
	}
	k := as[map[string]any](t, as[[]any](t, jwks["keys"])[0])
	if k["kty"] != "RSA" || k["use"] != "sig" || k["alg"] != "RS256" {
		t.Fatalf("jwk %v", k)
	}
	n, _ := base64.RawURLEncoding.DecodeString(as[string](t, k["n"]))
	ev, _ := base64.RawURLEncoding.DecodeString(as[string](t, k["e"]))
	return as[string](t, k["kid"]), &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(ev).Int64())}
}

func strs(t *testing.T, v any) []string {
	var out []string
	for _, x := range as[[]any](t, v) {
		out = append(out, as[string](t, x))
	}
	return out
}

// verifies reports whether tok's RS256 signature verifies with pub.
func verifies(tok string, pub *rsa.PublicKey) bool {
	parts := strings.Split(tok, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) == nil
}

// TestOIDCIssuers: every issuer publishes its discovery document and a key of its own; its
// tokens verify with that key and with no other issuer's.
func TestOIDCIssuers(t *testing.T) {
	e := start(t, emulator.Options{})
	p := e.Portal()
	if got, want := p.OIDCIssuer("a"), e.URL()+"/issuers/a"; got != want {
		t.Fatalf("OIDCIssuer %s, want %s", got, want)
	}
	kidA, keyA := jwksKey(t, e, p.OIDCIssuer("a"))
	kidB, keyB := jwksKey(t, e, p.OIDCIssuer("b"))
	if kidA == kidB {
		t.Fatal("two issuers share a key")
	}
	tok := p.IssueOIDCToken("a", "workload", "api://AzureADTokenExchange", 5*time.Minute)
	if !verifies(tok, keyA) || verifies(tok, keyB) {
		t.Fatal("issuer a's token must verify with a's key only")
	}
	c := claims(t, tok)
	if c["iss"] != p.OIDCIssuer("a") || c["sub"] != "workload" || c["aud"] != "api://AzureADTokenExchange" || c["jti"] == nil || c["iat"] == nil || c["nbf"] == nil {
		t.Fatalf("claims %v", c)
	}
	if exp := as[float64](t, c["exp"]); exp-as[float64](t, c["nbf"]) != 300 {
		t.Fatalf("lifetime %v s, want 300", exp-as[float64](t, c["nbf"]))
	}
	if kid, _ := jwksKey(t, e, p.OIDCIssuer("a")); kid != kidA {
		t.Fatal("an issuer's key changed between calls")
	}
}
