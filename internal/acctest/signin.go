package acctest

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tfconfig"
)

// Signing in as one of the emulator's people, the way the docs tell a person to: the
// provider's login step (auth.SignInPerson, what `terraform-provider-stellar login` runs),
// completed as that person would on the emulator's sign-in pages.

// ProviderBlockPerson returns a provider "stellar" block for e with extra settings (the
// sign-in method), and trusting e's CA.
func ProviderBlockPerson(e *emulator.Emulator, extra string) string {
	return tfconfig.ProviderBlockWith(e.Seed().TenantID, e.URL(), e.CAFile(), extra)
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
	return e.CompleteDeviceLogin(userCode, upn)
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

// Browser is a scripted browser signed in as upn (the emulator's own).
func Browser(e *emulator.Emulator, upn string) func(string) error { return e.BrowserAs(upn) }

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
	status, page, err := e.AcceptAdminConsent(consentURL, upn)
	if err != nil {
		t.Fatal(err)
	}
	return status, page
}
