package provider_test

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

const (
	graphAppID    = "00000003-0000-0000-c000-000000000000"
	exchangeAppID = "00000002-0000-0ff1-ce00-000000000000"
	resourceName  = "stellar_target_registration.test"
)

// Microsoft's IDs for the permissions the tests use: the provider must
// resolve names to exactly these (../shared/reference).
var roleIDs = map[string]string{
	"User.Read.All":             "df021288-bdef-4463-88db-98f22de89214",
	"Mail.ReadWrite":            "e2a3a72e-5f79-4c64-b1b1-878b674786c9",
	"Mail.Send":                 "b633e1c5-b582-4048-a93e-9f11b44c7e96",
	"Calendars.ReadWrite":       "ef54d2bf-783f-4e0f-bca1-3210c0444d99",
	"Contacts.ReadWrite":        "6918b873-d17a-4dc1-b314-35f528134491",
	"MailboxSettings.ReadWrite": "6931bccd-447a-43d1-b442-00a195474933",
	"Tasks.ReadWrite.All":       "44e666d1-d276-445b-a5fc-8815eeb81d55",
	"full_access_as_app":        "dc890d15-9560-4a4c-9b7f-a736ec74ec40",
	"Exchange.ManageAsApp":      "dc50a0fb-09a3-484d-be87-e023b12c6440",
}

var defaultMigrationSet = []string{"Calendars.ReadWrite", "Contacts.ReadWrite", "Mail.ReadWrite", "MailboxSettings.ReadWrite", "Tasks.ReadWrite.All", "User.Read.All"}

func registrationConfig(e *emulator.Emulator, name, body string) string {
	return acctest.ProviderBlock(e) + fmt.Sprintf(`
resource "stellar_target_registration" "test" {
  display_name                  = %q
  permanently_delete_on_destroy = true
%s
}
`, name, body)
}

const updatedPermissions = `
  api_permissions = [
    { api = "microsoft_graph", application = ["User.Read.All", "Mail.ReadWrite", "Mail.Send"], delegated = ["User.Read"] },
    { api = "exchange_online", application = ["Exchange.ManageAsApp"] },
  ]
`

// findApp returns the live application with the given display name.
func findApp(e *emulator.Emulator, name string) (emulator.Application, bool) {
	for _, a := range e.Portal().Applications() {
		if a.DisplayName == name {
			return a, true
		}
	}
	return emulator.Application{}, false
}

// tenantHolds checks, in the emulator rather than in state, that the
// registration requests and is consented exactly the given application
// permissions (by role ID), and that the secret in state exists there.
func tenantHolds(e *emulator.Emulator, name string, want map[string][]string, delegated map[string][]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		app, ok := findApp(e, name)
		if !ok {
			return fmt.Errorf("no application named %q in the tenant", name)
		}
		rs := s.RootModule().Resources[resourceName]
		if rs == nil {
			return fmt.Errorf("%s not in state", resourceName)
		}
		if got := rs.Primary.Attributes["object_id"]; got != app.ObjectID {
			return fmt.Errorf("state object_id %s, tenant %s", got, app.ObjectID)
		}
		if got := rs.Primary.Attributes["client_id"]; got != app.AppID {
			return fmt.Errorf("state client_id %s, tenant %s", got, app.AppID)
		}
		requested := map[string][]string{}
		for _, ra := range app.RequiredResourceAccess {
			for _, acc := range ra.ResourceAccess {
				if acc.Type == "Role" {
					requested[ra.ResourceAppID] = append(requested[ra.ResourceAppID], acc.ID)
				}
			}
		}
		wantIDs := map[string][]string{}
		for api, names := range want {
			for _, n := range names {
				wantIDs[api] = append(wantIDs[api], roleIDs[n])
			}
		}
		if !sameSets(requested, wantIDs) {
			return fmt.Errorf("requiredResourceAccess roles = %v, want %v", requested, wantIDs)
		}
		sp, ok := e.Portal().ServicePrincipalByAppID(app.AppID)
		if !ok {
			return fmt.Errorf("no service principal for %s", app.AppID)
		}
		if got := rs.Primary.Attributes["service_principal_id"]; got != sp.ObjectID {
			return fmt.Errorf("state service_principal_id %s, tenant %s", got, sp.ObjectID)
		}
		resourceApp := map[string]string{}
		for _, api := range []string{graphAppID, exchangeAppID} {
			if rsp, ok := e.Portal().ServicePrincipalByAppID(api); ok {
				resourceApp[rsp.ObjectID] = api
			}
		}
		consented := map[string][]string{}
		for _, a := range e.Portal().AppRoleAssignments(sp.ObjectID) {
			consented[resourceApp[a.ResourceID]] = append(consented[resourceApp[a.ResourceID]], a.AppRoleID)
		}
		if !sameSets(consented, wantIDs) {
			return fmt.Errorf("app role assignments = %v, want %v", consented, wantIDs)
		}
		grants := map[string][]string{}
		for _, g := range e.Portal().DelegatedGrants(sp.ObjectID) {
			if g.ConsentType == "AllPrincipals" {
				grants[resourceApp[g.ResourceID]] = append(grants[resourceApp[g.ResourceID]], strings.Fields(g.Scope)...)
			}
		}
		if !sameSets(grants, delegated) {
			return fmt.Errorf("delegated grants = %v, want %v", grants, delegated)
		}
		key := rs.Primary.Attributes["client_secret_key_id"]
		if !slices.ContainsFunc(app.Passwords, func(p emulator.Password) bool { return p.KeyID == key }) {
			return fmt.Errorf("secret %s in state is not on the application (has %v)", key, app.Passwords)
		}
		return nil
	}
}

func sameSets(a, b map[string][]string) bool {
	norm := func(m map[string][]string) string {
		var parts []string
		for k, v := range m {
			if len(v) == 0 {
				continue
			}
			v = slices.Clone(v)
			sort.Strings(v)
			parts = append(parts, k+"="+strings.Join(v, ","))
		}
		sort.Strings(parts)
		return strings.Join(parts, ";")
	}
	return norm(a) == norm(b)
}

// noApplicationLeft is CheckDestroy: it asks the emulator, not state,
// whether any live application has the name, and whether the application
// state last recorded is still in deleted items (the tests purge on destroy).
func noApplicationLeft(e *emulator.Emulator, name string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if app, ok := findApp(e, name); ok {
			return fmt.Errorf("application %s (%s) still exists", name, app.ObjectID)
		}
		destroyed := map[string]bool{}
		for _, rs := range s.RootModule().Resources {
			destroyed[rs.Primary.Attributes["object_id"]] = true
		}
		for id := range destroyed {
			if app, ok := e.Portal().Application(id); ok {
				return fmt.Errorf("application %s (%s) still exists", app.DisplayName, id)
			}
		}
		for _, a := range e.Portal().DeletedApplications() {
			if destroyed[a.ObjectID] {
				return fmt.Errorf("application %s (%s) is still in deleted items", name, a.ObjectID)
			}
		}
		return nil
	}
}

// stepMarks are the marks users read beside each status.
var stepMarks = map[string]string{"succeeded": "✔", "unchanged": "✔", "failed": "✘", "skipped": "–", "not_started": "·"}

// stepsAll checks that every step, in the order they run, ended with status and its mark.
func stepsAll(status string) knownvalue.Check {
	var checks []knownvalue.Check
	for _, name := range []string{"register_application", "assign_permissions", "create_client_secret", "grant_admin_consent"} {
		checks = append(checks, knownvalue.ObjectPartial(map[string]knownvalue.Check{
			"name": knownvalue.StringExact(name), "status": knownvalue.StringExact(status), "mark": knownvalue.StringExact(stepMarks[status]),
		}))
	}
	return knownvalue.ListExact(checks)
}

func TestAccTargetRegistration_basic(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	name := "stellar-basic"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             noApplicationLeft(e, name),
		Steps: []resource.TestStep{
			{
				// No api_permissions: the mailbox migration set applies.
				Config: registrationConfig(e, name, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("steps"), stepsAll("succeeded")),
					statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("result"), knownvalue.StringExact("Successfully Completed")),
					statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("tenant_id"), knownvalue.StringExact(e.Seed().TenantID)),
					statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("client_secret"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("granted_permissions"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"api":         knownvalue.StringExact("microsoft_graph"),
							"application": stringSet(defaultMigrationSet...),
							"delegated":   knownvalue.SetSizeExact(0),
						}),
					})),
				},
				Check: tenantHolds(e, name, map[string][]string{graphAppID: defaultMigrationSet}, nil),
			},
			{
				Config: registrationConfig(e, name, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config: registrationConfig(e, name, updatedPermissions),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(resourceName, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("steps").AtSliceIndex(3).AtMapKey("status"), knownvalue.StringExact("succeeded")),
					statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("steps").AtSliceIndex(2).AtMapKey("status"), knownvalue.StringExact("unchanged")),
				},
				Check: tenantHolds(e, name,
					map[string][]string{graphAppID: {"User.Read.All", "Mail.ReadWrite", "Mail.Send"}, exchangeAppID: {"Exchange.ManageAsApp"}},
					map[string][]string{graphAppID: {"User.Read"}}),
			},
			{
				// A new name changes in place; the client ID the migration tool
				// holds stays the same.
				Config: registrationConfig(e, name+"-renamed", updatedPermissions),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(resourceName, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValue(compare.ValuesSame()).AddStateValue(resourceName, tfjsonpath.New("client_id")),
				},
				Check: tenantHolds(e, name+"-renamed",
					map[string][]string{graphAppID: {"User.Read.All", "Mail.ReadWrite", "Mail.Send"}, exchangeAppID: {"Exchange.ManageAsApp"}},
					map[string][]string{graphAppID: {"User.Read"}}),
			},
			{
				ResourceName:      resourceName,
				ImportState:       true,
				ImportStateVerify: true,
				// The secret's value cannot be read back from Entra; steps
				// describe an apply, and an import is none.
				ImportStateVerifyIgnore: []string{"client_secret", "client_secret_key_id", "client_secret_expires_at", "steps", "result", "permanently_delete_on_destroy"},
			},
		},
	})
}

func stringSet(values ...string) knownvalue.Check {
	var checks []knownvalue.Check
	for _, v := range values {
		checks = append(checks, knownvalue.StringExact(v))
	}
	return knownvalue.SetExact(checks)
}

func TestAccTargetRegistration_importByClientID(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	name := "stellar-import"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             noApplicationLeft(e, name),
		Steps: []resource.TestStep{
			{Config: registrationConfig(e, name, updatedPermissions)},
			{
				ResourceName: resourceName,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return s.RootModule().Resources[resourceName].Primary.Attributes["client_id"], nil
				},
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"client_secret", "client_secret_key_id", "client_secret_expires_at", "steps", "result", "permanently_delete_on_destroy"},
			},
		},
	})
}

// TestAccTargetRegistration_drift makes each out-of-band change an
// administrator could make in the portal and checks that plan shows it and
// apply puts the tenant back.
func TestAccTargetRegistration_drift(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, e *emulator.Emulator, app emulator.Application)
		action plancheck.ResourceActionType
	}{
		{
			name: "permission added in the portal",
			change: func(t *testing.T, e *emulator.Emulator, app emulator.Application) {
				rra := slices.Clone(app.RequiredResourceAccess)
				rra[0].ResourceAccess = append(slices.Clone(rra[0].ResourceAccess), emulator.ResourceAccess{ID: roleIDs["Mail.Send"], Type: "Role"})
				mustPortal(t, e.Portal().SetRequiredResourceAccess(app.ObjectID, rra))
			},
			action: plancheck.ResourceActionUpdate,
		},
		{
			name: "permission removed in the portal",
			change: func(t *testing.T, e *emulator.Emulator, app emulator.Application) {
				rra := slices.Clone(app.RequiredResourceAccess)
				rra[0].ResourceAccess = slices.DeleteFunc(slices.Clone(rra[0].ResourceAccess), func(a emulator.ResourceAccess) bool {
					return a.ID == roleIDs["Mail.ReadWrite"]
				})
				mustPortal(t, e.Portal().SetRequiredResourceAccess(app.ObjectID, rra))
			},
			action: plancheck.ResourceActionUpdate,
		},
		{
			name: "consent revoked",
			change: func(t *testing.T, e *emulator.Emulator, app emulator.Application) {
				sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)
				for _, a := range e.Portal().AppRoleAssignments(sp.ObjectID) {
					if a.AppRoleID == roleIDs["Mail.ReadWrite"] {
						mustPortal(t, e.Portal().RemoveAppRoleAssignment(a.ID))
					}
				}
			},
			action: plancheck.ResourceActionUpdate,
		},
		{
			name: "service principal deleted",
			change: func(t *testing.T, e *emulator.Emulator, app emulator.Application) {
				sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)
				mustPortal(t, e.Portal().DeleteServicePrincipal(sp.ObjectID))
			},
			action: plancheck.ResourceActionUpdate,
		},
		{
			name: "secret deleted",
			change: func(t *testing.T, e *emulator.Emulator, app emulator.Application) {
				for _, p := range app.Passwords {
					mustPortal(t, e.Portal().RemovePassword(app.ObjectID, p.KeyID))
				}
			},
			action: plancheck.ResourceActionUpdate,
		},
		{
			// With permanently_delete_on_destroy the deleted application, restorable in
			// deleted items, is purged as the new one is registered: a replacement.
			name: "application deleted",
			change: func(t *testing.T, e *emulator.Emulator, app emulator.Application) {
				mustPortal(t, e.Portal().DeleteApplication(app.ObjectID))
			},
			action: plancheck.ResourceActionDestroyBeforeCreate,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := acctest.StartEmulator(t, emulator.Options{})
			name := "stellar-drift"
			want := map[string][]string{graphAppID: {"User.Read.All", "Mail.ReadWrite"}}
			config := registrationConfig(e, name, `
  api_permissions = [{ api = "microsoft_graph", application = ["User.Read.All", "Mail.ReadWrite"] }]
`)
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				CheckDestroy:             noApplicationLeft(e, name),
				Steps: []resource.TestStep{
					{Config: config, Check: tenantHolds(e, name, want, nil)},
					{
						PreConfig: func() {
							app, ok := findApp(e, name)
							if !ok {
								t.Fatal("application missing before the out-of-band change")
							}
							tt.change(t, e, app)
						},
						Config: config,
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{
								plancheck.ExpectNonEmptyPlan(),
								plancheck.ExpectResourceAction(resourceName, tt.action),
							},
						},
						Check: tenantHolds(e, name, want, nil),
					},
				},
			})
		})
	}
}

func mustPortal(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("portal change failed: %v", err)
	}
}

// TestAccTargetRegistration_failureAtEachStep fails each step of create
// once and checks that state keeps what was made, a second apply completes,
// and destroy leaves no object of ours in the tenant.
func TestAccTargetRegistration_failureAtEachStep(t *testing.T) {
	tests := []struct {
		step string
		path string
		err  string
	}{
		{"register_application", `^/v1\.0/applications$`, `Cannot register the application`},
		{"create_client_secret", `/addPassword$`, `Cannot create the client secret`},
		{"create_service_principal", `^/v1\.0/servicePrincipals$`, `Cannot create the service principal`},
		{"assign_app_roles", `/appRoleAssignedTo$|/appRoleAssignments$`, `Cannot grant admin consent for application`},
		{"grant_delegated", `^/v1\.0/oauth2PermissionGrants$`, `Cannot grant admin consent for delegated`},
	}
	for _, tt := range tests {
		t.Run(tt.step, func(t *testing.T) {
			e := acctest.StartEmulator(t, emulator.Options{})
			name := "stellar-fault-" + tt.step
			config := registrationConfig(e, name, updatedPermissions)
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				CheckDestroy:             noApplicationLeft(e, name),
				Steps: []resource.TestStep{
					{
						PreConfig: func() {
							e.Inject(emulator.Fault{Method: "POST", PathRegexp: tt.path, Status: 500, Times: 1})
						},
						Config:      config,
						ExpectError: regexp.MustCompile(strings.ReplaceAll(tt.err, " ", `\s+`)),
					},
					{
						Config: config,
						Check: tenantHolds(e, name,
							map[string][]string{graphAppID: {"User.Read.All", "Mail.ReadWrite", "Mail.Send"}, exchangeAppID: {"Exchange.ManageAsApp"}},
							map[string][]string{graphAppID: {"User.Read"}}),
					},
				},
			})
			// Only the registration the second apply made may have existed
			// alongside the failed one; destroy and the replacement of the
			// tainted one must have removed every trace.
			if n := len(e.Portal().Applications()); n != 1 {
				t.Errorf("tenant holds %d applications after destroy, want only the bootstrap app", n)
			}
			for _, a := range e.Portal().DeletedApplications() {
				t.Errorf("application %s (%s) left in deleted items", a.DisplayName, a.ObjectID)
			}
		})
	}
}

func TestAccTargetRegistration_invalidConfig(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	tests := []struct {
		name string
		body string
		want string
	}{
		{"unknown permission", `api_permissions = [{ api = "microsoft_graph", application = ["Mail.ReadWrit"] }]`,
			`Unknown permission(.*\n)*.*no\s+application\s+permission\s+named\s+"Mail.ReadWrit"\.\s+Did\s+you\s+mean\s+"Mail.ReadWrite"`},
		{"wrong case", `api_permissions = [{ api = "microsoft_graph", application = ["user.read.all"] }]`,
			`Did\s+you\s+mean\s+"User.Read.All"`},
		{"unknown API", `api_permissions = [{ api = "microsoft_grahp", application = ["User.Read.All"] }]`,
			`Unknown API(.*\n)*.*Did\s+you\s+mean\s+"microsoft_graph"`},
		{"secret lifetime too long", `client_secret_lifetime_days = 1000`,
			`client_secret_lifetime_days(.*\n)*.*between\s+1\s+and\s+730`},
		{"secret end date in the past", `client_secret_end_date = "2020-01-01T00:00:00Z"`,
			`Secret\s+end\s+date\s+in\s+the\s+past`},
		{"secret end date malformed", `client_secret_end_date = "next year"`,
			`not\s+an\s+RFC\s+3339\s+timestamp`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.ResetRequests()
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      registrationConfig(e, "stellar-invalid", tt.body),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tt.want),
				}},
			})
			for _, r := range e.Requests() {
				if r.Method != "GET" && !strings.HasSuffix(r.Path, "/token") {
					t.Errorf("a plan-time error must not change the tenant, but saw %s %s", r.Method, r.Path)
				}
			}
		})
	}
}

// TestAccTargetRegistration_rotateSecret: a change of rotate_when_changed
// rotates the secret in place, new before old, and the old one is gone from
// the tenant afterwards.
func TestAccTargetRegistration_rotateSecret(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	name := "stellar-rotate"
	var firstKey string
	config := func(rotation string) string {
		return registrationConfig(e, name, fmt.Sprintf(`
  client_secret_lifetime_days = 90
  rotate_when_changed         = { rotation = %q }
`, rotation))
	}
	keyOnlyInTenant := func(s *terraform.State) error {
		app, _ := findApp(e, name)
		key := s.RootModule().Resources[resourceName].Primary.Attributes["client_secret_key_id"]
		if len(app.Passwords) != 1 || app.Passwords[0].KeyID != key {
			return fmt.Errorf("tenant holds secrets %v, want only %s", app.Passwords, key)
		}
		if days := time.Until(app.Passwords[0].End).Hours() / 24; days < 89 || days > 90 {
			return fmt.Errorf("secret valid for %.1f days, want 90", days)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             noApplicationLeft(e, name),
		Steps: []resource.TestStep{
			{
				Config: config("2027-Q1"),
				Check: resource.ComposeTestCheckFunc(keyOnlyInTenant, func(s *terraform.State) error {
					firstKey = s.RootModule().Resources[resourceName].Primary.Attributes["client_secret_key_id"]
					return nil
				}),
			},
			{
				Config: config("2027-Q2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(resourceName, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(resourceName, tfjsonpath.New("client_secret")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("steps").AtSliceIndex(2).AtMapKey("status"), knownvalue.StringExact("succeeded")),
				},
				Check: resource.ComposeTestCheckFunc(keyOnlyInTenant, func(s *terraform.State) error {
					if s.RootModule().Resources[resourceName].Primary.Attributes["client_secret_key_id"] == firstKey {
						return fmt.Errorf("the secret was not rotated")
					}
					return nil
				}),
			},
		},
	})
}

// TestAccTargetRegistration_replicationLag: with Entra's eventual
// consistency (new objects invisible for a while), apply still completes,
// and the refresh right after it does not lose the new registration.
func TestAccTargetRegistration_replicationLag(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{ReplicationLag: 3 * time.Second})
	name := "stellar-lag"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             noApplicationLeft(e, name),
		Steps: []resource.TestStep{{
			Config: registrationConfig(e, name, updatedPermissions),
			Check: tenantHolds(e, name,
				map[string][]string{graphAppID: {"User.Read.All", "Mail.ReadWrite", "Mail.Send"}, exchangeAppID: {"Exchange.ManageAsApp"}},
				map[string][]string{graphAppID: {"User.Read"}}),
		}},
	})
}

// TestAccTargetRegistration_rotationRemovalFails: the new secret is made but
// the old one cannot be removed. State keeps the new secret, the next plan
// says the old one is still there, and the next apply removes it.
func TestAccTargetRegistration_rotationRemovalFails(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	name := "stellar-rotate-fault"
	config := func(rotation string) string {
		return registrationConfig(e, name, fmt.Sprintf("  rotate_when_changed = { rotation = %q }\n", rotation))
	}
	var newKey string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             noApplicationLeft(e, name),
		Steps: []resource.TestStep{
			{Config: config("1")},
			{
				PreConfig: func() {
					e.Inject(emulator.Fault{Method: "POST", PathRegexp: `/removePassword$`, Status: 500, Times: 1})
				},
				Config:      config("2"),
				ExpectError: regexp.MustCompile(`previous\s+secret\s+\S+\s+could\s+not\s+be\s+removed`),
			},
			{
				// The failed apply saved the new secret; the old one is still on the app.
				PreConfig: func() {
					app, _ := findApp(e, name)
					if len(app.Passwords) != 2 {
						t.Fatalf("after the failed removal the tenant holds %d secrets, want the new and the old", len(app.Passwords))
					}
				},
				Config: config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(resourceName, plancheck.ResourceActionUpdate)},
				},
				Check: func(s *terraform.State) error {
					newKey = s.RootModule().Resources[resourceName].Primary.Attributes["client_secret_key_id"]
					app, _ := findApp(e, name)
					if len(app.Passwords) != 1 || app.Passwords[0].KeyID != newKey {
						return fmt.Errorf("tenant holds %v, want only the secret in state (%s)", app.Passwords, newKey)
					}
					return nil
				},
			},
		},
	})
}

// TestAccTargetRegistration_apiByApplicationID: an API named by its
// application ID works like its well-known name, and state keeps the
// spelling of the configuration, so the plan after apply is empty.
func TestAccTargetRegistration_apiByApplicationID(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	name := "stellar-by-id"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             noApplicationLeft(e, name),
		Steps: []resource.TestStep{{
			Config: registrationConfig(e, name, fmt.Sprintf(`
  api_permissions = [{ api = %q, application = ["User.Read.All"] }]
`, graphAppID)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("granted_permissions"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"api": knownvalue.StringExact(graphAppID), "application": stringSet("User.Read.All")}),
				})),
			},
			Check: tenantHolds(e, name, map[string][]string{graphAppID: {"User.Read.All"}}, nil),
		}},
	})
}

// TestAccTargetRegistration_insufficientPrivileges: signed in as an app that
// may not read or write applications, plan stops with Graph's 403 and what
// permission to grant.
func TestAccTargetRegistration_insufficientPrivileges(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	limited, secret := e.Portal().CreateApplication("limited operator", "User.Read.All")
	config := acctest.ProviderBlockAs(e, e.Seed().TenantID, limited.AppID, secret) + `
resource "stellar_target_registration" "test" {
  display_name = "never created"
}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      config,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`403\s+Authorization_RequestDenied(.*\n)*.*How\s+to\s+fix\s+it(.*\n)*.*Application.ReadWrite.All`),
		}},
	})
}

// TestAccTargetRegistration_endDatePassed: once client_secret_end_date has passed (a fixed
// clock 60 days on), plan still works and only warns that the secret expired, and destroy
// works: the calendar never locks a registration in.
func TestAccTargetRegistration_endDatePassed(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	const name = "stellar-end-date"
	end := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	config := registrationConfig(e, name, fmt.Sprintf("client_secret_end_date = %q", end.Format(time.RFC3339)))
	later := acctest.ProviderFactoriesAt(end.Add(30 * 24 * time.Hour))
	resource.Test(t, resource.TestCase{
		PreCheck:     func() { acctest.PreCheck(t) },
		CheckDestroy: noApplicationLeft(e, name),
		Steps: []resource.TestStep{
			{ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories, Config: config},
			{
				ProtoV6ProviderFactories: later, Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{ProtoV6ProviderFactories: later, Config: config, Destroy: true},
		},
	})
}
