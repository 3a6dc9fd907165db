package azurecli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

const installHint = "install it with `sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends azure-cli` " +
	"(Debian's azure-cli 2.45; .ci/run does this) or see https://learn.microsoft.com/cli/azure/install-azure-cli-linux"

// cloudName is the custom cloud the test registers in az.
const cloudName = "StellarEmulator"

// TestAzureCLI runs the real Azure CLI against the emulator: it registers the emulator as a
// cloud (az reads the emulator's ARM endpoint metadata for the login endpoint), signs in as
// the bootstrap service principal, creates, lists and deletes an application with `az ad
// app`, and signs in as a seeded person with a username and password. It checks az's JSON
// output, the emulator's directory after each change and its request log, and that no
// request went anywhere but the emulator.
func TestAzureCLI(t *testing.T) {
	az := findAz(t)
	e, err := emulator.Start(emulator.Options{Tenants: 2})
	if err != nil {
		t.Fatalf("starting the tenant emulator: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("closing the tenant emulator: %v", err)
		}
	})
	guard := startGuardProxy(t, e)
	seed := e.Seed()

	t.Run("service principal", func(t *testing.T) {
		cli := newCLI(t, az, e, guard)
		cli.registerCloud(t)

		var accounts []map[string]any
		cli.json(t, &accounts, "login", "--service-principal", "-u", seed.BootstrapClientID, "-p", seed.BootstrapSecret,
			"--tenant", seed.TenantID, "--allow-no-subscriptions")
		if len(accounts) != 1 || accounts[0]["tenantId"] != seed.TenantID || accounts[0]["cloudName"] != cloudName {
			t.Fatalf("az login: %v", accounts)
		}
		if u, _ := accounts[0]["user"].(map[string]any); u["name"] != seed.BootstrapClientID || u["type"] != "servicePrincipal" {
			t.Fatalf("az login signed in as %v", accounts[0]["user"])
		}
		// Its ARM token: az asks for the cloud's active directory resource, ARM's.
		var tok map[string]any
		cli.json(t, &tok, "account", "get-access-token")
		if tok["tenant"] != seed.TenantID || tok["accessToken"] == "" {
			t.Fatalf("az account get-access-token: %v", tok)
		}

		name := "az-cli-" + fmt.Sprint(time.Now().UnixNano())
		var created map[string]any
		cli.json(t, &created, "ad", "app", "create", "--display-name", name)
		appID, _ := created["appId"].(string)
		objectID, _ := created["id"].(string)
		if created["displayName"] != name || appID == "" || objectID == "" {
			t.Fatalf("az ad app create: %v", created)
		}
		if app, ok := e.Portal().ApplicationByAppID(appID); !ok || app.DisplayName != name || app.ObjectID != objectID {
			t.Fatalf("after az ad app create the tenant has %+v (found %v)", app, ok)
		}
		if !stateHasApp(e, appID) {
			t.Fatal("the emulator's State() lacks the new application")
		}

		var listed []map[string]any
		cli.json(t, &listed, "ad", "app", "list", "--display-name", name)
		if len(listed) != 1 || listed[0]["appId"] != appID {
			t.Fatalf("az ad app list --display-name %s: %v", name, listed)
		}

		cli.run(t, "ad", "app", "delete", "--id", appID)
		if _, ok := e.Portal().ApplicationByAppID(appID); ok {
			t.Fatal("the application is still there after az ad app delete")
		}
		if !slices.ContainsFunc(e.Portal().DeletedApplications(), func(a emulator.Application) bool { return a.AppID == appID }) {
			t.Fatal("the deleted application is not in the deleted items")
		}
		cli.json(t, &listed, "ad", "app", "list", "--display-name", name)
		if len(listed) != 0 {
			t.Fatalf("az ad app list after the delete: %v", listed)
		}

		// The emulator saw az's calls: the sign-in, ARM, and Graph.
		wantRequests(t, e, []string{
			"GET /metadata/endpoints",
			"POST /" + seed.TenantID + "/oauth2/v2.0/token",
			"GET /subscriptions",
			"POST /v1.0/applications",
			"GET /v1.0/applications",
			"DELETE /v1.0/applications/" + objectID,
		})
	})

	t.Run("person with a password", func(t *testing.T) {
		cli := newCLI(t, az, e, guard)
		cli.registerCloud(t)
		var accounts []map[string]any
		// No --tenant: az signs in through organizations, then lists the person's tenants.
		cli.json(t, &accounts, "login", "-u", "appadmin@contoso.com", "-p", emulator.SeedUserPassword, "--allow-no-subscriptions")
		if len(accounts) != 1 || accounts[0]["tenantId"] != seed.TenantID {
			t.Fatalf("az login -u: %v", accounts)
		}
		if u, _ := accounts[0]["user"].(map[string]any); u["name"] != "appadmin@contoso.com" || u["type"] != "user" {
			t.Fatalf("az login -u signed in as %v", accounts[0]["user"])
		}
		var me map[string]any
		cli.json(t, &me, "ad", "signed-in-user", "show")
		if me["userPrincipalName"] != "appadmin@contoso.com" {
			t.Fatalf("az ad signed-in-user show: %v", me)
		}
		name := "az-cli-person-" + fmt.Sprint(time.Now().UnixNano())
		var created map[string]any
		cli.json(t, &created, "ad", "app", "create", "--display-name", name)
		appID, _ := created["appId"].(string)
		if _, ok := e.Portal().ApplicationByAppID(appID); !ok {
			t.Fatalf("after az ad app create as a person the tenant lacks %v", created)
		}
		cli.run(t, "ad", "app", "delete", "--id", appID)
		if _, ok := e.Portal().ApplicationByAppID(appID); ok {
			t.Fatal("the application is still there after az ad app delete")
		}
		wantRequests(t, e, []string{"GET /tenants", "GET /common/UserRealm/appadmin@contoso.com"})
	})

	t.Run("second tenant", func(t *testing.T) {
		second := e.Seeds()[1]
		cli := newCLI(t, az, e, guard)
		cli.registerCloud(t)
		var accounts []map[string]any
		cli.json(t, &accounts, "login", "--service-principal", "-u", second.BootstrapClientID, "-p", second.BootstrapSecret,
			"--tenant", second.TenantDomain, "--allow-no-subscriptions")
		if len(accounts) != 1 || accounts[0]["tenantId"] != second.TenantID {
			t.Fatalf("az login to the second tenant: %v", accounts)
		}
		name := "az-cli-second-" + fmt.Sprint(time.Now().UnixNano())
		var created map[string]any
		cli.json(t, &created, "ad", "app", "create", "--display-name", name)
		appID, _ := created["appId"].(string)
		p2, _ := e.TenantPortal(second.TenantID)
		if _, ok := p2.ApplicationByAppID(appID); !ok {
			t.Fatalf("the second tenant lacks %v", created)
		}
		if _, ok := e.Portal().ApplicationByAppID(appID); ok {
			t.Fatal("the first tenant has the application created in the second")
		}
	})

	refused := guard.Refused()
	if azVersion(az) == "" {
		// az could not be told it checked its version (skipVersionCheck): its probe of
		// azure.microsoft.com was refused, and is the one refusal allowed.
		refused = slices.DeleteFunc(refused, func(s string) bool { return s == "azure.microsoft.com:443" })
	}
	if len(refused) > 0 {
		t.Errorf("az tried to reach hosts other than the emulator (the proxy refused them): %v", refused)
	}
	t.Logf("az's connections, all to the emulator: %v", guard.Targets())
}

// findAz finds the az command, or skips (fails under CI=1 or STELLAR_REQUIRE_AZ=1).
func findAz(t *testing.T) string {
	t.Helper()
	az, err := exec.LookPath("az")
	if err == nil {
		return az
	}
	if ci := os.Getenv("CI"); ci == "1" || ci == "true" || os.Getenv("STELLAR_REQUIRE_AZ") == "1" {
		t.Fatalf("the Azure CLI (az) is not on PATH (%v), and CI or STELLAR_REQUIRE_AZ requires this test: %s", err, installHint)
	}
	t.Skipf("the Azure CLI (az) is not on PATH: %s (STELLAR_REQUIRE_AZ=1 turns this skip into a failure)", installHint)
	return ""
}

// cli runs az with a configuration directory of its own.
type cli struct {
	bin string
	e   *emulator.Emulator
	env []string
}

// newCLI prepares az for the emulator. Its environment is built from nothing but PATH, so
// that no Azure setting of the machine leaks in: a config and home directory of its own,
// trust in the emulator's CA alone (certificate verification stays on), no telemetry, and
// every connection through the guard proxy.
func newCLI(t *testing.T, bin string, e *emulator.Emulator, guard *acctest.Proxy) *cli {
	dir := t.TempDir()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"LANG=C.UTF-8",
		"AZURE_CONFIG_DIR=" + filepath.Join(dir, "azure"),
		"AZURE_EXTENSION_DIR=" + filepath.Join(dir, "extensions"),
		"REQUESTS_CA_BUNDLE=" + e.CAFile(),
		"AZURE_CORE_COLLECT_TELEMETRY=false",
		"AZURE_CORE_SURVEY_MESSAGE=false",
		"AZURE_CORE_NO_COLOR=true",
		"AZURE_CORE_OUTPUT=json",
		// Everything through the guard: MSAL Python's instance discovery goes to
		// login.microsoftonline.com whatever the authority (az 2.45 has no setting to turn
		// it off), and its home realm discovery drops the authority's port (127.0.0.1:443);
		// the guard sends both to the emulator and refuses any other host.
		"HTTPS_PROXY=" + guard.URL, "https_proxy=" + guard.URL,
		"HTTP_PROXY=" + guard.URL, "http_proxy=" + guard.URL,
		"NO_PROXY=", "no_proxy=",
	}
	c := &cli{bin: bin, e: e, env: env}
	c.skipVersionCheck(t, filepath.Join(dir, "azure"))
	return c
}

// skipVersionCheck tells a fresh az configuration that az looked for a newer version a
// moment ago. Otherwise its first command probes https://azure.microsoft.com, then GitHub
// (the guard would refuse both). It needs az's own version, which only az's Python knows; if
// that cannot be asked, az probes and the test tolerates exactly that refusal.
func (c *cli) skipVersionCheck(t *testing.T, configDir string) {
	t.Helper()
	version := azVersion(c.bin)
	if version == "" {
		return
	}
	v := map[string]string{"local": version, "pypi": version}
	b, err := json.Marshal(map[string]any{
		"versions":    map[string]any{"azure-cli": v, "core": v, "telemetry": v},
		"update_time": time.Now().Format("2006-01-02 15:04:05.000000"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(configDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(configDir, "versionCheck.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// azVersion asks the Python interpreter of the az script (its #! line) for azure-cli-core's
// version, or "" when az is not such a script.
func azVersion(bin string) string {
	b, err := os.ReadFile(bin)
	if err != nil || !bytes.HasPrefix(b, []byte("#!")) {
		return ""
	}
	line, _, _ := bytes.Cut(b[2:], []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) == 0 || !strings.Contains(filepath.Base(fields[0]), "python") {
		return ""
	}
	out, err := exec.Command(fields[0], "-c", "from azure.cli.core import __version__; print(__version__)").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// registerCloud registers the emulator as a cloud and makes it the active one. az is given
// only the resource manager and Microsoft Graph; it reads the login endpoint and ARM's
// audience from the emulator's endpoint metadata (api-version 2015-01-01, as az does).
func (c *cli) registerCloud(t *testing.T) {
	t.Helper()
	config, err := json.Marshal(map[string]any{"endpoints": map[string]string{
		"resourceManager":          c.e.URL() + "/",
		"microsoftGraphResourceId": c.e.URL() + "/",
	}})
	if err != nil {
		t.Fatal(err)
	}
	c.run(t, "cloud", "register", "--name", cloudName, "--cloud-config", string(config))
	c.run(t, "cloud", "set", "--name", cloudName)
	var cloud struct {
		Endpoints map[string]any `json:"endpoints"`
	}
	c.json(t, &cloud, "cloud", "show")
	for k, want := range map[string]string{
		"activeDirectory":           c.e.URL() + "/",
		"activeDirectoryResourceId": "https://management.core.windows.net/",
		"resourceManager":           c.e.URL() + "/",
		"microsoftGraphResourceId":  c.e.URL() + "/",
	} {
		if cloud.Endpoints[k] != want {
			t.Fatalf("az cloud show: %s = %v, want %s (all: %v)", k, cloud.Endpoints[k], want, cloud.Endpoints)
		}
	}
}

// run runs az and returns its standard output, failing the test if az fails.
func (c *cli) run(t *testing.T, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = c.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("az %s: %v\nstdout: %s\nstderr: %s", redact(args), err, stdout.String(), stderr.String())
	}
	return stdout.Bytes()
}

// json runs az and decodes its JSON output into v.
func (c *cli) json(t *testing.T, v any, args ...string) {
	t.Helper()
	out := c.run(t, args...)
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("az %s: output is not JSON (%v): %s", redact(args), err, out)
	}
}

// redact hides the value after -p in a command line shown in a failure.
func redact(args []string) string {
	out := slices.Clone(args)
	for i := range out {
		if i > 0 && out[i-1] == "-p" {
			out[i] = "***"
		}
	}
	return strings.Join(out, " ")
}

func stateHasApp(e *emulator.Emulator, appID string) bool {
	for _, a := range e.State().Tenants[0].Applications {
		if a.AppID == appID {
			return true
		}
	}
	return false
}

// wantRequests checks that the emulator's request log has each "METHOD /path" (paths
// compared without regard to case, as the emulator routes them), answered without a server
// error.
func wantRequests(t *testing.T, e *emulator.Emulator, want []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range e.Requests() {
		if r.Status < 500 {
			// az joins the resource manager URL, which ends in a slash, and the path.
			seen[strings.ToLower(r.Method+" "+path.Clean(r.Path))] = true
		}
	}
	for _, w := range want {
		if !seen[strings.ToLower(w)] {
			var got []string
			for _, r := range e.Requests() {
				got = append(got, fmt.Sprintf("%s %s?%s %d", r.Method, r.Path, r.Query, r.Status))
			}
			t.Errorf("the emulator never served %s; it served:\n%s", w, strings.Join(got, "\n"))
		}
	}
}

// startGuardProxy starts an HTTPS proxy (CONNECT) that lets az reach the emulator only: its
// own address, and the two host names MSAL Python insists on (see newCLI), which it sends to
// the emulator too. Every other target is refused and recorded, so the test shows that
// nothing left 127.0.0.1.
func startGuardProxy(t *testing.T, e *emulator.Emulator) *acctest.Proxy {
	t.Helper()
	target := acctest.HostPort(e.URL())
	return acctest.StartProxy(t, target, target, "login.microsoftonline.com:443", "127.0.0.1:443")
}
