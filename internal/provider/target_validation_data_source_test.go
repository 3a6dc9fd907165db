package provider_test

import (
	"crypto/x509"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

const validationName = "data.stellar_target_validation.test"

// migrationRoles are the default migration set plus what lets validation
// look at the user's mailbox and the tenant's name.
var migrationRoles = append(append([]string{}, defaultMigrationSet...), "Organization.Read.All")

type validationInput struct {
	email, clientID, tenantID, secret string
	extra                             string
}

func validationConfig(e *emulator.Emulator, in validationInput) string {
	return acctest.ProviderBlock(e) + fmt.Sprintf(`
data "stellar_target_validation" "test" {
  email_address = %q
  client_id     = %q
  tenant_id     = %q
  client_secret = %q
%s
}
`, in.email, in.clientID, in.tenantID, in.secret, in.extra)
}

// checkStatuses asserts the status of every check, in order.
func checkStatuses(statuses ...string) statecheck.StateCheck {
	names := []string{"input_format", "tenant_exists", "client_credentials", "token_tenant", "admin_consent", "user_mailbox", "exchange_access", "directory_role", "credential_expiry"}
	var checks []knownvalue.Check
	for i, s := range statuses {
		checks = append(checks, knownvalue.ObjectPartial(map[string]knownvalue.Check{
			"name": knownvalue.StringExact(names[i]), "status": knownvalue.StringExact(s),
		}))
	}
	return statecheck.ExpectKnownValue(validationName, tfjsonpath.New("checks"), knownvalue.ListExact(checks))
}

func validationTest(t *testing.T, steps ...resource.TestStep) {
	t.Helper()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

func TestAccTargetValidation_valid(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	app, secret := e.Portal().CreateApplication("manually registered", migrationRoles...)
	seed := e.Seed()
	adele := seedUser(t, e, "adele.vance@contoso.com")
	for _, tenant := range []string{seed.TenantID, seed.InitialDomain} {
		t.Run(tenant, func(t *testing.T) {
			validationTest(t, resource.TestStep{
				Config: validationConfig(e, validationInput{email: adele.UPN, clientID: app.AppID, tenantID: tenant, secret: secret}),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(validationName, tfjsonpath.New("valid"), knownvalue.Bool(true)),
					checkStatuses("passed", "passed", "passed", "passed", "passed", "passed", "skipped", "skipped", "passed"),
					statecheck.ExpectKnownValue(validationName, tfjsonpath.New("user_id"), knownvalue.StringExact(adele.ID)),
					statecheck.ExpectKnownValue(validationName, tfjsonpath.New("resolved_tenant_id"), knownvalue.StringExact(seed.TenantID)),
					statecheck.ExpectKnownValue(validationName, tfjsonpath.New("tenant_display_name"), knownvalue.StringExact(seed.DisplayName)),
					statecheck.ExpectKnownValue(validationName, tfjsonpath.New("missing_permissions"), knownvalue.SetSizeExact(0)),
					statecheck.ExpectKnownValue(validationName, tfjsonpath.New("excess_permissions"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"api": knownvalue.StringExact("microsoft_graph"), "application": stringSet("Organization.Read.All"),
						}),
					})),
					statecheck.ExpectKnownValue(validationName, tfjsonpath.New("token_expires_at"), knownvalue.NotNull()),
				},
			})
		})
	}
}

func seedUser(t *testing.T, e *emulator.Emulator, upn string) emulator.SeedUser {
	t.Helper()
	for _, u := range e.Seed().Users {
		if strings.EqualFold(u.UPN, upn) {
			return u
		}
	}
	t.Fatalf("the emulator seeds no user %s", upn)
	return emulator.SeedUser{}
}

// TestAccTargetValidation_failures produces each failure in the emulator and
// checks both the error that stops the plan and, with fail_on_invalid =
// false, the report.
func TestAccTargetValidation_failures(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	seed := e.Seed()
	app, secret := e.Portal().CreateApplication("manually registered", migrationRoles...)
	partial, partialSecret := e.Portal().CreateApplication("half consented", "User.Read.All")
	expired, _ := e.Portal().CreateApplication("expired secret", migrationRoles...)
	pw, expiredSecret, err := e.Portal().AddPassword(expired.ObjectID, "old", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	mustPortal(t, e.Portal().ExpirePassword(expired.ObjectID, pw.KeyID))
	good := validationInput{email: "adele.vance@contoso.com", clientID: app.AppID, tenantID: seed.TenantID, secret: secret}

	tests := []struct {
		name     string
		in       func(validationInput) validationInput
		statuses []string
		code     string
		message  string
		fix      string // a regexp the fix must match, beyond "How to fix it"
	}{
		{
			name:     "unknown tenant",
			in:       func(v validationInput) validationInput { v.tenantID = "fabrikam.onmicrosoft.com"; return v },
			statuses: []string{"passed", "failed", "skipped", "skipped", "skipped", "skipped", "skipped", "skipped", "skipped"},
			code:     "AADSTS90002", message: `cannot\s+be\s+found`,
		},
		{
			name:     "client not in tenant",
			in:       func(v validationInput) validationInput { v.clientID = "0b9c1a2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"; return v },
			statuses: []string{"passed", "passed", "failed", "skipped", "skipped", "skipped", "skipped", "skipped", "skipped"},
			code:     "AADSTS700016", message: `could\s+not\s+sign\s+in`,
		},
		{
			name: "wrong secret",
			in: func(v validationInput) validationInput {
				v.secret = "wrong-secret-value-0123456789abcdefghij"
				return v
			},
			statuses: []string{"passed", "passed", "failed", "skipped", "skipped", "skipped", "skipped", "skipped", "skipped"},
			code:     "AADSTS7000215", message: `could\s+not\s+sign\s+in`,
		},
		{
			name: "expired secret",
			in: func(v validationInput) validationInput {
				v.clientID, v.secret = expired.AppID, expiredSecret
				return v
			},
			statuses: []string{"passed", "passed", "failed", "skipped", "skipped", "skipped", "skipped", "skipped", "skipped"},
			code:     "AADSTS7000222", message: `could\s+not\s+sign\s+in`,
		},
		{
			name: "consent missing",
			in: func(v validationInput) validationInput {
				v.clientID, v.secret = partial.AppID, partialSecret
				return v
			},
			statuses: []string{"passed", "passed", "passed", "passed", "failed", "passed", "skipped", "skipped", "passed"},
			code:     "MissingRoles", message: `Calendars.ReadWrite,\s+Contacts.ReadWrite,\s+Mail.ReadWrite`,
			// The fix is the app's admin consent page, for a Global Administrator to open.
			fix: regexp.QuoteMeta("/" + seed.TenantID + "/adminconsent?client_id=" + partial.AppID),
		},
		{
			name:     "user not in tenant",
			in:       func(v validationInput) validationInput { v.email = "nobody@contoso.com"; return v },
			statuses: []string{"passed", "passed", "passed", "passed", "passed", "failed", "skipped", "skipped", "passed"},
			code:     "Request_ResourceNotFound", message: `No\s+user\s+nobody@contoso.com`,
		},
		{
			name:     "user without mailbox",
			in:       func(v validationInput) validationInput { v.email = "no.mailbox@contoso.com"; return v },
			statuses: []string{"passed", "passed", "passed", "passed", "passed", "failed", "skipped", "skipped", "passed"},
			code:     "MailboxNotEnabledForRESTAPI", message: `no\s+Exchange\s+Online\s+mailbox`,
		},
		{
			name: "exchange permission not consented",
			in: func(v validationInput) validationInput {
				v.extra = `required_permissions = [
    { api = "microsoft_graph", application = ["User.Read.All"] },
    { api = "exchange_online", application = ["full_access_as_app"] },
  ]`
				return v
			},
			statuses: []string{"passed", "passed", "passed", "passed", "passed", "passed", "failed", "skipped", "passed"},
			code:     "MissingRoles", message: `Exchange\s+Online\s+token\s+lacks:\s+full_access_as_app`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in(good)
			report := in
			report.extra += "\n  fail_on_invalid = false"
			want := regexp.MustCompile(`(?s)Validation check "[a-z_]+" failed.*` + tt.message + `.*Code:\s+` + tt.code + `.*How\s+to\s+fix\s+it.*` + tt.fix)
			check, sawError := acctest.ExpectSecretFreeError(want, in.secret, secret, seed.BootstrapSecret)
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				ErrorCheck:               check,
				Steps:                    []resource.TestStep{{Config: validationConfig(e, in)}},
			})
			if !sawError() {
				t.Fatal("an invalid credential did not fail the plan")
			}
			validationTest(t,
				resource.TestStep{
					Config: validationConfig(e, report),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(validationName, tfjsonpath.New("valid"), knownvalue.Bool(false)),
						checkStatuses(tt.statuses...),
					},
				},
			)
		})
	}
}

func TestAccTargetValidation_exchange(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	app, secret := e.Portal().CreateApplication("ews tool", "User.Read.All")
	sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)
	if _, err := e.Portal().AssignAppRole(sp.ObjectID, exchangeAppID, "full_access_as_app"); err != nil {
		t.Fatal(err)
	}
	validationTest(t, resource.TestStep{
		Config: validationConfig(e, validationInput{
			email: "megan.bowen@contoso.com", clientID: app.AppID, tenantID: e.Seed().TenantID, secret: secret,
			extra: `required_permissions = [
    { api = "microsoft_graph", application = ["User.Read.All"] },
    { api = "exchange_online", application = ["full_access_as_app"] },
  ]`,
		}),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(validationName, tfjsonpath.New("valid"), knownvalue.Bool(true)),
			checkStatuses("passed", "passed", "passed", "passed", "passed", "passed", "passed", "skipped", "passed"),
			statecheck.ExpectKnownValue(validationName, tfjsonpath.New("granted_permissions"), knownvalue.SetExact([]knownvalue.Check{
				knownvalue.ObjectPartial(map[string]knownvalue.Check{"api": knownvalue.StringExact("microsoft_graph"), "application": stringSet("User.Read.All")}),
				knownvalue.ObjectPartial(map[string]knownvalue.Check{"api": knownvalue.StringExact("exchange_online"), "application": stringSet("full_access_as_app")}),
			})),
		},
	})
}

func TestAccTargetValidation_certificate(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	app, _ := e.Portal().CreateApplication("certificate app", migrationRoles...)
	cert, bundle := selfSignedCertificate(t)
	mustPortal(t, e.Portal().AddCertificate(app.ObjectID, cert))
	config := acctest.ProviderBlock(e) + fmt.Sprintf(`
data "stellar_target_validation" "test" {
  email_address      = "adele.vance@contoso.com"
  client_id          = %q
  tenant_id          = %q
  client_certificate = %q
}
`, app.AppID, e.Seed().TenantID, bundle)
	validationTest(t, resource.TestStep{
		Config: config,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(validationName, tfjsonpath.New("valid"), knownvalue.Bool(true)),
			statecheck.ExpectKnownValue(validationName, tfjsonpath.New("checks").AtSliceIndex(2).AtMapKey("detail"), knownvalue.StringRegexp(regexp.MustCompile("certificate"))),
		},
	})
}

func selfSignedCertificate(t *testing.T) (*x509.Certificate, string) {
	t.Helper()
	c := acctest.NewClientCertificate(t, "stellar test")
	return c.Cert, string(c.PEM)
}

// TestAccTargetValidation_planTimeFormats: malformed inputs fail at plan,
// before any request, naming the attribute.
func TestAccTargetValidation_planTimeFormats(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	good := validationInput{email: "adele.vance@contoso.com", clientID: e.Seed().BootstrapClientID, tenantID: e.Seed().TenantID, secret: "x"}
	tests := []struct {
		name string
		in   func(validationInput) validationInput
		want string
	}{
		{"client id not a GUID", func(v validationInput) validationInput { v.clientID = "Stellar Migrator"; return v }, `Invalid\s+client\s+ID(.*\n)*.*not\s+a\s+GUID`},
		{"tenant malformed", func(v validationInput) validationInput { v.tenantID = "contoso"; return v }, `Invalid\s+tenant(.*\n)*.*neither\s+a\s+GUID\s+nor\s+a\s+domain`},
		{"email malformed", func(v validationInput) validationInput { v.email = "adele"; return v }, `Invalid\s+email\s+address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			validationTest(t, resource.TestStep{Config: validationConfig(e, tt.in(good)), PlanOnly: true, ExpectError: regexp.MustCompile(tt.want)})
		})
	}
}

func TestAccTargetValidation_ephemeral(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	app, secret := e.Portal().CreateApplication("vaulted", migrationRoles...)
	config := func(s string) string {
		return acctest.ProviderBlock(e) + fmt.Sprintf(`
ephemeral "stellar_target_validation" "test" {
  email_address = "adele.vance@contoso.com"
  client_id     = %q
  tenant_id     = %q
  client_secret = %q
}
`, app.AppID, e.Seed().TenantID, s)
	}
	validationTest(t,
		resource.TestStep{Config: config(secret)},
		resource.TestStep{Config: config("wrong-secret-value-0123456789abcdefghij"), ExpectError: regexp.MustCompile(`AADSTS7000215`)},
	)
}

// TestAccTargetValidation_permissionSet: the preset's needs are what is required, and with
// exchange_powershell the Exchange Administrator role on the service principal is checked.
func TestAccTargetValidation_permissionSet(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	app, secret := e.Portal().CreateApplication("powershell tool", "User.Read.All")
	sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)
	if _, err := e.Portal().AssignAppRole(sp.ObjectID, exchangeAppID, "Exchange.ManageAsApp"); err != nil {
		t.Fatal(err)
	}
	in := validationInput{email: "megan.bowen@contoso.com", clientID: app.AppID, tenantID: e.Seed().TenantID, secret: secret,
		extra: "  permission_set = \"exchange_powershell\"\n  fail_on_invalid = false"}
	validationTest(t,
		resource.TestStep{
			Config: validationConfig(e, in),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(validationName, tfjsonpath.New("valid"), knownvalue.Bool(false)),
				checkStatuses("passed", "passed", "passed", "passed", "passed", "passed", "passed", "failed", "passed"),
				statecheck.ExpectKnownValue(validationName, tfjsonpath.New("checks").AtSliceIndex(7).AtMapKey("detail"),
					knownvalue.StringRegexp(regexp.MustCompile(`does not hold the Exchange Administrator role`))),
			},
		},
		resource.TestStep{
			PreConfig: func() {
				if _, err := e.Portal().AssignDirectoryRole(sp.ObjectID, roleExchangeAdministrator); err != nil {
					t.Fatal(err)
				}
			},
			Config: validationConfig(e, in),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(validationName, tfjsonpath.New("valid"), knownvalue.Bool(true)),
				checkStatuses("passed", "passed", "passed", "passed", "passed", "passed", "passed", "passed", "passed"),
			},
		},
	)
}

// TestAccTargetValidation_credentialExpiry: a secret that expires within the window fails the
// check with its date; a shorter window passes it. The provider's clock is fixed.
func TestAccTargetValidation_credentialExpiry(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	app, _ := e.Portal().CreateApplication("soon expiring", migrationRoles...)
	now := time.Now().UTC().Truncate(time.Hour)
	end := now.Add(20 * 24 * time.Hour)
	_, secret, err := e.Portal().AddPassword(app.ObjectID, "short-lived", end)
	if err != nil {
		t.Fatal(err)
	}
	in := validationInput{email: "adele.vance@contoso.com", clientID: app.AppID, tenantID: e.Seed().TenantID, secret: secret}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactoriesAt(now),
		Steps: []resource.TestStep{
			{
				Config:      validationConfig(e, in),
				ExpectError: regexp.MustCompile(`credential_expiry[\s\S]*expires on ` + end.Format(time.DateOnly) + `, within 30 days`),
			},
			{
				Config: validationConfig(e, validationInput{email: in.email, clientID: in.clientID, tenantID: in.tenantID, secret: secret,
					extra: "  credential_expiry_window_days = 14"}),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(validationName, tfjsonpath.New("valid"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(validationName, tfjsonpath.New("credential_expires_at"), knownvalue.StringExact(end.Format(time.RFC3339))),
					statecheck.ExpectKnownValue(validationName, tfjsonpath.New("checks").AtSliceIndex(8).AtMapKey("status"), knownvalue.StringExact("passed")),
				},
			},
		},
	})
}
