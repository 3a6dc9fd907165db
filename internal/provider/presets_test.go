package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

const roleExchangeAdministrator = "29232cdf-9323-42fd-ade2-1d097af3e4de"

// presetClock is a fixed day between EWS's allow-list date and its retirement: plans with an
// EWS permission warn, not fail, whatever the wall clock says.
var presetClock = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// appTokenRoles signs in as the registration in state (its client ID and secret) for resource
// and returns the token's roles claim, sorted: what the migration tool will be allowed.
func appTokenRoles(e *emulator.Emulator, s *terraform.State, resourceURI string) ([]string, error) {
	rs, ok := s.RootModule().Resources[resourceName]
	if !ok {
		return nil, fmt.Errorf("%s is not in state", resourceName)
	}
	hc, err := auth.NewHTTPClient(e.CAFile())
	if err != nil {
		return nil, err
	}
	cred, err := auth.NewClientSecretCredential(auth.ClientSecretOptions{AuthorityHost: e.URL(), TenantID: e.Seed().TenantID,
		ClientID: rs.Primary.Attributes["client_id"], ClientSecret: rs.Primary.Attributes["client_secret"], HTTPClient: hc})
	if err != nil {
		return nil, err
	}
	tok, err := cred.Token(context.Background(), resourceURI)
	if err != nil {
		return nil, err
	}
	claims, err := auth.ParseClaims(tok.Value)
	if err != nil {
		return nil, err
	}
	sort.Strings(claims.Roles)
	return claims.Roles, nil
}

// checkTokens: the registration's Graph and Exchange Online tokens carry exactly the roles
// given, and its service principal holds exactly the directory roles given (tenant, not state).
func checkTokens(e *emulator.Emulator, graph, exchange, directoryRoles []string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, want := range []struct {
			resource string
			roles    []string
		}{{emulator.GraphResource, graph}, {emulator.ExchangeResource, exchange}} {
			got, err := appTokenRoles(e, s, want.resource)
			if err != nil {
				return err
			}
			w := slices.Clone(want.roles)
			sort.Strings(w)
			if !slices.Equal(got, w) && (len(got) > 0 || len(w) > 0) {
				return fmt.Errorf("token for %s carries roles %v, want %v", want.resource, got, w)
			}
		}
		rs := s.RootModule().Resources[resourceName]
		var held []string
		for _, a := range e.Portal().DirectoryRoleAssignments(rs.Primary.Attributes["service_principal_id"]) {
			held = append(held, a.RoleDefinitionID)
		}
		sort.Strings(held)
		w := slices.Clone(directoryRoles)
		sort.Strings(w)
		if !slices.Equal(held, w) && (len(held) > 0 || len(w) > 0) {
			return fmt.Errorf("the service principal holds directory roles %v, want %v", held, w)
		}
		return nil
	}
}

func presetCase(t *testing.T, steps ...resource.TestStep) resource.TestCase {
	return resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactoriesAt(presetClock),
		Steps:                    steps,
	}
}

// TestAccPermissionSet_presets: each preset registers what it says, consented, so that the
// migration tool's tokens carry exactly the preset's roles.
func TestAccPermissionSet_presets(t *testing.T) {
	t.Parallel()
	graphSet := []string{"Calendars.ReadWrite", "Contacts.ReadWrite", "Mail.ReadWrite", "MailboxSettings.ReadWrite", "Tasks.ReadWrite.All", "User.Read.All"}
	for _, tc := range []struct {
		preset   string
		graph    []string
		exchange []string
		roles    []string
	}{
		{"graph", graphSet, nil, nil},
		{"graph_import_export", append(slices.Clone(graphSet), "MailboxFolder.ReadWrite.All", "MailboxItem.ImportExport.All"), nil, nil},
		{"ews", []string{"User.Read.All"}, []string{"full_access_as_app"}, nil},
		{"exchange_powershell", []string{"User.Read.All"}, []string{"Exchange.ManageAsApp"}, []string{roleExchangeAdministrator}},
	} {
		t.Run(tc.preset, func(t *testing.T) {
			t.Parallel()
			e := acctest.StartEmulator(t, emulator.Options{})
			roleNames := []knownvalue.Check{}
			if len(tc.roles) > 0 {
				roleNames = append(roleNames, knownvalue.StringExact("Exchange Administrator"))
			}
			resource.Test(t, presetCase(t, resource.TestStep{
				Config: registrationConfig(e, "stellar-"+tc.preset, fmt.Sprintf("  permission_set = %q", tc.preset)),
				Check:  checkTokens(e, tc.graph, tc.exchange, tc.roles),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("directory_roles"), knownvalue.SetExact(roleNames)),
					statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("result"), knownvalue.StringExact("Successfully Completed")),
				},
			}))
		})
	}
}

// TestAccPermissionSet_exchangeAdministratorRole: the role comes with exchange_powershell,
// comes back after it is removed by hand (the plan shows it), and goes with the preset.
func TestAccPermissionSet_exchangeAdministratorRole(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	name := "stellar-powershell"
	withPreset := registrationConfig(e, name, `  permission_set = "exchange_powershell"`)
	admin := knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("Exchange Administrator")})
	var principalID string
	resource.Test(t, presetCase(t,
		resource.TestStep{
			Config: withPreset,
			Check: resource.ComposeTestCheckFunc(
				checkTokens(e, []string{"User.Read.All"}, []string{"Exchange.ManageAsApp"}, []string{roleExchangeAdministrator}),
				func(s *terraform.State) error {
					principalID = s.RootModule().Resources[resourceName].Primary.Attributes["service_principal_id"]
					return nil
				},
			),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("directory_roles"), admin),
				statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("steps").AtSliceIndex(4).AtMapKey("name"), knownvalue.StringExact("assign_directory_role")),
				statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("steps").AtSliceIndex(4).AtMapKey("status"), knownvalue.StringExact("succeeded")),
			},
		},
		resource.TestStep{
			// Removed in the portal: the plan shows it, the apply assigns it again.
			PreConfig: func() {
				for _, a := range e.Portal().DirectoryRoleAssignments(principalID) {
					if err := e.Portal().RemoveDirectoryRoleAssignment(a.ID); err != nil {
						t.Fatal(err)
					}
				}
			},
			Config: withPreset,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(resourceName, plancheck.ResourceActionUpdate),
				plancheck.ExpectKnownValue(resourceName, tfjsonpath.New("directory_roles"), admin),
			}},
			Check: checkTokens(e, []string{"User.Read.All"}, []string{"Exchange.ManageAsApp"}, []string{roleExchangeAdministrator}),
		},
		resource.TestStep{
			// Another preset: the role goes with exchange_powershell.
			Config: registrationConfig(e, name, `  permission_set = "graph"`),
			Check: checkTokens(e, []string{"Calendars.ReadWrite", "Contacts.ReadWrite", "Mail.ReadWrite", "MailboxSettings.ReadWrite",
				"Tasks.ReadWrite.All", "User.Read.All"}, nil, nil),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("directory_roles"), knownvalue.SetSizeExact(0)),
			},
		},
	))
}

// TestAccPermissionSet_combineAndDrift: a preset and explicit permissions make one request
// without duplicates; a grant made out of band beyond it shows in the plan and is removed.
func TestAccPermissionSet_combineAndDrift(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	config := registrationConfig(e, "stellar-combined", `  permission_set = "ews"
  api_permissions = [
    { api = "microsoft_graph", application = ["User.Read.All", "Mail.ReadWrite"] },
  ]`)
	var principalID string
	resource.Test(t, presetCase(t,
		resource.TestStep{
			Config: config,
			Check: resource.ComposeTestCheckFunc(
				checkTokens(e, []string{"Mail.ReadWrite", "User.Read.All"}, []string{"full_access_as_app"}, nil),
				func(s *terraform.State) error {
					principalID = s.RootModule().Resources[resourceName].Primary.Attributes["service_principal_id"]
					return nil
				},
			),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("requested_permissions"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{"api": knownvalue.StringExact("exchange_online"),
						"application": stringSet("full_access_as_app"), "delegated": knownvalue.SetSizeExact(0)}),
					knownvalue.ObjectExact(map[string]knownvalue.Check{"api": knownvalue.StringExact("microsoft_graph"),
						"application": stringSet("Mail.ReadWrite", "User.Read.All"), "delegated": knownvalue.SetSizeExact(0)}),
				})),
			},
		},
		resource.TestStep{
			// An administrator grants Mail.Send by hand: beyond what was asked, so the plan removes it.
			PreConfig: func() {
				if _, err := e.Portal().AssignAppRole(principalID, graphAppID, "Mail.Send"); err != nil {
					t.Fatal(err)
				}
			},
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(resourceName, plancheck.ResourceActionUpdate),
			}},
			Check: checkTokens(e, []string{"Mail.ReadWrite", "User.Read.All"}, []string{"full_access_as_app"}, nil),
		},
	))
}

// TestAccPermissionSet_planTimeErrors: what a preset cannot do is an error at plan time that
// names the attribute, on the provider's clock, never the wall clock.
func TestAccPermissionSet_planTimeErrors(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	retired := time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		now  time.Time
		body string
		want string
	}{
		{"EWS preset after retirement", retired, `  permission_set = "ews"`, `EWS is retired in Exchange Online[\s\S]*full_access_as_app[\s\S]*graph_import_export`},
		{"delegated EWS after retirement", retired.Add(24 * time.Hour), `  api_permissions = [{ api = "exchange_online", delegated = ["EWS.AccessAsUser.All"] }]`,
			`EWS is retired[\s\S]*EWS.AccessAsUser.All`},
		{"unknown preset", presetClock, `  permission_set = "graph_import"`, `Unknown permission set[\s\S]*Did you mean[\s\S]*"graph_import_export"`},
		{"custom without permissions", presetClock, `  permission_set = "custom"`, `permission_set = "custom" needs api_permissions`},
		{"role without consent", presetClock, "  permission_set = \"exchange_powershell\"\n  grant_admin_consent = false",
			`needs grant_admin_consent = true[\s\S]*Exchange Administrator`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProviderFactoriesAt(tc.now),
				Steps: []resource.TestStep{{
					Config: registrationConfig(e, "stellar-plan-error", tc.body), PlanOnly: true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
	if apps := e.Portal().Applications(); len(apps) != 1 { // the bootstrap application only
		t.Fatalf("a plan-time error must change nothing; the tenant holds %d applications", len(apps))
	}
}

// TestAccPermissionSet_planTimeWarnings: real terraform, with the provider in this process
// on a fixed clock, shows each warning on the terminal: EWS before its retirement, a
// permission beyond the preset; and the import/export preset fails outside the global cloud.
func TestAccPermissionSet_planTimeWarnings(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	e := acctest.StartEmulator(t, emulator.Options{})
	bin := acctest.BuildProvider(t) // the workspace's dev_overrides; the reattached server answers
	for _, tc := range []struct {
		name string
		now  time.Time
		body string
		want []string
	}{
		{"EWS before the allow-list date", time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), `  permission_set = "ews"`,
			[]string{"Warning: EWS is being retired in Exchange Online", "From 2026-10-01 Exchange Online blocks EWS", "EwsAllowedAppIDs", "2027-04-01"}},
		{"EWS after the allow-list date", presetClock, `  api_permissions = [{ api = "microsoft_graph", delegated = ["EWS.AccessAsUser.All"] }]`,
			[]string{"Warning: EWS is being retired in Exchange Online", "Since 2026-10-01 Exchange Online blocks EWS", "graph_import_export"}},
		{"beyond the preset", presetClock, "  permission_set = \"graph\"\n  api_permissions = [{ api = \"microsoft_graph\", application = [\"Directory.Read.All\"] }]",
			[]string{"Warning: Permissions beyond the permission set", "microsoft_graph application Directory.Read.All"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := acctest.NewWorkspace(t, bin, registrationConfig(e, "stellar-warning", tc.body))
			w.Env = append(w.Env, acctest.ServeAt(t, tc.now))
			out := w.Run(t, "plan", "-no-color")
			flat := strings.Join(strings.Fields(out), " ")
			for _, want := range tc.want {
				if !strings.Contains(flat, want) {
					t.Errorf("plan output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestAccPermissionSet_roleAssignmentUnderFaults: the role assignment's answer lost, a 503,
// or replication lag on a service principal made moments ago: the apply ends with exactly one
// assignment in the tenant, state says so, and the next plan is empty.
func TestAccPermissionSet_roleAssignmentUnderFaults(t *testing.T) {
	t.Parallel()
	const rolePath = "^/v1.0/roleManagement/directory/roleAssignments$"
	for _, tc := range []struct {
		name  string
		fault emulator.Fault
		lag   time.Duration
	}{
		{"answer lost", emulator.Fault{Method: "POST", PathRegexp: rolePath, LoseAnswer: true, Times: 1}, 0},
		{"service unavailable", emulator.Fault{Method: "POST", PathRegexp: rolePath, Status: 503, RetryAfter: "1", Times: 1}, 0},
		{"replication lag", emulator.Fault{}, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := acctest.StartEmulator(t, emulator.Options{})
			if tc.fault.PathRegexp != "" {
				e.Inject(tc.fault)
			}
			e.SetReplicationLag(tc.lag)
			config := registrationConfig(e, "stellar-role-faults", `  permission_set = "exchange_powershell"`)
			resource.Test(t, presetCase(t,
				resource.TestStep{Config: config, Check: checkOneRoleAssignment(e)},
				resource.TestStep{Config: config, PlanOnly: true},
			))
		})
	}
	// The answer comes after the apply's own time is up: the apply fails, the assignment lands
	// anyway, and the next apply converges on one assignment (Terraform replaces the tainted
	// registration, whose service principal takes its assignment with it).
	t.Run("answer after the apply's timeout", func(t *testing.T) {
		t.Parallel()
		e := acctest.StartEmulator(t, emulator.Options{})
		e.Inject(emulator.Fault{Method: "POST", PathRegexp: rolePath, AnswerDelay: 30 * time.Second, Times: 1})
		config := registrationConfig(e, "stellar-role-timeout", "  permission_set = \"exchange_powershell\"\n  timeouts = { create = \"8s\" }")
		resource.Test(t, presetCase(t,
			resource.TestStep{Config: config, ExpectError: regexp.MustCompile(`Cannot assign the Exchange Administrator role`)},
			resource.TestStep{Config: config, Check: resource.ComposeTestCheckFunc(checkOneRoleAssignment(e), func(*terraform.State) error {
				if n := len(e.Portal().Applications()); n != 2 { // the bootstrap application and the registration
					return fmt.Errorf("the tenant holds %d applications, want the bootstrap one and the registration", n)
				}
				return nil
			})},
			resource.TestStep{Config: config, PlanOnly: true},
		))
	})
}

// checkOneRoleAssignment: the tenant holds exactly one Exchange Administrator assignment for
// the registration's service principal, and state shows it.
func checkOneRoleAssignment(e *emulator.Emulator) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		attrs := s.RootModule().Resources[resourceName].Primary.Attributes
		held := e.Portal().DirectoryRoleAssignments(attrs["service_principal_id"])
		if len(held) != 1 || held[0].RoleDefinitionID != roleExchangeAdministrator {
			return fmt.Errorf("the service principal holds %+v, want one Exchange Administrator assignment", held)
		}
		if attrs["directory_roles.#"] != "1" || attrs["directory_roles.0"] != "Exchange Administrator" {
			return fmt.Errorf("state says directory_roles %s %s", attrs["directory_roles.#"], attrs["directory_roles.0"])
		}
		return nil
	}
}
