package auth

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeEntra is a minimal token service, enough to drive MSAL without the
// emulator: discovery for tenant "t1" only, and a token for secret testSecret.
func fakeEntra(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var tokenCalls atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/t1/v2.0/.well-known/openid-configuration":
			a := srv.URL + "/t1"
			_ = json.NewEncoder(w).Encode(map[string]string{
				"token_endpoint": a + "/oauth2/v2.0/token", "authorization_endpoint": a + "/oauth2/v2.0/authorize", "issuer": a + "/v2.0",
			})
		case strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
			w.WriteHeader(400)
			fmt.Fprint(w, entraBody("invalid_tenant", 90002, "Tenant 'nope' not found."))
		case r.URL.Path == "/t1/oauth2/v2.0/token":
			tokenCalls.Add(1)
			_ = r.ParseForm()
			if r.PostForm.Get("client_secret") != testSecret {
				w.WriteHeader(401)
				fmt.Fprint(w, entraBody("invalid_client", 7000215, "Invalid client secret provided."))
				return
			}
			fmt.Fprintf(w, `{"token_type":"Bearer","expires_in":3599,"access_token":%q}`, jwt(`{"tid":"t1","roles":["R"]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	// The untrusted-CA test fails handshakes on purpose; keep them off stderr.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, &tokenCalls
}

func writeCA(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestClientSecretCredentialAgainstFake(t *testing.T) {
	srv, calls := fakeEntra(t)
	hc, err := NewHTTPClient(writeCA(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	newCred := func(tenant, secret string) Credential {
		c, err := NewClientSecretCredential(ClientSecretOptions{AuthorityHost: srv.URL + "/", TenantID: tenant, ClientID: "app", ClientSecret: secret, HTTPClient: hc})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	cred := newCred("t1", testSecret)
	tok, err := cred.Token(ctx, "https://graph.microsoft.com")
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := ParseClaims(tok.Value); c.TenantID != "t1" || tok.ExpiresOn.IsZero() {
		t.Fatalf("token %+v", c)
	}
	if _, err := cred.Token(ctx, "https://graph.microsoft.com/"); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("token endpoint called %d times; MSAL should have served the second from its cache", n)
	}

	_, err = newCred("nope", testSecret).Token(ctx, "https://graph.microsoft.com")
	var ae *Error
	if !errors.As(err, &ae) || ae.Code != 90002 || ae.Setting != SettingTenantID || ae.Status != 400 {
		t.Fatalf("wrong tenant: %#v", err)
	}

	_, err = newCred("t1", testSecret+"x").Token(ctx, "https://graph.microsoft.com")
	if !errors.As(err, &ae) || ae.Code != 7000215 || ae.Setting != SettingClientSecret || ae.Status != 401 {
		t.Fatalf("wrong secret: %#v", err)
	}
	assertNoSecret(t, err)
}

func TestClientSecretCredentialTransport(t *testing.T) {
	srv, _ := fakeEntra(t)
	ctx := context.Background()

	// The server's certificate is not in the system roots.
	hc, err := NewHTTPClient("")
	if err != nil {
		t.Fatal(err)
	}
	cred, err := NewClientSecretCredential(ClientSecretOptions{AuthorityHost: srv.URL, TenantID: "t1", ClientID: "app", ClientSecret: testSecret, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cred.Token(ctx, "https://graph.microsoft.com")
	var ae *Error
	if !errors.As(err, &ae) || ae.Setting != SettingCACertificateFile || !strings.Contains(ae.Fix(), "SSL_CERT_FILE") ||
		!strings.Contains(ae.Error(), "not trusted") {
		t.Fatalf("untrusted CA: %#v", err)
	}
	assertNoSecret(t, err)

	// Nothing listens on a port we just closed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cred, _ = NewClientSecretCredential(ClientSecretOptions{AuthorityHost: "https://" + addr, TenantID: "t1", ClientID: "app", ClientSecret: testSecret, HTTPClient: hc})
	_, err = cred.Token(ctx, "https://graph.microsoft.com")
	if !errors.As(err, &ae) || ae.Setting != SettingAuthorityHost || !strings.Contains(ae.Error(), "cannot connect") {
		t.Fatalf("refused: %#v", err)
	}
	assertNoSecret(t, err)
}

func TestNewClientSecretCredentialValidates(t *testing.T) {
	ok := ClientSecretOptions{TenantID: "t", ClientID: "c", ClientSecret: testSecret}
	tests := []struct {
		name    string
		mutate  func(*ClientSecretOptions)
		setting string
	}{
		{"no tenant", func(o *ClientSecretOptions) { o.TenantID = " " }, SettingTenantID},
		{"tenant is a URL", func(o *ClientSecretOptions) { o.TenantID = "https://login.microsoftonline.com/t" }, SettingTenantID},
		{"no client", func(o *ClientSecretOptions) { o.ClientID = "" }, SettingClientID},
		{"no secret", func(o *ClientSecretOptions) { o.ClientSecret = "" }, SettingClientSecret},
		{"http authority", func(o *ClientSecretOptions) { o.AuthorityHost = "http://127.0.0.1:1" }, SettingAuthorityHost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.mutate(&o)
			_, err := NewClientSecretCredential(o)
			var ae *Error
			if !errors.As(err, &ae) || ae.Setting != tt.setting {
				t.Fatalf("got %v, want an error blaming %s", err, tt.setting)
			}
			assertNoSecret(t, err)
		})
	}
	if _, err := NewClientSecretCredential(ok); err != nil {
		t.Fatalf("valid options: %v", err)
	}
}

func TestNewHTTPClient(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pem")
	empty := filepath.Join(dir, "empty.pem")
	_ = os.WriteFile(empty, []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o600)
	for _, f := range []string{missing, empty} {
		_, err := NewHTTPClient(f)
		var ae *Error
		if !errors.As(err, &ae) || ae.Setting != SettingCACertificateFile || !strings.Contains(err.Error(), f) {
			t.Errorf("NewHTTPClient(%s) = %v; want an error naming the file", f, err)
		}
	}
	hc, err := NewHTTPClient("")
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := hc.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("transport %T, want *http.Transport", hc.Transport)
	}
	if hc.Timeout != 0 || tr.TLSClientConfig.InsecureSkipVerify || tr.TLSHandshakeTimeout == 0 || tr.ResponseHeaderTimeout == 0 || tr.Proxy == nil {
		t.Errorf("unexpected client settings: timeout=%v insecure=%v", hc.Timeout, tr.TLSClientConfig.InsecureSkipVerify)
	}
}
