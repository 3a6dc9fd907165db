package emulator_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

func TestTokenClientSecret(t *testing.T) {
	e := start(t, emulator.Options{})
	seed := e.Seed()
	tok, err := token(t, e, seed.BootstrapClientID, seed.BootstrapSecret, graphScope)
	if err != nil {
		t.Fatal(err)
	}
	c := claims(t, tok)
	sp, _ := e.Portal().ServicePrincipalByAppID(seed.BootstrapClientID)
	want := map[string]any{
		"aud": "https://graph.microsoft.com", "iss": "https://sts.windows.net/" + seed.TenantID + "/",
		"tid": seed.TenantID, "appid": seed.BootstrapClientID, "appidacr": "1", "idtyp": "app",
		"oid": sp.ObjectID, "sub": sp.ObjectID, "ver": "1.0",
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("claim %s = %v, want %v", k, c[k], v)
		}
	}
	exp, iat := as[float64](t, c["exp"]), as[float64](t, c["iat"])
	if exp-iat != 3599 {
		t.Errorf("lifetime %v s, want 3599", exp-iat)
	}
	got := roles(t, tok)
	for _, r := range []string{"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All", "User.Read.All", "Organization.Read.All"} {
		if !slices.Contains(got, r) {
			t.Errorf("roles %v lack %s", got, r)
		}
	}
}

// TestTokenByDomainAndScopeForms: the tenant by verified domain, and each resource by URI or
// by appId, give the documented audience.
func TestTokenByDomainAndScopeForms(t *testing.T) {
	e := start(t, emulator.Options{})
	seed := e.Seed()
	cases := []struct{ tenant, scope, aud string }{
		{seed.TenantDomain, graphScope, "https://graph.microsoft.com"},
		{"contoso.onmicrosoft.com", "00000003-0000-0000-c000-000000000000/.default", "https://graph.microsoft.com"},
		{seed.TenantID, exchangeScope, "https://outlook.office365.com"},
		{seed.TenantID, "00000002-0000-0ff1-ce00-000000000000/.default", "https://outlook.office365.com"},
	}
	for _, tc := range cases {
		t.Run(tc.tenant+" "+tc.scope, func(t *testing.T) {
			cred, _ := confidential.NewCredFromSecret(seed.BootstrapSecret)
			r, err := msalClientWith(t, e, tc.tenant, seed.BootstrapClientID, cred).AcquireTokenByCredential(ctx(t), []string{tc.scope})
			if err != nil {
				t.Fatal(err)
			}
			if aud := claims(t, r.AccessToken)["aud"]; aud != tc.aud {
				t.Fatalf("aud %v, want %s", aud, tc.aud)
			}
		})
	}
	// The bootstrap app holds no Exchange roles, so its Exchange token carries none.
	tok, err := token(t, e, seed.BootstrapClientID, seed.BootstrapSecret, exchangeScope)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := claims(t, tok)["roles"]; ok {
		t.Fatalf("Exchange token carries roles: %v", roles(t, tok))
	}
}

func TestTokenResponseShape(t *testing.T) {
	e := start(t, emulator.Options{})
	seed := e.Seed()
	form := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {seed.BootstrapClientID}, "client_secret": {seed.BootstrapSecret},
		"scope": {graphScope + " openid offline_access profile"},
		// CAE-capable clients add claims; Entra ignores it for client credentials.
		"claims": {`{"access_token":{"xms_cc":{"values":["CP1"]}}}`},
	}
	status, body := postForm(t, e, "/"+seed.TenantID+"/oauth2/v2.0/token", form, "", "")
	if status != 200 {
		t.Fatalf("status %d: %v", status, body)
	}
	if body["token_type"] != "Bearer" || body["expires_in"] != float64(3599) || body["ext_expires_in"] != float64(3599) || body["access_token"] == nil {
		t.Fatalf("body %v", body)
	}
	if _, ok := body["scope"]; ok {
		t.Fatal("a scope field makes MSAL report declined scopes")
	}
}

func TestTokenHTTPBasic(t *testing.T) {
	e := start(t, emulator.Options{})
	seed := e.Seed()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {graphScope}}
	status, body := postForm(t, e, "/"+seed.TenantID+"/oauth2/v2.0/token", form, seed.BootstrapClientID, seed.BootstrapSecret)
	if status != 200 {
		t.Fatalf("client_secret_basic: status %d: %v", status, body)
	}
	status, body = postForm(t, e, "/"+seed.TenantID+"/oauth2/v2.0/token", form, seed.BootstrapClientID, "wrong")
	if status != 401 || body["error"] != "invalid_client" {
		t.Fatalf("wrong basic secret: %d %v", status, body)
	}
}

func TestTokenCertificate(t *testing.T) {
	e := start(t, emulator.Options{})
	app, _ := e.Portal().CreateApplication("cert app", "User.Read.All")
	cert, key := selfSignedCert(t, time.Now().AddDate(1, 0, 0))
	if err := e.Portal().AddCertificate(app.ObjectID, cert); err != nil {
		t.Fatal(err)
	}
	cred, err := confidential.NewCredFromCert([]*x509.Certificate{cert}, key)
	if err != nil {
		t.Fatal(err)
	}
	r, err := msalClientWith(t, e, e.Seed().TenantID, app.AppID, cred).AcquireTokenByCredential(ctx(t), []string{graphScope})
	if err != nil {
		t.Fatal(err)
	}
	c := claims(t, r.AccessToken)
	if c["appidacr"] != "2" || c["appid"] != app.AppID {
		t.Fatalf("claims %v", c)
	}
	if got := roles(t, r.AccessToken); !slices.Equal(got, []string{"User.Read.All"}) {
		t.Fatalf("roles %v", got)
	}
}

// TestTokenErrors drives each documented failure through MSAL and checks Entra's AADSTS code
// and HTTP status.
func TestTokenErrors(t *testing.T) {
	e := start(t, emulator.Options{})
	seed := e.Seed()
	p := e.Portal()
	expired, expiredSecret := p.CreateApplication("expired secret")
	if err := p.ExpirePassword(expired.ObjectID, expired.Passwords[0].KeyID); err != nil {
		t.Fatal(err)
	}
	noSP, noSPSecret := p.CreateApplication("no service principal")
	sp, _ := p.ServicePrincipalByAppID(noSP.AppID)
	if err := p.DeleteServicePrincipal(sp.ObjectID); err != nil {
		t.Fatal(err)
	}
	certApp, _ := p.CreateApplication("cert app")
	cert, key := selfSignedCert(t, time.Now().AddDate(1, 0, 0))
	if err := p.AddCertificate(certApp.ObjectID, cert); err != nil {
		t.Fatal(err)
	}
	otherCert, otherKey := selfSignedCert(t, time.Now().AddDate(1, 0, 0))
	oldCert, oldKey := selfSignedCert(t, time.Now().Add(-time.Minute))
	if err := p.AddCertificate(certApp.ObjectID, oldCert); err != nil {
		t.Fatal(err)
	}
	tokenURL := e.URL() + "/" + seed.TenantID + "/oauth2/v2.0/token"
	assertion := func(aud, iss, sub string, nbf, exp time.Time) confidential.Credential {
		return confidential.NewCredFromAssertionCallback(func(context.Context, confidential.AssertionRequestOptions) (string, error) {
			return signAssertion(t, cert, key, map[string]any{"aud": aud, "iss": iss, "sub": sub, "jti": "x", "nbf": nbf.Unix(), "exp": exp.Unix()}), nil
		})
	}
	secretCred := func(s string) confidential.Credential { c, _ := confidential.NewCredFromSecret(s); return c }
	certCred := func(c *x509.Certificate, k crypto.PrivateKey) confidential.Credential {
		cr, err := confidential.NewCredFromCert([]*x509.Certificate{c}, k)
		if err != nil {
			t.Fatal(err)
		}
		return cr
	}
	now := time.Now()

	cases := []struct {
		name     string
		tenant   string
		clientID string
		cred     confidential.Credential
		scope    string
		status   int
		code     string
	}{
		{"unknown tenant", "fabrikam.com", seed.BootstrapClientID, secretCred(seed.BootstrapSecret), graphScope, 400, "AADSTS90002"},
		{"unknown application", seed.TenantID, "11111111-2222-3333-4444-555555555555", secretCred("x"), graphScope, 400, "AADSTS700016"},
		{"wrong secret", seed.TenantID, seed.BootstrapClientID, secretCred("not-the-secret"), graphScope, 401, "AADSTS7000215"},
		{"expired secret", seed.TenantID, expired.AppID, secretCred(expiredSecret), graphScope, 401, "AADSTS7000222"},
		{"no service principal", seed.TenantID, noSP.AppID, secretCred(noSPSecret), graphScope, 401, "AADSTS7000229"},
		{"unknown resource", seed.TenantID, seed.BootstrapClientID, secretCred(seed.BootstrapSecret), "https://api.fabrikam.example/.default", 400, "AADSTS500011"},
		{"scope without .default", seed.TenantID, seed.BootstrapClientID, secretCred(seed.BootstrapSecret), "https://graph.microsoft.com/User.Read.All", 400, "AADSTS1002012"},
		{"scope without resource", seed.TenantID, seed.BootstrapClientID, secretCred(seed.BootstrapSecret), "/.default", 400, "AADSTS70011"},
		{"certificate not registered", seed.TenantID, certApp.AppID, certCred(otherCert, otherKey), graphScope, 401, "AADSTS700027"},
		{"certificate expired", seed.TenantID, certApp.AppID, certCred(oldCert, oldKey), graphScope, 401, "AADSTS700027"},
		{"assertion expired", seed.TenantID, certApp.AppID, assertion(tokenURL, certApp.AppID, certApp.AppID, now.Add(-time.Hour), now.Add(-30*time.Minute)), graphScope, 401, "AADSTS700024"},
		{"assertion not yet valid", seed.TenantID, certApp.AppID, assertion(tokenURL, certApp.AppID, certApp.AppID, now.Add(time.Hour), now.Add(2*time.Hour)), graphScope, 401, "AADSTS700024"},
		// The emulator answers to its URL and to its cloud's login host, not another cloud's.
		{"assertion for another audience", seed.TenantID, certApp.AppID, assertion("https://login.microsoftonline.us/"+seed.TenantID+"/oauth2/v2.0/token", certApp.AppID, certApp.AppID, now, now.Add(5*time.Minute)), graphScope, 401, "AADSTS700023"},
		{"assertion issued by another client", seed.TenantID, certApp.AppID, assertion(tokenURL, seed.BootstrapClientID, seed.BootstrapClientID, now, now.Add(5*time.Minute)), graphScope, 401, "AADSTS700021"},
		{"assertion subject differs", seed.TenantID, certApp.AppID, assertion(tokenURL, certApp.AppID, "someone-else", now, now.Add(5*time.Minute)), graphScope, 401, "AADSTS50048"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := msalClientWith(t, e, tc.tenant, tc.clientID, tc.cred).AcquireTokenByCredential(ctx(t), []string{tc.scope})
			wantAADSTS(t, err, tc.status, tc.code)
		})
	}

	// What MSAL never sends, posted by hand.
	raw := []struct {
		name   string
		form   url.Values
		path   string
		status int
		oauth  string
		code   float64
	}{
		{"missing grant_type", url.Values{"client_id": {seed.BootstrapClientID}, "client_secret": {seed.BootstrapSecret}, "scope": {graphScope}}, "", 400, "invalid_request", 900144},
		{"missing client_id", url.Values{"grant_type": {"client_credentials"}, "client_secret": {seed.BootstrapSecret}, "scope": {graphScope}}, "", 400, "invalid_request", 900144},
		{"no credential", url.Values{"grant_type": {"client_credentials"}, "client_id": {seed.BootstrapClientID}, "scope": {graphScope}}, "", 401, "invalid_client", 7000218},
		{"missing scope", url.Values{"grant_type": {"client_credentials"}, "client_id": {seed.BootstrapClientID}, "client_secret": {seed.BootstrapSecret}}, "", 400, "invalid_request", 900144},
		{"unsupported grant", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"}, "client_id": {seed.BootstrapClientID}, "scope": {graphScope}}, "", 400, "unsupported_grant_type", 70003},
		{"malformed assertion", url.Values{"grant_type": {"client_credentials"}, "client_id": {certApp.AppID}, "scope": {graphScope}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {"not.a.jwt"}}, "", 401, "invalid_client", 50027},
		{"unknown tenant", url.Values{"grant_type": {"client_credentials"}}, "/fabrikam.com/oauth2/v2.0/token", 400, "invalid_request", 90002},
	}
	for _, tc := range raw {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = "/" + seed.TenantID + "/oauth2/v2.0/token"
			}
			status, body := postForm(t, e, path, tc.form, "", "")
			if status != tc.status || body["error"] != tc.oauth {
				t.Fatalf("got %d %v, want %d %s", status, body, tc.status, tc.oauth)
			}
			codes, _ := body["error_codes"].([]any)
			if len(codes) != 1 || codes[0] != tc.code {
				t.Fatalf("error_codes %v, want [%v]", body["error_codes"], tc.code)
			}
			desc, _ := body["error_description"].(string)
			for _, part := range []string{"\r\nTrace ID: ", "\r\nCorrelation ID: ", "\r\nTimestamp: "} {
				if !strings.Contains(desc, part) {
					t.Errorf("error_description lacks %q: %q", part, desc)
				}
			}
			for _, k := range []string{"timestamp", "trace_id", "correlation_id", "error_uri"} {
				if body[k] == nil {
					t.Errorf("error body lacks %s", k)
				}
			}
		})
	}
}

func TestOpenIDConfigurationAndKeys(t *testing.T) {
	e := start(t, emulator.Options{})
	seed := e.Seed()
	for _, tenant := range []string{seed.TenantID, seed.TenantDomain, strings.ToUpper(seed.TenantID)} {
		req, _ := http.NewRequest(http.MethodGet, e.URL()+"/"+tenant+"/v2.0/.well-known/openid-configuration", nil)
		status, doc := do(t, e, req)
		if status != 200 {
			t.Fatalf("%s: %d %v", tenant, status, doc)
		}
		if doc["issuer"] != e.URL()+"/"+seed.TenantID+"/v2.0" || doc["token_endpoint"] != e.URL()+"/"+seed.TenantID+"/oauth2/v2.0/token" {
			t.Fatalf("%s: %v", tenant, doc)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, e.URL()+"/nope.example/v2.0/.well-known/openid-configuration", nil)
	status, body := do(t, e, req)
	if status != 400 || body["error"] != "invalid_tenant" || !strings.HasPrefix(as[string](t, body["error_description"]), "AADSTS90002: Tenant 'nope.example' not found.") {
		t.Fatalf("unknown tenant: %d %v", status, body)
	}

	// The published key verifies the tokens.
	req, _ = http.NewRequest(http.MethodGet, e.URL()+"/"+seed.TenantID+"/discovery/v2.0/keys", nil)
	status, jwks := do(t, e, req)
	if status != 200 {
		t.Fatalf("keys: %d", status)
	}
	k := as[map[string]any](t, as[[]any](t, jwks["keys"])[0])
	n, _ := base64.RawURLEncoding.DecodeString(as[string](t, k["n"]))
	ev, _ := base64.RawURLEncoding.DecodeString(as[string](t, k["e"]))
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(ev).Int64())}
	tok := bootstrapToken(t, e)
	parts := strings.Split(tok, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
		t.Fatalf("token does not verify with the JWKS key: %v", err)
	}

	// Instance discovery, for clients that keep it on against the emulator host.
	req, _ = http.NewRequest(http.MethodGet, e.URL()+"/common/discovery/instance?api-version=1.1&authorization_endpoint="+url.QueryEscape(e.URL()+"/"+seed.TenantID+"/oauth2/v2.0/authorize"), nil)
	status, disc := do(t, e, req)
	if status != 200 || disc["tenant_discovery_endpoint"] != e.URL()+"/"+seed.TenantID+"/v2.0/.well-known/openid-configuration" {
		t.Fatalf("instance discovery: %d %v", status, disc)
	}
}

// TestTokenCertificateRegisteredThroughGraph: a certificate added with PATCH keyCredentials
// signs in; re-sending the credential without its key keeps it.
func TestTokenCertificateRegisteredThroughGraph(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	app, _ := e.Portal().CreateApplication("cert via graph", "User.Read.All")
	cert, key := selfSignedCert(t, time.Now().AddDate(1, 0, 0))

	kc := models.NewKeyCredential()
	kc.SetKey(cert.Raw)
	kc.SetTypeEscaped(ptr("AsymmetricX509Cert"))
	kc.SetUsage(ptr("Verify"))
	kc.SetDisplayName(ptr("CN=stellar-test"))
	patch := models.NewApplication()
	patch.SetKeyCredentials([]models.KeyCredentialable{kc})
	if _, err := g.Applications().ByApplicationId(app.ObjectID).Patch(c, patch, nil); err != nil {
		t.Fatal(err)
	}
	got, err := g.Applications().ByApplicationId(app.ObjectID).Get(c, nil)
	if err != nil || len(got.GetKeyCredentials()) != 1 || got.GetKeyCredentials()[0].GetKey() != nil {
		t.Fatalf("keyCredentials: %v", err)
	}

	// Echo the credential back without key material, as a client holding only the GET
	// result would: the certificate stays.
	kept := models.NewKeyCredential()
	kept.SetKeyId(got.GetKeyCredentials()[0].GetKeyId())
	patch.SetKeyCredentials([]models.KeyCredentialable{kept})
	if _, err := g.Applications().ByApplicationId(app.ObjectID).Patch(c, patch, nil); err != nil {
		t.Fatal(err)
	}

	cred, err := confidential.NewCredFromCert([]*x509.Certificate{cert}, key)
	if err != nil {
		t.Fatal(err)
	}
	r, err := msalClientWith(t, e, e.Seed().TenantID, app.AppID, cred).AcquireTokenByCredential(c, []string{graphScope})
	if err != nil {
		t.Fatal(err)
	}
	if claims(t, r.AccessToken)["appidacr"] != "2" {
		t.Fatal("not a certificate sign-in")
	}
}
