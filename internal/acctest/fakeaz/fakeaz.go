// Package fakeaz stands in for the Azure CLI in tests: `az` on PATH is the test binary
// itself, which signs in to the tenant emulator as a configured person (the password grant,
// with the Azure CLI's client ID, as `az login -u` does) and answers the commands the
// provider and the Azure SDKs run: version, account show and account get-access-token in
// both of its call styles (--scope, --resource).
package fakeaz

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Config is who the fake az is signed in as, and where.
type Config struct {
	AuthorityHost string // the emulator's URL
	TenantID      string // the tenant `az login` chose
	CAFile        string // the emulator's CA
	Username      string // "" means not signed in
	Password      string
	// NoScope makes it an az older than 2.30, which knows --resource but not --scope.
	NoScope bool
}

const (
	configEnv = "STELLAR_FAKE_AZ_CONFIG"
	// azureCLIClientID is the Azure CLI's own public client.
	azureCLIClientID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
)

// Install puts a fake az first on PATH for the rest of the test, configured by cfg, and
// returns a function listing the argument lists it was called with. The test must not be
// parallel: PATH is the process's.
func Install(t *testing.T, cfg Config) func() [][]string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(self, filepath.Join(dir, "az")); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "fakeaz.json")
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(conf, b, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(configEnv, conf)
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return func() [][]string {
		raw, _ := os.ReadFile(conf + ".calls")
		var calls [][]string
		for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
			if line != "" {
				var args []string
				if json.Unmarshal([]byte(line), &args) == nil {
					calls = append(calls, args)
				}
			}
		}
		return calls
	}
}

// RunIfInvoked runs the fake az and exits when the binary was started as az; call it first
// in TestMain.
func RunIfInvoked() {
	if filepath.Base(os.Args[0]) != "az" || os.Getenv(configEnv) == "" {
		return
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	path := os.Getenv(configEnv)
	var cfg Config
	if b, err := os.ReadFile(path); err != nil || json.Unmarshal(b, &cfg) != nil {
		fmt.Fprintln(stderr, "fake az: no configuration")
		return 2
	}
	if f, err := os.OpenFile(path+".calls", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
		line, _ := json.Marshal(args)
		fmt.Fprintf(f, "%s\n", line)
		f.Close()
	}
	cmd := strings.Join(leadingWords(args), " ")
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, `{"azure-cli": "2.67.0", "azure-cli-core": "2.67.0", "extensions": {}}`)
		return 0
	case "account show", "account get-access-token":
	default:
		fmt.Fprintf(stderr, "ERROR: 'fake az' does not know the command %q\n", cmd)
		return 2
	}
	if cfg.Username == "" {
		// The Azure CLI's words (_AZ_LOGIN_MESSAGE) and exit code.
		fmt.Fprintln(stderr, "ERROR: Please run 'az login' to setup account.")
		return 1
	}
	if cmd == "account show" {
		b, _ := json.Marshal(map[string]any{"environmentName": "AzureCloud", "homeTenantId": cfg.TenantID, "id": cfg.TenantID,
			"isDefault": true, "name": "N/A(tenant level account)", "state": "Enabled", "tenantId": cfg.TenantID,
			"user": map[string]string{"name": cfg.Username, "type": "user"}})
		fmt.Fprintln(stdout, string(b))
		return 0
	}
	return getAccessToken(cfg, flags(args), stdout, stderr)
}

func leadingWords(args []string) []string {
	var out []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			break
		}
		out = append(out, a)
	}
	return out
}

func flags(args []string) map[string]string {
	out := map[string]string{}
	for i := 0; i < len(args); i++ {
		if strings.HasPrefix(args[i], "--") {
			k, v, ok := strings.Cut(args[i], "=")
			if !ok && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				v = args[i+1]
				i++
			}
			out[k] = v
		}
	}
	return out
}

func getAccessToken(cfg Config, f map[string]string, stdout, stderr io.Writer) int {
	scope := f["--scope"]
	switch {
	case scope != "" && cfg.NoScope:
		fmt.Fprintln(stderr, "az: error: unrecognized arguments: --scope "+scope)
		return 2
	case scope == "" && f["--resource"] != "":
		scope = strings.TrimRight(f["--resource"], "/") + "/.default"
	case scope == "":
		scope = "https://management.core.windows.net//.default"
	}
	if _, sub := f["--subscription"]; sub && f["--tenant"] != "" {
		fmt.Fprintln(stderr, "ERROR: Please specify only one of subscription and tenant, not both")
		return 2
	}
	tenant := cfg.TenantID
	if f["--tenant"] != "" {
		tenant = f["--tenant"]
	}
	tok, expires, err := signIn(cfg, tenant, scope)
	if err != nil {
		fmt.Fprintln(stderr, "ERROR: "+err.Error())
		return 1
	}
	b, _ := json.Marshal(map[string]any{"accessToken": tok, "expiresOn": expires.Local().Format("2006-01-02 15:04:05.000000"),
		"expires_on": expires.Unix(), "tenant": tenant, "tokenType": "Bearer"})
	fmt.Fprintln(stdout, string(b))
	return 0
}

// signIn gets the person's token from the emulator with the password grant.
func signIn(cfg Config, tenant, scope string) (string, time.Time, error) {
	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return "", time.Time{}, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	hc := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	resp, err := hc.PostForm(cfg.AuthorityHost+"/"+tenant+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"password"}, "client_id": {azureCLIClientID}, "username": {cfg.Username},
		"password": {cfg.Password}, "scope": {scope + " offline_access openid profile"},
	})
	if err != nil {
		return "", time.Time{}, err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		Error       string `json:"error_description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", time.Time{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return "", time.Time{}, fmt.Errorf("AADSTS: %s", body.Error)
	}
	return body.AccessToken, time.Now().Add(time.Duration(body.ExpiresIn) * time.Second), nil
}
