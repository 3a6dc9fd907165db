package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
)

const testSecret = "s3cr3t~Value+With/Odd=Chars"

// entraBody builds a token endpoint error body the way Entra writes it: the
// description's first line, then trace, correlation and timestamp lines.
func entraBody(oauth string, code int, text string) string {
	desc := fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: 255d1aef-8c98-452f-ac51-23d051240864\r\nCorrelation ID: fb3d2015-bc17-4bb9-bb85-30c5cf1aaaa7\r\nTimestamp: 2024-01-09 02:02:12Z", code, text)
	return fmt.Sprintf(`{"error":%q,"error_description":%q,"error_codes":[%d],"timestamp":"2024-01-09 02:02:12Z",`+
		`"trace_id":"255d1aef-8c98-452f-ac51-23d051240864","correlation_id":"fb3d2015-bc17-4bb9-bb85-30c5cf1aaaa7",`+
		`"error_uri":"https://login.microsoftonline.com/error?code=%d"}`, oauth, desc, code, code)
}

func TestParseEntraError(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		wantCode    int
		wantOAuth   string
		wantSetting string
		wantDesc    string
		wantFix     string
	}{
		{"tenant not found", 400, entraBody("invalid_tenant", 90002, "Tenant 'nope.example' not found. Check to make sure you have the correct tenant ID."),
			90002, "invalid_tenant", SettingTenantID, "AADSTS90002: Tenant 'nope.example' not found. Check to make sure you have the correct tenant ID.", "ARM_TENANT_ID"},
		{"app not found", 400, entraBody("unauthorized_client", 700016, "Application with identifier 'abc' was not found in the directory 'Contoso'."),
			700016, "unauthorized_client", SettingClientID, "AADSTS700016: Application with identifier 'abc' was not found in the directory 'Contoso'.", "ARM_CLIENT_ID"},
		{"wrong secret", 401, entraBody("invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'abc'."),
			7000215, "invalid_client", SettingClientSecret, "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'abc'.", "Secret ID"},
		{"expired secret", 401, entraBody("invalid_client", 7000222, "The provided client secret keys for app 'abc' are expired."),
			7000222, "invalid_client", SettingClientSecret, "AADSTS7000222: The provided client secret keys for app 'abc' are expired.", "expired"},
		{"no service principal", 400, entraBody("invalid_client", 7000229, "The client application abc is missing service principal in the tenant."),
			7000229, "invalid_client", SettingClientID, "AADSTS7000229: The client application abc is missing service principal in the tenant.", "enterprise application"},
		{"resource not found", 400, entraBody("invalid_resource", 500011, "The resource principal named https://graph.microsoft.us was not found in the tenant named Contoso."),
			500011, "invalid_resource", SettingEnvironment, "AADSTS500011: The resource principal named https://graph.microsoft.us was not found in the tenant named Contoso.", "ARM_ENVIRONMENT"},
		{"assertion signature", 401, entraBody("invalid_client", 700027, "Client assertion failed signature validation."),
			700027, "invalid_client", "", "AADSTS700027: Client assertion failed signature validation.", "certificate"},
		{"assertion expired", 401, entraBody("invalid_client", 700024, "Client assertion is not within its valid time range."),
			700024, "invalid_client", "", "AADSTS700024: Client assertion is not within its valid time range.", "clock"},
		{"unknown code", 400, entraBody("invalid_request", 50000, "There was an error issuing a token."),
			50000, "invalid_request", "", "AADSTS50000: There was an error issuing a token.", "code=50000"},
		{"code only in text", 400, `{"error":"invalid_request","error_description":"AADSTS90002: Tenant 'x' not found.\nTrace ID: 1"}`,
			90002, "invalid_request", SettingTenantID, "AADSTS90002: Tenant 'x' not found.", "verified domain"},
		{"no AADSTS code", 400, `{"error":"invalid_request","error_description":"Something odd."}`,
			0, "invalid_request", "", "Something odd.", "tenant_id"},
		{"not JSON", 502, "<html><body>Bad gateway</body></html>",
			0, "", SettingAuthorityHost, "the sign-in service at https://login.example/t answered HTTP 502 without an OAuth error: <html><body>Bad gateway</body></html>", "proxy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := parseEntraError(tt.status, []byte(tt.body), "https://login.example/t", testSecret)
			if e.Code != tt.wantCode || e.OAuthCode != tt.wantOAuth || e.Status != tt.status || e.Setting != tt.wantSetting {
				t.Errorf("got code=%d oauth=%q status=%d setting=%q; want %d %q %d %q",
					e.Code, e.OAuthCode, e.Status, e.Setting, tt.wantCode, tt.wantOAuth, tt.status, tt.wantSetting)
			}
			if e.Description != tt.wantDesc {
				t.Errorf("Description = %q, want %q", e.Description, tt.wantDesc)
			}
			if e.Error() != tt.wantDesc && tt.wantCode != 0 {
				t.Errorf("Error() = %q, want the description", e.Error())
			}
			for _, bad := range []string{"Trace ID", "Correlation ID", "\n", "\r"} {
				if strings.Contains(e.Error(), bad) {
					t.Errorf("Error() %q contains %q", e.Error(), bad)
				}
			}
			if !strings.Contains(e.Fix(), tt.wantFix) {
				t.Errorf("Fix() = %q, want it to mention %q", e.Fix(), tt.wantFix)
			}
		})
	}
}

func TestErrorStringForms(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Code: 7000215, Description: "AADSTS7000215: Invalid client secret provided."}, "AADSTS7000215: Invalid client secret provided."},
		{&Error{Code: 90002, Description: "Tenant 'x' not found."}, "AADSTS90002: Tenant 'x' not found."},
		{&Error{OAuthCode: "invalid_request", Status: 400, Description: "odd"}, "sign-in failed: invalid_request: odd (HTTP 400)"},
		{&Error{Description: "plain"}, "plain"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// Every code with advice names the setting to change in its Fix text.
func TestFixesNameTheirSetting(t *testing.T) {
	for code, f := range fixes {
		e := &Error{Code: code}
		if e.Fix() != f.text || (f.setting != "" && !strings.Contains(f.text, f.setting)) {
			t.Errorf("AADSTS%d: Fix() %q does not name %q", code, e.Fix(), f.setting)
		}
	}
}

// A service that echoes the request (some proxies do) must not put the
// secret into our error, raw or form-encoded.
func TestSecretIsScrubbed(t *testing.T) {
	form := url.Values{"client_secret": {testSecret}}.Encode()
	body := `{"error":"invalid_client","error_description":"AADSTS7000215: got ` + testSecret + ` and ` + form + `","error_codes":[7000215]}`
	e := parseEntraError(401, []byte(body), "https://login.example/t", testSecret)
	assertNoSecret(t, e)

	e = parseEntraError(500, []byte("echo: "+form), "https://login.example/t", testSecret)
	assertNoSecret(t, e)
}

func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	var ae *Error
	texts := []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)}
	if errors.As(err, &ae) {
		texts = append(texts, ae.Fix(), ae.Description)
	}
	for _, s := range texts {
		for _, v := range []string{testSecret, url.QueryEscape(testSecret), url.PathEscape(testSecret)} {
			if strings.Contains(s, v) {
				t.Fatalf("error text contains the secret: %q", s)
			}
		}
	}
}

// fromMSAL reads Entra's JSON out of the CallErr MSAL returns, and drops
// the CallErr, whose request holds the secret in its body.
func TestFromMSALCallErr(t *testing.T) {
	body := entraBody("invalid_client", 7000215, "Invalid client secret provided.")
	req, _ := http.NewRequest(http.MethodPost, "https://login.example/t/oauth2/v2.0/token",
		strings.NewReader("client_secret="+url.QueryEscape(testSecret)))
	callErr := msalerrors.CallErr{
		Req:  req,
		Resp: &http.Response{StatusCode: 401, Body: io.NopCloser(bytes.NewBufferString(body))},
		Err:  fmt.Errorf("http call(%s)(POST) error: reply status code was 401:\n%s", req.URL, body),
	}
	err := fromMSAL(context.Background(), fmt.Errorf("unable to resolve an endpoint: %w", callErr), "https://login.example/t", testSecret)
	var ae *Error
	if !errors.As(err, &ae) || ae.Code != 7000215 || ae.Status != 401 || ae.OAuthCode != "invalid_client" {
		t.Fatalf("got %#v", err)
	}
	var back msalerrors.CallErr
	if errors.As(err, &back) {
		t.Fatal("the MSAL CallErr (and its request with the secret) is still reachable")
	}
	assertNoSecret(t, err)

	// A body already consumed: the text after the first line of MSAL's message is used.
	callErr.Resp.Body = io.NopCloser(strings.NewReader(""))
	err = fromMSAL(context.Background(), callErr, "https://login.example/t", testSecret)
	if !errors.As(err, &ae) || ae.Code != 7000215 {
		t.Fatalf("from message text: got %#v", err)
	}
}

func TestFromMSALContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := fromMSAL(ctx, fmt.Errorf("server response error:\n %w", context.Canceled), "https://login.example/t", testSecret)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled in the chain, got %v", err)
	}
}
