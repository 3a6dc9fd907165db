package emulator

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Helpers for tests and CI jobs written in Go that drive a sign-in as one of the tenant's
// people. They do what a person does in a browser, through the emulator's public sign-in
// pages, so they exercise the same endpoints any other client would be driven through.

// CompleteDeviceLogin enters userCode at the device login page, signed in as upn with the
// seeded password.
func (e *Emulator) CompleteDeviceLogin(userCode, upn string) error {
	status, page, err := e.postPage(e.url+"/devicelogin", url.Values{"otc": {userCode}, "login": {upn}, "passwd": {SeedUserPassword}})
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("device login as %s: %d %s", upn, status, page)
	}
	return nil
}

// AcceptAdminConsent signs in as upn at an admin consent page (as admin_consent_url gives
// it) and accepts, returning the page's status and text.
func (e *Emulator) AcceptAdminConsent(consentURL, upn string) (int, string, error) {
	u, err := url.Parse(consentURL)
	if err != nil {
		return 0, "", err
	}
	form := u.Query()
	form.Set("login", upn)
	form.Set("passwd", SeedUserPassword)
	u.RawQuery = ""
	return e.postPage(u.String(), form)
}

// BrowserAs is a browser signed in as upn, for MSAL's WithOpenURL and the like: it opens the
// authorize URL, submits the sign-in form and delivers the result to the client's
// http://localhost redirect URI, as the page's form post would.
func (e *Emulator) BrowserAs(upn string) func(authorizeURL string) error {
	return func(authorizeURL string) error {
		resp, err := e.client.Get(authorizeURL)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		to, fields := parseFormPage(string(b))
		if resp.StatusCode != http.StatusOK || to == "" {
			return fmt.Errorf("sign-in page %d: %s", resp.StatusCode, b)
		}
		fields.Set("login", upn)
		fields.Set("passwd", SeedUserPassword)
		status, page, err := e.postPage(to, fields)
		if err != nil {
			return err
		}
		redirect, result := parseFormPage(page)
		if !isLoopbackRedirect(redirect) || result.Get("code") == "" {
			return fmt.Errorf("sign-in as %s gave no code: %d %s", upn, status, page)
		}
		// The client's own local server: plain HTTP on this machine.
		r, err := http.PostForm(redirect, result)
		if err != nil {
			return err
		}
		r.Body.Close()
		return nil
	}
}

func (e *Emulator) postPage(target string, form url.Values) (int, string, error) {
	resp, err := e.client.PostForm(target, form)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

var (
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	formAction  = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
)

// parseFormPage reads the form of one of the emulator's pages: its action and hidden fields.
func parseFormPage(page string) (string, url.Values) {
	f := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		f.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	m := formAction.FindStringSubmatch(page)
	if m == nil {
		return "", f
	}
	return strings.TrimSpace(html.UnescapeString(m[1])), f
}
