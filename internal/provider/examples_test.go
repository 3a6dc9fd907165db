package provider_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// The examples that feed the docs must work as written: each runs here
// against the emulator, signed in through the environment the way the
// provider example says (the example's client ID and tenant are the
// emulator's bootstrap app and domain).
func exampleConfig(t *testing.T, files ...string) string {
	t.Helper()
	var out string
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", f))
		if err != nil {
			t.Fatal(err)
		}
		out += string(b) + "\n"
	}
	return out
}

func signInFromEnvironment(t *testing.T, e *emulator.Emulator) {
	t.Helper()
	t.Setenv("ARM_CLIENT_SECRET", e.Seed().BootstrapSecret)
	t.Setenv("STELLAR_AUTHORITY_HOST", e.URL())
	t.Setenv("STELLAR_GRAPH_ENDPOINT", e.URL())
	t.Setenv("STELLAR_CA_CERTIFICATE_FILE", e.CAFile())
}

func TestAccExamples_resource(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	signInFromEnvironment(t, e)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: exampleConfig(t, "provider/provider.tf", "resources/stellar_target_registration/resource.tf"),
			Check: resource.ComposeTestCheckFunc(
				resource.TestCheckResourceAttr("stellar_target_registration.custom", "client_secret_display_name", "migration window 2027"),
				resource.TestCheckResourceAttrSet("stellar_target_registration.default", "client_id"),
			),
		}},
	})
}

func TestAccExamples_validation(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	signInFromEnvironment(t, e)
	// The examples validate the bootstrap app, which holds only the roles to
	// manage registrations: the data source reports that (its check block
	// warns), the ephemeral resource stops the run.
	vars := config.Variables{"client_secret": config.StringVariable(e.Seed().BootstrapSecret)}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:          exampleConfig(t, "provider/provider.tf", "data-sources/stellar_target_validation/data-source.tf"),
				ConfigVariables: vars,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("data.stellar_target_validation.manual", "valid", "false"),
					resource.TestCheckResourceAttr("data.stellar_target_validation.manual", "checks.4.name", "admin_consent"),
					resource.TestCheckResourceAttr("data.stellar_target_validation.manual", "checks.4.status", "failed"),
				),
			},
			{
				Config:          exampleConfig(t, "provider/provider.tf", "ephemeral-resources/stellar_target_validation/ephemeral-resource.tf"),
				ConfigVariables: vars,
				ExpectError:     regexp.MustCompile(`Validation check "admin_consent" failed`),
			},
		},
	})
}
