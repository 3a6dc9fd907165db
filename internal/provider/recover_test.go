package provider_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// exactlyOne checks in the tenant that one live application is named name, and that state
// holds that one.
func exactlyOne(e *emulator.Emulator, name string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		var ids []string
		for _, a := range e.Portal().Applications() {
			if a.DisplayName == name {
				ids = append(ids, a.ObjectID)
			}
		}
		if len(ids) != 1 {
			return fmt.Errorf("%d applications named %q in the tenant (%v), want exactly one", len(ids), name, ids)
		}
		if rs := s.RootModule().Resources[resourceName]; rs == nil || rs.Primary.ID != ids[0] {
			return fmt.Errorf("state holds %v, the tenant %s", rs, ids[0])
		}
		return nil
	}
}

// TestAccTargetRegistration_answerLost: Graph makes the object but its answer is lost (the
// connection reset after the write). A lost application is found by its creation tag and
// completed, without a second one; a lost secret, whose answer held the only copy of its
// value, is removed and another made, which state holds: no working secret is untracked.
func TestAccTargetRegistration_answerLost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ call, path string }{
		{"register application", "^/v1.0/applications$"},
		{"add secret", "/addPassword$"},
	} {
		t.Run(tc.call, func(t *testing.T) {
			t.Parallel()
			e := acctest.StartEmulator(t, emulator.Options{})
			name := "stellar-answer-lost"
			e.Inject(emulator.Fault{Method: "POST", PathRegexp: tc.path, LoseAnswer: true, Times: 1})
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				CheckDestroy:             noApplicationLeft(e, name),
				Steps: []resource.TestStep{{
					Config: registrationConfig(e, name, ""),
					Check: resource.ComposeAggregateTestCheckFunc(
						exactlyOne(e, name),
						passwordsAre(e, name),
						tenantHolds(e, name, map[string][]string{graphAppID: defaultMigrationSet}, nil),
					),
				}},
			})
		})
	}
}

// forgetConfig removes the registration from state and keeps it in the tenant, as terraform
// killed right after the create leaves it.
func forgetConfig(e *emulator.Emulator) string {
	return acctest.ProviderBlock(e) + `
removed {
  from = stellar_target_registration.test
  lifecycle {
    destroy = false
  }
}
`
}

// TestAccTargetRegistration_orphanFoundAgain: an application this provider made that no state
// holds (as after terraform was killed right after the create) stops the next apply, before
// any write, with the import command; adopt_existing takes it over; never a second one.
func TestAccTargetRegistration_orphanFoundAgain(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	const name = "stellar-orphan"
	config := registrationConfig(e, name, "")
	forget := forgetConfig(e)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             noApplicationLeft(e, name),
		Steps: []resource.TestStep{
			{Config: config},
			// The state forgets the registration; the tenant keeps it.
			{Config: forget},
			{Config: config, ExpectError: regexp.MustCompile(`(?s)registration\s+of\s+this\s+name\s+already\s+exists.*terraform\s+import.*adopt_existing`)},
			{
				Config: registrationConfig(e, name, "adopt_existing = true"),
				Check:  resource.ComposeAggregateTestCheckFunc(exactlyOne(e, name), tenantHolds(e, name, map[string][]string{graphAppID: defaultMigrationSet}, nil)),
			},
			{
				Config:           registrationConfig(e, name, "adopt_existing = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAccTargetRegistration_destroyFinishes: destroy with permanently_delete_on_destroy
// finishes whatever the tenant answers: a DELETE whose answer is lost, a 404 from a replica
// that has not seen the application, a purge whose answer is lost; and a purge that fails
// leaves the registration in state, so the next destroy purges it.
func TestAccTargetRegistration_destroyFinishes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		faults []emulator.Fault
		failed bool // the first destroy fails; the next one finishes
	}{
		{"delete answer lost", []emulator.Fault{{Method: "DELETE", PathRegexp: "^/v1.0/applications/", LoseAnswer: true, Times: 1}}, false},
		{"delete 404 from a lagging replica", []emulator.Fault{{Method: "DELETE", PathRegexp: "^/v1.0/applications/", Status: 404, Times: 1}}, false},
		{"purge answer lost", []emulator.Fault{{Method: "DELETE", PathRegexp: "^/v1.0/directory/deletedItems/", LoseAnswer: true, Times: 1}}, false},
		// Three failures: the purge in the delete's batch, the confirming purge, and its retry.
		{"purge fails", []emulator.Fault{{Method: "DELETE", PathRegexp: "^/v1.0/directory/deletedItems/", Status: 500, Times: 3}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := acctest.StartEmulator(t, emulator.Options{})
			name := "stellar-destroy-" + tc.name
			config := registrationConfig(e, name, "")
			destroy := resource.TestStep{Config: config, Destroy: true, PreConfig: func() {
				for _, f := range tc.faults {
					e.Inject(f)
				}
			}}
			steps := []resource.TestStep{{Config: config}}
			if tc.failed {
				failing := destroy
				failing.ExpectError = regexp.MustCompile(`cannot\s+be\s+removed\s+from\s+deleted\s+items`)
				steps = append(steps, failing, resource.TestStep{Config: config, Destroy: true, PreConfig: e.ClearFaults})
			} else {
				steps = append(steps, destroy)
			}
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				CheckDestroy:             noApplicationLeft(e, name),
				Steps:                    steps,
			})
		})
	}
}

// passwordsAre checks in the tenant that name's application holds exactly the secret state
// holds, plus extra key IDs.
func passwordsAre(e *emulator.Emulator, name string, extra ...*string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		app, ok := findApp(e, name)
		if !ok {
			return fmt.Errorf("no application %q", name)
		}
		want := map[string]bool{s.RootModule().Resources[resourceName].Primary.Attributes["client_secret_key_id"]: true}
		for _, k := range extra {
			want[*k] = true
		}
		if len(app.Passwords) != len(want) {
			return fmt.Errorf("application %q has %d secrets %+v, want %d", name, len(app.Passwords), app.Passwords, len(want))
		}
		for _, p := range app.Passwords {
			if !want[p.KeyID] {
				return fmt.Errorf("secret %s (%s) is on the application but neither in state nor expected", p.KeyID, p.DisplayName)
			}
		}
		return nil
	}
}

// TestAccTargetRegistration_untrackedSecret: a secret of the provider's that state does not
// hold (as a rotation killed after addPassword leaves) shows in the plan and the apply
// removes it; a secret made by hand is left alone.
func TestAccTargetRegistration_untrackedSecret(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	const name = "stellar-untracked-secret"
	config := registrationConfig(e, name, "")
	var byHand string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             noApplicationLeft(e, name),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					app, _ := findApp(e, name)
					if _, _, err := e.Portal().AddPassword(app.ObjectID, "stellar-migrator (managed by Terraform)", time.Time{}); err != nil {
						t.Fatal(err)
					}
					pw, _, err := e.Portal().AddPassword(app.ObjectID, "made by hand", time.Time{})
					if err != nil {
						t.Fatal(err)
					}
					byHand = pw.KeyID
				},
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(resourceName, plancheck.ResourceActionUpdate)}},
				Check:            passwordsAre(e, name, &byHand),
			},
			{Config: config, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// TestAccTargetRegistration_rotationGracePeriod: a rotation with a grace period makes the new
// secret first, confirms it signs in, and keeps the old one valid (both sign in) until the
// period is over; the first apply after it (a fixed clock, 2 hours on) removes the old one.
func TestAccTargetRegistration_rotationGracePeriod(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	const name = "stellar-grace"
	config := func(generation string) string {
		return registrationConfig(e, name, fmt.Sprintf(`client_secret_grace_period = "1h"
  rotate_when_changed = { generation = %q }`, generation))
	}
	var oldKey, oldSecret string
	remember := func(s *terraform.State) error {
		a := s.RootModule().Resources[resourceName].Primary.Attributes
		oldKey, oldSecret = a["client_secret_key_id"], a["client_secret"]
		return nil
	}
	bothSignIn := func(s *terraform.State) error {
		a := s.RootModule().Resources[resourceName].Primary.Attributes
		if a["previous_client_secret_key_id"] != oldKey || a["client_secret_key_id"] == oldKey || a["previous_client_secret_retires_at"] == "" {
			return fmt.Errorf("previous %q retiring %q, current %q; want the old key %q kept", a["previous_client_secret_key_id"],
				a["previous_client_secret_retires_at"], a["client_secret_key_id"], oldKey)
		}
		for _, secret := range []string{oldSecret, a["client_secret"]} {
			if _, err := signInWith(e, a["client_id"], secret); err != nil {
				return fmt.Errorf("a secret does not sign in during the grace period: %w", err)
			}
		}
		return passwordsAre(e, name, &oldKey)(s)
	}
	later := acctest.ProviderFactoriesAt(time.Now().Add(2 * time.Hour))
	resource.Test(t, resource.TestCase{
		PreCheck:     func() { acctest.PreCheck(t) },
		CheckDestroy: noApplicationLeft(e, name),
		Steps: []resource.TestStep{
			{ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories, Config: config("1"), Check: remember},
			{ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories, Config: config("2"), Check: bothSignIn},
			{
				ProtoV6ProviderFactories: later, Config: config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(resourceName, plancheck.ResourceActionUpdate)}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr(resourceName, "previous_client_secret_key_id"),
					passwordsAre(e, name),
				),
			},
		},
	})
}

// TestAccTargetRegistration_adoptDiscardsUnderFaults: when create's orphan look finds an
// earlier registration to adopt, the application made beside the look is deleted and purged
// (discardCreated) in one $batch. Under a fault on that DELETE or on its purge, the tenant
// still ends with exactly one application of the name, the adopted one, none in deleted
// items, and state holds it. A batch whose answer is lost leaves the create unsure whether the
// duplicate is gone: that apply fails with the duplicate in state, and the next one adopts.
func TestAccTargetRegistration_adoptDiscardsUnderFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		fault  emulator.Fault
		failed bool // the adopting apply fails; the next one adopts
	}{
		{"delete answer lost", emulator.Fault{Method: "DELETE", PathRegexp: "^/v1.0/applications/", LoseAnswer: true, Times: 1}, true},
		{"delete 503", emulator.Fault{Method: "DELETE", PathRegexp: "^/v1.0/applications/", Status: 503, RetryAfter: "0", Times: 1}, false},
		{"purge answer lost", emulator.Fault{Method: "DELETE", PathRegexp: "^/v1.0/directory/deletedItems/", LoseAnswer: true, Times: 1}, true},
		{"purge 503", emulator.Fault{Method: "DELETE", PathRegexp: "^/v1.0/directory/deletedItems/", Status: 503, RetryAfter: "0", Times: 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := acctest.StartEmulator(t, emulator.Options{})
			name := "stellar-adopt-" + strings.ReplaceAll(tc.name, " ", "-")
			adopt := registrationConfig(e, name, "adopt_existing = true")
			forget := forgetConfig(e)
			var earlier string
			remember := func(s *terraform.State) error {
				earlier = s.RootModule().Resources[resourceName].Primary.ID
				return nil
			}
			fired := func(*terraform.State) error {
				for _, r := range e.Requests() {
					if r.Method == "DELETE" && (r.Fault || r.AnswerLost) {
						return nil
					}
				}
				return fmt.Errorf("the fault %+v never fired", tc.fault)
			}
			adopted := resource.ComposeAggregateTestCheckFunc(
				fired,
				exactlyOne(e, name),
				resource.TestCheckResourceAttrPtr(resourceName, "id", &earlier),
				noneDeleted(e),
				passwordsAre(e, name),
				tenantHolds(e, name, map[string][]string{graphAppID: defaultMigrationSet}, nil),
			)
			inject := func() { e.ResetRequests(); e.Inject(tc.fault) }
			steps := []resource.TestStep{
				{Config: adopt, Check: remember},
				// The state forgets the registration; the tenant keeps it.
				{Config: forget},
			}
			if tc.failed {
				steps = append(steps,
					resource.TestStep{Config: adopt, PreConfig: inject, ExpectError: regexp.MustCompile(`Cannot\s+remove\s+the\s+application\s+this\s+create\s+made`)},
					resource.TestStep{Config: adopt, PreConfig: e.ClearFaults, Check: adopted},
				)
			} else {
				steps = append(steps, resource.TestStep{Config: adopt, PreConfig: inject, Check: adopted})
			}
			steps = append(steps, resource.TestStep{Config: adopt, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}})
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				CheckDestroy:             noApplicationLeft(e, name),
				Steps:                    steps,
			})
		})
	}
}

// noneDeleted checks that no application waits in deleted items: the duplicate create made
// and discarded was purged.
func noneDeleted(e *emulator.Emulator) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if d := e.Portal().DeletedApplications(); len(d) != 0 {
			return fmt.Errorf("%d applications in deleted items (%s first), want none", len(d), d[0].ObjectID)
		}
		return nil
	}
}
