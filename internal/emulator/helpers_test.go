package emulator_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
	abstractions "github.com/microsoft/kiota-abstractions-go"
	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

const (
	graphScope    = "https://graph.microsoft.com/.default"
	exchangeScope = "https://outlook.office365.com/.default"
)

// start runs an emulator for the test and closes it when the test ends.
func start(t *testing.T, opts emulator.Options) *emulator.Emulator {
	t.Helper()
	e, err := emulator.Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// msalClient is a confidential MSAL client signing in to the emulator with a secret, set up
// as the provider does: emulator trust store, instance discovery off.
func msalClient(t *testing.T, e *emulator.Emulator, clientID, secret string) confidential.Client {
	t.Helper()
	cred, err := confidential.NewCredFromSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	return msalClientWith(t, e, e.Seed().TenantID, clientID, cred)
}

func msalClientWith(t *testing.T, e *emulator.Emulator, tenant, clientID string, cred confidential.Credential) confidential.Client {
	t.Helper()
	c, err := confidential.New(e.URL()+"/"+tenant, clientID, cred,
		confidential.WithHTTPClient(e.HTTPClient()), confidential.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatalf("confidential.New: %v", err)
	}
	return c
}

// token signs in with a fresh client (MSAL caches tokens per client) and returns the token.
func token(t *testing.T, e *emulator.Emulator, clientID, secret, scope string) (string, error) {
	t.Helper()
	r, err := msalClient(t, e, clientID, secret).AcquireTokenByCredential(ctx(t), []string{scope})
	return r.AccessToken, err
}

// bootstrapToken is a Graph token of the seeded bootstrap application.
func bootstrapToken(t *testing.T, e *emulator.Emulator) string {
	t.Helper()
	tok, err := token(t, e, e.Seed().BootstrapClientID, e.Seed().BootstrapSecret, graphScope)
	if err != nil {
		t.Fatalf("bootstrap token: %v", err)
	}
	return tok
}

// wantAADSTS asserts that err is MSAL's error for an HTTP reply of status carrying code.
func wantAADSTS(t *testing.T, err error, status int, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got a token", code)
	}
	if !strings.Contains(err.Error(), code+":") {
		t.Fatalf("want %s, got %v", code, err)
	}
	var ce msalerrors.CallErr
	if !errors.As(err, &ce) {
		t.Fatalf("want an MSAL CallErr, got %T: %v", err, err)
	}
	if ce.Resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d", code, ce.Resp.StatusCode, status)
	}
}

// claims decodes a JWT's payload without verifying it.
func claims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func roles(t *testing.T, tok string) []string {
	var out []string
	if rs, ok := claims(t, tok)["roles"].([]any); ok {
		for _, r := range rs {
			out = append(out, as[string](t, r))
		}
	}
	return out
}

// msalTokens is an AccessTokenProvider backed by MSAL: the provider's production wiring.
type msalTokens struct {
	client confidential.Client
	hosts  *absauth.AllowedHostsValidator
}

func (p *msalTokens) GetAuthorizationToken(ctx context.Context, u *url.URL, _ map[string]any) (string, error) {
	if !p.hosts.IsUrlHostValid(u) {
		return "", nil
	}
	r, err := p.client.AcquireTokenByCredential(ctx, []string{graphScope})
	if err != nil {
		return "", err
	}
	return r.AccessToken, nil
}

func (p *msalTokens) GetAllowedHostsValidator() *absauth.AllowedHostsValidator { return p.hosts }

// staticTokens hands out a fixed token, to send expired or foreign tokens.
type staticTokens struct{ tok string }

func (p staticTokens) GetAuthorizationToken(context.Context, *url.URL, map[string]any) (string, error) {
	return p.tok, nil
}

func (p staticTokens) GetAllowedHostsValidator() *absauth.AllowedHostsValidator {
	// A validator with no hosts, the zero value, allows every host.
	return &absauth.AllowedHostsValidator{}
}

// graphClient is msgraph-sdk-go signed in as clientID, with the SDK's default middleware
// (retry, gzip compression, ...) over a transport that trusts the emulator CA.
func graphClient(t *testing.T, e *emulator.Emulator, clientID, secret string) *msgraphsdk.GraphServiceClient {
	t.Helper()
	hosts, err := absauth.NewAllowedHostsValidatorErrorCheck([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	return graphClientWith(t, e, &msalTokens{client: msalClient(t, e, clientID, secret), hosts: hosts})
}

func graphClientWith(t *testing.T, e *emulator.Emulator, tokens absauth.AccessTokenProvider) *msgraphsdk.GraphServiceClient {
	t.Helper()
	opts := msgraphcore.GraphClientOptions{GraphServiceVersion: "v1.0", GraphServiceLibraryVersion: "1.89.0"}
	hc := &http.Client{
		Transport:     khttp.NewCustomTransportWithParentTransport(e.HTTPClient().Transport, msgraphcore.GetDefaultMiddlewaresWithOptions(&opts)...),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		absauth.NewBaseBearerTokenAuthenticationProvider(tokens), nil, nil, hc)
	if err != nil {
		t.Fatal(err)
	}
	adapter.SetBaseUrl(e.URL() + "/v1.0")
	return msgraphsdk.NewGraphServiceClient(adapter)
}

func bootstrapGraph(t *testing.T, e *emulator.Emulator) *msgraphsdk.GraphServiceClient {
	return graphClient(t, e, e.Seed().BootstrapClientID, e.Seed().BootstrapSecret)
}

// graphErr extracts status, code and message of an SDK error.
func graphErr(t *testing.T, err error) (int, string, string) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got success")
	}
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) {
		m := oe.GetErrorEscaped()
		if m == nil || m.GetCode() == nil || m.GetMessage() == nil {
			t.Fatalf("OData error without code/message: %v", err)
		}
		return oe.ResponseStatusCode, *m.GetCode(), *m.GetMessage()
	}
	var ae *abstractions.ApiError
	if errors.As(err, &ae) {
		return ae.ResponseStatusCode, "", ae.Message
	}
	t.Fatalf("want a Graph error, got %T: %v", err, err)
	return 0, "", ""
}

func wantGraphErr(t *testing.T, err error, status int, code, msgPart string) {
	t.Helper()
	gotStatus, gotCode, msg := graphErr(t, err)
	if gotStatus != status || gotCode != code || !strings.Contains(msg, msgPart) {
		t.Fatalf("got %d %s %q, want %d %s containing %q", gotStatus, gotCode, msg, status, code, msgPart)
	}
}

func ptr[T any](v T) *T { return &v }

// as returns v as a T, failing the test when it holds something else: for
// picking apart decoded JSON without a panic.
func as[T any](t *testing.T, v any) T {
	t.Helper()
	x, ok := v.(T)
	if !ok {
		t.Fatalf("got %T %v, want %T", v, v, x)
	}
	return x
}

// selfSignedCert returns an RSA certificate and key like `openssl req -x509` makes for app
// registration.
func selfSignedCert(t *testing.T, notAfter time.Time) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "stellar-test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// signAssertion builds a client assertion the way MSAL does (PS256, x5t#S256), with the
// claims given, so tests can send the malformed ones MSAL never would.
func signAssertion(t *testing.T, cert *x509.Certificate, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	sum := sha256.Sum256(cert.Raw)
	h, _ := json.Marshal(map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": base64.StdEncoding.EncodeToString(sum[:])})
	c, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// postForm posts a raw token request, for what MSAL cannot send (HTTP Basic, no credential).
func postForm(t *testing.T, e *emulator.Emulator, path string, form url.Values, basicUser, basicPass string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPost, e.URL()+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(url.QueryEscape(basicUser), url.QueryEscape(basicPass))
	}
	return do(t, e, req)
}

func do(t *testing.T, e *emulator.Emulator, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := e.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: non-JSON body %q", req.Method, req.URL, b)
		}
	}
	return resp.StatusCode, m
}

// rawGraph sends a Graph request by hand, for payloads the SDK refuses to build.
func rawGraph(t *testing.T, e *emulator.Emulator, method, path, tok string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequestWithContext(ctx(t), method, e.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: non-JSON body %q", method, path, b)
		}
	}
	return resp.StatusCode, m
}
