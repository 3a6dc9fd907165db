package acctest

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// Signing in as one of the emulator's people, the way the docs tell a person to: the
// provider's login step (auth.SignInPerson, what `terraform-provider-stellar login` runs),
// completed as that person would on the emulator's sign-in pages.

// ProviderBlockPerson returns a provider "stellar" block for e with extra settings (the
// sign-in method), and trusting e's CA.
func ProviderBlockPerson(e *emulator.Emulator, extra string) string {
	return fmt.Sprintf(`
provider "stellar" {
  tenant_id           = %s
  authority_host      = %s
  graph_endpoint      = %s
  ca_certificate_file = %s
%s
}
`, hclString(e.Seed().TenantID), hclString(e.URL()), hclString(e.URL()), hclString(e.CAFile()), extra)
}

// PersonOptions are the sign-in options for e's tenant with its own token cache.
func PersonOptions(t *testing.T, e *emulator.Emulator, cacheDir string) auth.PersonOptions {
	t.Helper()
	hc, err := auth.NewHTTPClient(e.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	return auth.PersonOptions{AuthorityHost: e.URL(), TenantID: e.Seed().TenantID, CacheDir: cacheDir, HTTPClient: hc}
}

var userCode = regexp.MustCompile(`enter the code ([A-Z0-9]+)`)

// DeviceCodeSignIn runs the device-code login as upn into cacheDir: it reads the code from
// the prompt, as the person reads it on screen, and enters it at the device login page.
func DeviceCodeSignIn(t *testing.T, e *emulator.Emulator, upn, cacheDir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	prompt := func(msg string) {
		m := userCode.FindStringSubmatch(msg)
		if m == nil {
			t.Errorf("the prompt shows no code: %q", msg)
			return
		}
		if err := CompleteDeviceLogin(e, m[1], upn); err != nil {
			t.Error(err)
		}
	}
	who, err := auth.SignInPerson(ctx, PersonOptions(t, e, cacheDir), prompt, nil)
	if err != nil || !strings.EqualFold(who, upn) {
		t.Fatalf("device-code login as %s: %q, %v", upn, who, err)
	}
}

// CompleteDeviceLogin enters userCode at e's device login page, signed in as upn.
func CompleteDeviceLogin(e *emulator.Emulator, userCode, upn string) error {
	resp, err := e.HTTPClient().PostForm(e.URL()+"/devicelogin", url.Values{"otc": {userCode}, "login": {upn}, "passwd": {emulator.SeedUserPassword}})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("device login as %s: %d %s", upn, resp.StatusCode, b)
	}
	return nil
}

// BrowserSignIn runs the browser login as upn into cacheDir, with Browser as the browser.
func BrowserSignIn(t *testing.T, e *emulator.Emulator, upn, cacheDir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	who, err := auth.SignInPerson(ctx, PersonOptions(t, e, cacheDir), nil, Browser(e, upn))
	if err != nil || !strings.EqualFold(who, upn) {
		t.Fatalf("browser login as %s: %q, %v", upn, who, err)
	}
}

var (
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	formAction  = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
)

// Browser is a scripted browser signed in as upn: it opens the sign-in page, submits it and
// follows the form post back to the client's local redirect server.
func Browser(e *emulator.Emulator, upn string) func(string) error {
	return func(authorizeURL string) error {
		resp, err := e.HTTPClient().Get(authorizeURL)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		to, fields := parseForm(string(b))
		if resp.StatusCode != http.StatusOK || to == "" {
			return fmt.Errorf("sign-in page %d: %s", resp.StatusCode, b)
		}
		fields.Set("login", upn)
		fields.Set("passwd", emulator.SeedUserPassword)
		resp, err = e.HTTPClient().PostForm(to, fields)
		if err != nil {
			return err
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		redirect, result := parseForm(string(b))
		if !strings.HasPrefix(redirect, "http://localhost:") || result.Get("code") == "" {
			return fmt.Errorf("sign-in as %s gave no code: %d %s", upn, resp.StatusCode, b)
		}
		resp, err = http.PostForm(redirect, result) // the client's own local server: plain HTTP
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
}

func parseForm(page string) (string, url.Values) {
	f := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		f.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	m := formAction.FindStringSubmatch(page)
	if m == nil {
		return "", f
	}
	return html.UnescapeString(m[1]), f
}

// Writes returns the requests that changed, or tried to change, e's directory: every Graph
// call but reads.
func Writes(e *emulator.Emulator) []emulator.Request {
	var out []emulator.Request
	for _, r := range e.Requests() {
		if strings.HasPrefix(r.Path, "/v1.0/") && r.Method != http.MethodGet {
			out = append(out, r)
		}
	}
	return out
}

// AdminConsent accepts an admin consent page (consentURL) as upn, and returns the answer.
func AdminConsent(t *testing.T, e *emulator.Emulator, consentURL, upn string) (int, string) {
	t.Helper()
	u, err := url.Parse(consentURL)
	if err != nil {
		t.Fatal(err)
	}
	form := u.Query()
	form.Set("login", upn)
	form.Set("passwd", emulator.SeedUserPassword)
	u.RawQuery = ""
	resp, err := e.HTTPClient().PostForm(u.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
