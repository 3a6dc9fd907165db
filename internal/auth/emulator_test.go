package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// These tests sign in through MSAL against the tenant emulator, the same
// path the provider takes against Entra.

const graph = "https://graph.microsoft.com"

func startEmulator(t *testing.T) *emulator.Emulator {
	t.Helper()
	e, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func credential(t *testing.T, e *emulator.Emulator, tenantID, clientID, secret string) auth.Credential {
	t.Helper()
	hc, err := auth.NewHTTPClient(e.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	c, err := auth.NewClientSecretCredential(auth.ClientSecretOptions{
		AuthorityHost: e.URL(), TenantID: tenantID, ClientID: clientID, ClientSecret: secret, HTTPClient: hc,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEmulatorSignIn(t *testing.T) {
	e := startEmulator(t)
	s := e.Seed()
	ctx := context.Background()

	for _, tenant := range []string{s.TenantID, s.InitialDomain} {
		tok, err := credential(t, e, tenant, s.BootstrapClientID, s.BootstrapSecret).Token(ctx, graph)
		if err != nil {
			t.Fatalf("tenant %s: %v", tenant, err)
		}
		c, err := auth.ParseClaims(tok.Value)
		if err != nil {
			t.Fatal(err)
		}
		if c.TenantID != s.TenantID || c.AppID != s.BootstrapClientID || !strings.EqualFold(strings.TrimSuffix(c.Audience, "/"), graph) ||
			!slices.Contains(c.Roles, "Application.ReadWrite.All") || c.ExpiresAt.Before(tok.ExpiresOn.Add(-5*60e9)) {
			t.Errorf("tenant %s: claims %+v, expires %v", tenant, c, tok.ExpiresOn)
		}
	}

	// MSAL serves a repeated request from its cache.
	cred := credential(t, e, s.TenantID, s.BootstrapClientID, s.BootstrapSecret)
	for i := 0; i < 3; i++ {
		if _, err := cred.Token(ctx, graph); err != nil {
			t.Fatal(err)
		}
	}
	if n := countTokenCalls(e); n != 3 { // 2 above + 1 here
		t.Errorf("token endpoint called %d times, want 3", n)
	}
}

func countTokenCalls(e *emulator.Emulator) int {
	n := 0
	for _, r := range e.Requests() {
		if strings.HasSuffix(r.Path, "/oauth2/v2.0/token") {
			n++
		}
	}
	return n
}

func TestEmulatorSignInErrors(t *testing.T) {
	e := startEmulator(t)
	s := e.Seed()
	ctx := context.Background()

	expired, expiredSecret := e.Portal().CreateApplication("expired secret")
	if err := e.Portal().ExpirePassword(expired.ObjectID, expired.Passwords[0].KeyID); err != nil {
		t.Fatal(err)
	}
	noSP, noSPSecret := e.Portal().CreateApplication("no service principal")
	sp, _ := e.Portal().ServicePrincipalByAppID(noSP.AppID)
	if err := e.Portal().DeleteServicePrincipal(sp.ObjectID); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name                   string
		tenant, client, secret string
		code, status           int
		setting                string
	}{
		{"unknown tenant", "00000000-0000-0000-0000-00000000dead", s.BootstrapClientID, s.BootstrapSecret, 90002, 400, auth.SettingTenantID},
		{"unknown domain", "fabrikam.onmicrosoft.com", s.BootstrapClientID, s.BootstrapSecret, 90002, 400, auth.SettingTenantID},
		{"wrong secret", s.TenantID, s.BootstrapClientID, s.BootstrapSecret + "x", 7000215, 401, auth.SettingClientSecret},
		{"unknown app", s.TenantID, "11111111-2222-3333-4444-555555555555", s.BootstrapSecret, 700016, 400, auth.SettingClientID},
		{"expired secret", s.TenantID, expired.AppID, expiredSecret, 7000222, 401, auth.SettingClientSecret},
		{"no service principal", s.TenantID, noSP.AppID, noSPSecret, 7000229, 0, auth.SettingClientID}, // status not documented
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := credential(t, e, tt.tenant, tt.client, tt.secret).Token(ctx, graph)
			var ae *auth.Error
			if !errors.As(err, &ae) {
				t.Fatalf("got %v (%T), want *auth.Error", err, err)
			}
			if ae.Code != tt.code || ae.Setting != tt.setting {
				t.Errorf("code=%d setting=%q, want %d %q: %v", ae.Code, ae.Setting, tt.code, tt.setting, err)
			}
			if tt.status != 0 && ae.Status != tt.status {
				t.Errorf("status=%d, want %d", ae.Status, tt.status)
			}
			if want := fmt.Sprintf("AADSTS%d: ", tt.code); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Error() = %q, want prefix %q", err.Error(), want)
			}
			if strings.Contains(err.Error(), "Trace ID") || strings.Contains(err.Error(), "\n") {
				t.Errorf("Error() carries more than the first line: %q", err.Error())
			}
			for _, secret := range []string{tt.secret, s.BootstrapSecret} {
				if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%#v", err), secret) {
					t.Fatal("error contains a secret")
				}
			}
		})
	}
}

// Without the emulator's CA the handshake fails, and the error says which
// setting fixes it.
func TestEmulatorUntrustedCA(t *testing.T) {
	e := startEmulator(t)
	s := e.Seed()
	hc, err := auth.NewHTTPClient("")
	if err != nil {
		t.Fatal(err)
	}
	cred, err := auth.NewClientSecretCredential(auth.ClientSecretOptions{
		AuthorityHost: e.URL(), TenantID: s.TenantID, ClientID: s.BootstrapClientID, ClientSecret: s.BootstrapSecret, HTTPClient: hc,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cred.Token(context.Background(), graph)
	var ae *auth.Error
	if !errors.As(err, &ae) || ae.Setting != auth.SettingCACertificateFile || !strings.Contains(ae.Fix(), "ca_certificate_file") {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), s.BootstrapSecret) {
		t.Fatal("error contains the secret")
	}
}

func TestEmulatorDiscoverTenant(t *testing.T) {
	e := startEmulator(t)
	s := e.Seed()
	hc, err := auth.NewHTTPClient(e.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{s.TenantID, s.InitialDomain, s.TenantDomain} {
		if id, err := auth.DiscoverTenant(ctx, hc, e.URL(), name); err != nil || id != s.TenantID {
			t.Errorf("DiscoverTenant(%s) = %q, %v", name, id, err)
		}
	}
	_, err = auth.DiscoverTenant(ctx, hc, e.URL(), "fabrikam.onmicrosoft.com")
	var ae *auth.Error
	if !errors.As(err, &ae) || ae.Code != 90002 || ae.Setting != auth.SettingTenantID {
		t.Errorf("unknown tenant: %v", err)
	}
}

func TestEmulatorCertificateSignIn(t *testing.T) {
	e := startEmulator(t)
	s := e.Seed()
	ctx := context.Background()
	app, _ := e.Portal().CreateApplication("certificate app", "User.Read.All")
	cert, bundle := selfSigned(t)
	if err := e.Portal().AddCertificate(app.ObjectID, cert); err != nil {
		t.Fatal(err)
	}
	hc, _ := auth.NewHTTPClient(e.CAFile())
	newCred := func(pemBundle []byte) auth.Credential {
		c, err := auth.NewClientCertificateCredential(auth.ClientCertificateOptions{
			AuthorityHost: e.URL(), TenantID: s.TenantID, ClientID: app.AppID, Certificate: pemBundle, HTTPClient: hc,
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tok, err := newCred(bundle).Token(ctx, graph)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := auth.ParseClaims(tok.Value); c.AppID != app.AppID || !slices.Contains(c.Roles, "User.Read.All") {
		t.Errorf("claims %+v", c)
	}

	// A certificate the app does not know.
	_, other := selfSigned(t)
	_, err = newCred(other).Token(ctx, graph)
	var ae *auth.Error
	if !errors.As(err, &ae) || ae.Code != 700027 || !strings.Contains(ae.Fix(), "certificate") {
		t.Errorf("unknown certificate: %v", err)
	}

	if _, err := auth.NewClientCertificateCredential(auth.ClientCertificateOptions{TenantID: s.TenantID, ClientID: app.AppID, Certificate: []byte("nope")}); !errors.As(err, &ae) {
		t.Errorf("unreadable PEM: %v", err)
	}
}

// selfSigned returns a certificate and a PEM bundle of it and its key.
func selfSigned(t *testing.T) (*x509.Certificate, []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "stellar test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	b = append(b, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})...)
	return cert, b
}

// TestEmulatorSignInRetriesThrottling: one 429 or 503 from the token service is waited out
// (Retry-After honoured), not reported as a credential problem.
func TestEmulatorSignInRetriesThrottling(t *testing.T) {
	for _, status := range []int{429, 503} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			e := startEmulator(t)
			s := e.Seed()
			e.Inject(emulator.Fault{Method: "POST", PathRegexp: "/oauth2/v2.0/token$", Status: status, RetryAfter: "0.2", Times: 1})
			cred := credential(t, e, s.TenantID, s.BootstrapClientID, s.BootstrapSecret)
			start := time.Now()
			if _, err := cred.Token(context.Background(), graph); err != nil {
				t.Fatalf("sign-in after one %d: %v", status, err)
			}
			var tokenCalls []emulator.Request
			for _, r := range e.Requests() {
				if strings.HasSuffix(r.Path, "/oauth2/v2.0/token") {
					tokenCalls = append(tokenCalls, r)
				}
			}
			if len(tokenCalls) != 2 || tokenCalls[0].Status != status || tokenCalls[1].Status != 200 ||
				tokenCalls[1].Time.Sub(tokenCalls[0].Time) < 200*time.Millisecond || time.Since(start) < 200*time.Millisecond {
				t.Fatalf("token calls %+v: want the throttled one, then one at least Retry-After later", tokenCalls)
			}
		})
	}
}
