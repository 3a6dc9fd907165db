package provider_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest/fakeaz"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// TestMain lets this test binary serve as the fake az the Azure CLI tests put on PATH.
func TestMain(m *testing.M) {
	fakeaz.RunIfInvoked()
	os.Exit(m.Run())
}

// Signing in as the Global Administrator, as the wizard's Auto Registration does: each
// method registers the default migration registration end to end.

func personRegistration(e *emulator.Emulator, signIn, name string) string {
	return acctest.ProviderBlockPerson(e, signIn) + fmt.Sprintf(`
resource "stellar_target_registration" "test" {
  display_name                  = %q
  permanently_delete_on_destroy = true
}
`, name)
}

// signInWith signs in to e as clientID with secret, through MSAL, and returns the token's claims.
func signInWith(e *emulator.Emulator, clientID, secret string) (auth.Claims, error) {
	hc, err := auth.NewHTTPClient(e.CAFile())
	if err != nil {
		return auth.Claims{}, err
	}
	cred, err := confidential.NewCredFromSecret(secret)
	if err != nil {
		return auth.Claims{}, err
	}
	c, err := confidential.New(e.URL()+"/"+e.Seed().TenantID, clientID, cred,
		confidential.WithHTTPClient(hc), confidential.WithInstanceDiscovery(false))
	if err != nil {
		return auth.Claims{}, err
	}
	res, err := c.AcquireTokenByCredential(context.Background(), []string{"https://graph.microsoft.com/.default"})
	if err != nil {
		return auth.Claims{}, err
	}
	return auth.ParseClaims(res.AccessToken)
}

// newAppSignsIn checks in the tenant, through a real sign-in with the secret in state, that
// the registered application's token carries the consented default migration set.
func newAppSignsIn(e *emulator.Emulator) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs := s.RootModule().Resources[resourceName]
		if rs == nil {
			return fmt.Errorf("%s not in state", resourceName)
		}
		claims, err := signInWith(e, rs.Primary.Attributes["client_id"], rs.Primary.Attributes["client_secret"])
		if err != nil {
			return fmt.Errorf("the new application cannot sign in: %w", err)
		}
		got := slices.Clone(claims.Roles)
		slices.Sort(got)
		if !slices.Equal(got, defaultMigrationSet) {
			return fmt.Errorf("the new application's token carries roles %v, want %v", got, defaultMigrationSet)
		}
		return nil
	}
}

func personTestCase(t *testing.T, e *emulator.Emulator, signIn, name string) resource.TestCase {
	config := personRegistration(e, signIn, name)
	return resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             noApplicationLeft(e, name),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					tenantHolds(e, name, map[string][]string{graphAppID: defaultMigrationSet}, nil),
					newAppSignsIn(e),
				),
			},
			{Config: config, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	}
}

// tenantHoldsDefault checks in the tenant, not in state, that the application name is
// consented exactly the default migration set.
func tenantHoldsDefault(e *emulator.Emulator, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		app, ok := findApp(e, name)
		if !ok {
			return fmt.Errorf("no application %q in the tenant", name)
		}
		sp, ok := e.Portal().ServicePrincipalByAppID(app.AppID)
		if !ok {
			return fmt.Errorf("application %q has no service principal", name)
		}
		var got, want []string
		for _, a := range e.Portal().AppRoleAssignments(sp.ObjectID) {
			got = append(got, a.AppRoleID)
		}
		for _, v := range defaultMigrationSet {
			want = append(want, roleIDs[v])
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			return fmt.Errorf("application %q holds roles %v, want the default migration set %v", name, got, want)
		}
		return nil
	}
}

// TestAccSignIn_azureCLI: signed in with `az login` as the Global Administrator.
func TestAccSignIn_azureCLI(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	calls := fakeaz.Install(t, fakeaz.Config{AuthorityHost: e.URL(), TenantID: e.Seed().TenantID, CAFile: e.CAFile(),
		Username: "admin@contoso.com", Password: emulator.SeedUserPassword})
	resource.Test(t, personTestCase(t, e, "  use_cli = true", "Migrator via Azure CLI"))
	for _, c := range calls() {
		if !slices.Contains(c, "--tenant") || !slices.Contains(c, "https://graph.microsoft.com/.default") {
			t.Errorf("az called with %v, want the Graph scope for the configured tenant", c)
		}
	}
}

// TestAccSignIn_deviceCode: the person signs in with the device code before Terraform runs
// (the login step the docs prescribe); plan and apply, separate provider processes in real
// runs, then read that sign-in and never ask again.
func TestAccSignIn_deviceCode(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	cache := t.TempDir()
	acctest.DeviceCodeSignIn(t, e, "admin@contoso.com", cache)
	tc := personTestCase(t, e, "  use_device_code = true\n  token_cache_dir = "+fmt.Sprintf("%q", cache), "Migrator via device code")
	tc.Steps[1].Check = onlyOneSignIn(e, "/oauth2/v2.0/devicecode")
	resource.Test(t, tc)
}

// TestAccSignIn_browser: as device code, with the sign-in made in the browser.
func TestAccSignIn_browser(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	cache := t.TempDir()
	acctest.BrowserSignIn(t, e, "admin@contoso.com", cache)
	tc := personTestCase(t, e, "  use_browser = true\n  token_cache_dir = "+fmt.Sprintf("%q", cache), "Migrator via browser")
	tc.Steps[1].Check = onlyOneSignIn(e, "/oauth2/v2.0/authorize")
	resource.Test(t, tc)
}

// onlyOneSignIn checks that the person was asked once, by the login step: every provider
// process after it took its tokens from the cache.
func onlyOneSignIn(e *emulator.Emulator, endpoint string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		n := 0
		for _, r := range e.Requests() {
			if strings.HasSuffix(r.Path, endpoint) && r.Method == "POST" {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("%d interactive sign-ins at %s, want the login step's one", n, endpoint)
		}
		return nil
	}
}

// TestAccSignIn_directoryRoles: Global Administrators and Privileged Role Administrators
// register and consent; an Application Administrator and a member without a role are
// stopped at plan, told which role consent needs, and nothing reaches the tenant.
func TestAccSignIn_directoryRoles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		upn string
		ok  bool
	}{
		{"admin@contoso.com", true},
		{"roleadmin@contoso.com", true},
		{"appadmin@contoso.com", false},
	} {
		t.Run(tc.upn, func(t *testing.T) {
			t.Parallel()
			e := acctest.StartEmulator(t, emulator.Options{})
			cache := t.TempDir()
			acctest.DeviceCodeSignIn(t, e, tc.upn, cache)
			signIn := "  use_device_code = true\n  token_cache_dir = " + fmt.Sprintf("%q", cache)
			if tc.ok {
				resource.Test(t, personTestCase(t, e, signIn, "Migrator by "+tc.upn))
				return
			}
			planFailsWithoutWrites(t, e, personRegistration(e, signIn, "never registered"), regexp.MustCompile(`(?s)directory roles do not allow consent.*`+regexp.QuoteMeta(tc.upn)+`.*Global\s+Administrator\s+or\s+Privileged\s+Role\s+Administrator`))
		})
	}
}

// planFailsWithoutWrites runs config's plan, which must fail with want, and checks in the
// emulator's request log that nothing was written to the tenant.
func planFailsWithoutWrites(t *testing.T, e *emulator.Emulator, config string, want *regexp.Regexp) {
	t.Helper()
	e.ResetRequests()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps:                    []resource.TestStep{{Config: config, PlanOnly: true, ExpectError: want}},
	})
	if w := acctest.Writes(e); len(w) != 0 {
		t.Fatalf("writes reached the tenant: %+v", w)
	}
}

// TestAccSignIn_memberWithoutRole: a member without a directory role may not consent to the
// scopes the provider's own login asks for (AADSTS90094), but the Azure CLI's pre-authorized
// scopes sign them in; the plan then stops, naming the role consent needs, before any write.
func TestAccSignIn_memberWithoutRole(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	_, err := auth.SignInPerson(context.Background(), acctest.PersonOptions(t, e, t.TempDir()), func(msg string) {
		if m := regexp.MustCompile(`enter the code ([A-Z0-9]+)`).FindStringSubmatch(msg); m != nil {
			_ = acctest.CompleteDeviceLogin(e, m[1], "adele.vance@contoso.com") // refused: the error reaches the device
		}
	}, nil)
	if err == nil || !strings.Contains(err.Error(), "AADSTS90094") {
		t.Fatalf("login as a member without a role: %v, want the admin-approval refusal", err)
	}
	fakeaz.Install(t, fakeaz.Config{AuthorityHost: e.URL(), TenantID: e.Seed().TenantID, CAFile: e.CAFile(),
		Username: "adele.vance@contoso.com", Password: emulator.SeedUserPassword})
	planFailsWithoutWrites(t, e, personRegistration(e, "  use_cli = true", "never registered"), regexp.MustCompile(`(?s)directory roles do not allow consent.*adele\.vance@contoso\.com.*Global\s+Administrator\s+or\s+Privileged\s+Role\s+Administrator`))
}

// TestAccSignIn_appLacksPermission: an application lacking one of the three Graph
// permissions registering needs is stopped at plan, told which, and changes nothing.
func TestAccSignIn_appLacksPermission(t *testing.T) {
	t.Parallel()
	withDelegated := `
  api_permissions = [
    { api = "microsoft_graph", application = ["User.Read.All"], delegated = ["User.Read"] },
  ]`
	for _, tc := range []struct {
		lacks string
		roles []string
	}{
		{"Application.ReadWrite.All", []string{"Application.Read.All", "AppRoleAssignment.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All"}},
		{"AppRoleAssignment.ReadWrite.All", []string{"Application.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All"}},
		{"DelegatedPermissionGrant.ReadWrite.All", []string{"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All"}},
	} {
		t.Run(tc.lacks, func(t *testing.T) {
			t.Parallel()
			e := acctest.StartEmulator(t, emulator.Options{})
			app, secret := e.Portal().CreateApplication("operator without "+tc.lacks, tc.roles...)
			config := acctest.ProviderBlockAs(e, e.Seed().TenantID, app.AppID, secret) + `
resource "stellar_target_registration" "test" {
  display_name = "never registered"` + withDelegated + `
}
`
			planFailsWithoutWrites(t, e, config, regexp.MustCompile(`(?s)lacks\s+`+regexp.QuoteMeta(tc.lacks)+`.*Grant\s+admin\s+consent`))
		})
	}
}

// TestAccSignIn_settings: a sign-in setting that cannot take effect, or two that conflict,
// are plan-time errors naming them.
func TestAccSignIn_settings(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	seed := e.Seed()
	for _, tc := range []struct {
		name, block string
		want        string
	}{
		{"secret and CLI", fmt.Sprintf("  client_id = %q\n  client_secret = %q\n  use_cli = true", seed.BootstrapClientID, seed.BootstrapSecret),
			`Conflicting sign-in settings(.*\n)*.*client_secret and use_cli`},
		{"CLI and device code", "  use_cli = true\n  use_device_code = true", `Conflicting sign-in settings(.*\n)*.*use_cli and use_device_code`},
		{"client_id with the CLI", fmt.Sprintf("  client_id = %q\n  use_cli = true", seed.BootstrapClientID), `client_id has no effect with use_cli`},
		{"public client without a person's sign-in", fmt.Sprintf("  client_id = %q\n  client_secret = %q\n  public_client_id = %q", seed.BootstrapClientID, seed.BootstrapSecret, auth.GraphCLIClientID),
			`public_client_id has no effect`},
		{"device code never signed in", "  use_device_code = true\n  token_cache_dir = " + fmt.Sprintf("%q", t.TempDir()),
			`nobody has signed in(.*\n)*.*terraform-provider-stellar\s+login\s+-tenant`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      personRegistration(e, tc.block, "never registered"),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
	if w := acctest.Writes(e); len(w) != 0 {
		t.Fatalf("writes reached the tenant: %+v", w)
	}
}

// TestAccSignIn_consentHandoff: an Application Administrator registers the app and hands
// consent to a Global Administrator, who grants it at admin_consent_url; the plan then shows
// no changes.
func TestAccSignIn_consentHandoff(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	cache := t.TempDir()
	acctest.DeviceCodeSignIn(t, e, "appadmin@contoso.com", cache)
	const name = "Migrator, consent handed off"
	config := acctest.ProviderBlockPerson(e, "  use_device_code = true\n  token_cache_dir = "+fmt.Sprintf("%q", cache)) + fmt.Sprintf(`
resource "stellar_target_registration" "test" {
  display_name                  = %q
  grant_admin_consent           = false
  consent_handoff               = true
  permanently_delete_on_destroy = true
}
`, name)
	var consentURL string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             noApplicationLeft(e, name),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(resourceName, "granted_permissions.#", "0"),
					func(s *terraform.State) error {
						rs := s.RootModule().Resources[resourceName].Primary
						consentURL = rs.Attributes["admin_consent_url"]
						want := e.URL() + "/" + e.Seed().TenantID + "/adminconsent?client_id=" + rs.Attributes["client_id"]
						if consentURL != want {
							return fmt.Errorf("admin_consent_url %q, want %q", consentURL, want)
						}
						return nil
					},
				),
			},
			{
				// The Global Administrator accepts at the page the Application Administrator sent.
				PreConfig: func() {
					status, page := acctest.AdminConsent(t, e, consentURL, "admin@contoso.com")
					if status != 200 {
						t.Fatalf("admin consent: %d %s", status, page)
					}
				},
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            tenantHoldsDefault(e, name),
			},
		},
	})
}

// TestAccSignIn_apply403NamesTheRight: a 403 that still happens during apply (here injected
// where consent is granted) names the permission and the roles the call needs.
func TestAccSignIn_apply403NamesTheRight(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	e.Inject(emulator.Fault{Method: "POST", PathRegexp: "/appRoleAssignedTo$", Status: 403, Times: 1})
	const name = "Migrator refused consent"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             noApplicationLeft(e, name),
		Steps: []resource.TestStep{{
			Config:      registrationConfig(e, name, ""),
			ExpectError: regexp.MustCompile(`(?s)403.*AssignAppRoles.*AppRoleAssignment\.ReadWrite\.All.*Global\s+Administrator\s+or\s+Privileged\s+Role\s+Administrator`),
		}},
	})
}
