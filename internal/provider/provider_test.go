package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/provider"
)

// configure runs the provider's Configure with the given settings, as
// Terraform would, and returns its diagnostics as text plus the attribute
// paths they blame.
func configure(t *testing.T, settings map[string]string) (string, []path.Path) {
	t.Helper()
	ctx := context.Background()
	p := provider.New("test")()
	var schemaResp fwprovider.SchemaResponse
	p.Schema(ctx, fwprovider.SchemaRequest{}, &schemaResp)
	values := map[string]tftypes.Value{}
	for name, a := range schemaResp.Schema.Attributes {
		typ := a.GetType().TerraformType(ctx)
		v, ok := settings[name]
		switch {
		case !ok:
			values[name] = tftypes.NewValue(typ, nil)
		case typ.Is(tftypes.Bool):
			values[name] = tftypes.NewValue(typ, v == "true")
		default:
			values[name] = tftypes.NewValue(typ, v)
		}
	}
	raw := tftypes.NewValue(schemaResp.Schema.Type().TerraformType(ctx), values)
	var resp fwprovider.ConfigureResponse
	p.Configure(ctx, fwprovider.ConfigureRequest{Config: tfsdk.Config{Schema: schemaResp.Schema, Raw: raw}}, &resp)
	var text strings.Builder
	var paths []path.Path
	for _, d := range resp.Diagnostics.Errors() {
		fmt.Fprintf(&text, "%s: %s\n", d.Summary(), d.Detail())
		if wp, ok := d.(interface{ Path() path.Path }); ok {
			paths = append(paths, wp.Path())
		}
	}
	return text.String(), paths
}

func emulatorSettings(e *emulator.Emulator) map[string]string {
	s := e.Seed()
	return map[string]string{
		"tenant_id":           s.TenantID,
		"client_id":           s.BootstrapClientID,
		"client_secret":       s.BootstrapSecret,
		"authority_host":      e.URL(),
		"graph_endpoint":      e.URL(),
		"ca_certificate_file": e.CAFile(),
	}
}

// planWith plans a registration with the provider settings, as Terraform would; the
// provider signs in on that first call that needs the tenant.
func planWith(t *testing.T, settings map[string]string, wantErr *regexp.Regexp, secrets ...string) {
	t.Helper()
	var block strings.Builder
	block.WriteString("provider \"stellar\" {\n")
	for k, v := range settings {
		fmt.Fprintf(&block, "  %s = %q\n", k, v)
	}
	block.WriteString("}\n\nresource \"stellar_target_registration\" \"test\" {\n  display_name = \"planned only\"\n}\n")
	step := resource.TestStep{Config: block.String(), PlanOnly: true, ExpectNonEmptyPlan: true}
	tc := resource.TestCase{PreCheck: func() { acctest.PreCheck(t) }, ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories}
	var sawError func() bool
	if wantErr != nil {
		tc.ErrorCheck, sawError = acctest.ExpectSecretFreeError(wantErr, secrets...)
	}
	tc.Steps = []resource.TestStep{step}
	resource.Test(t, tc)
	if sawError != nil && !sawError() {
		t.Fatal("the plan did not fail")
	}
}

func TestAccConfigureAgainstEmulator(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	planWith(t, emulatorSettings(e), nil)
	// The tenant may be named by a verified domain instead of its GUID.
	settings := emulatorSettings(e)
	settings["tenant_id"] = e.Seed().InitialDomain
	planWith(t, settings, nil)
}

// TestConfigureFromEnvironment: every setting can come from the variables
// azuread users already set, plus ours for the endpoints.
func TestConfigureFromEnvironment(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	s := e.Seed()
	for k, v := range map[string]string{
		"ARM_TENANT_ID": s.TenantID, "ARM_CLIENT_ID": s.BootstrapClientID, "ARM_CLIENT_SECRET": s.BootstrapSecret,
		"ARM_ENVIRONMENT": "global", "STELLAR_AUTHORITY_HOST": e.URL(), "STELLAR_GRAPH_ENDPOINT": e.URL(),
		"STELLAR_CA_CERTIFICATE_FILE": e.CAFile(),
	} {
		t.Setenv(k, v)
	}
	if text, _ := configure(t, nil); text != "" {
		t.Fatalf("configure from the environment failed: %s", text)
	}
	t.Setenv("ARM_ENVIRONMENT", "mars")
	if text, paths := configure(t, nil); !strings.Contains(text, "global, public, usgovernment, usgovernmentl4, dod, usgovernmentl5, china") || !paths[0].Equal(path.Root("environment")) {
		t.Fatalf("an unknown environment must be refused on the environment attribute, got %v: %s", paths, text)
	}
}

func TestConfigureIncompleteCredentials(t *testing.T) {
	text, paths := configure(t, map[string]string{"tenant_id": "contoso.onmicrosoft.com", "client_id": "7d3c9a10-2b4e-4f6a-8c1d-5e9f0a2b3c4d"})
	// client_id is the setting that is there; the error lists what can go with it.
	if !strings.Contains(text, "ARM_CLIENT_SECRET") || !strings.Contains(text, "ARM_CLIENT_CERTIFICATE_PATH") || len(paths) != 1 || !paths[0].Equal(path.Root("client_id")) {
		t.Fatalf("a missing credential must be named with its variables, got %v: %s", paths, text)
	}
	if text, _ := configure(t, map[string]string{}); text != "" {
		t.Fatalf("without any credentials the provider must still configure (validation needs none): %s", text)
	}
}

// TestAccConfigureSignInErrors checks that each sign-in mistake names the AADSTS code, the
// provider setting to blame and the fix, and never the secret.
func TestAccConfigureSignInErrors(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	wrongSecret := "not-the-secret-but-long-enough-1234567890"
	tests := []struct {
		name   string
		change func(map[string]string)
		code   string
		attr   string
		fix    string
	}{
		{"wrong tenant", func(s map[string]string) { s["tenant_id"] = "0b9c1a2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d" }, "AADSTS90002", "tenant_id", "tenant"},
		{"wrong client", func(s map[string]string) { s["client_id"] = "0b9c1a2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d" }, "AADSTS700016", "client_id", "client"},
		{"wrong secret", func(s map[string]string) { s["client_secret"] = wrongSecret }, "AADSTS7000215", "client_secret", "secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			settings := emulatorSettings(e)
			tt.change(settings)
			planWith(t, settings, regexp.MustCompile(`(?is)check provider setting `+tt.attr+`\).*`+tt.code+`.*How\s+to\s+fix\s+it:.*`+tt.fix),
				wrongSecret, e.Seed().BootstrapSecret)
		})
	}
}

func TestConfigureRejectsPlainHTTP(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	settings := emulatorSettings(e)
	settings["authority_host"] = strings.Replace(e.URL(), "https://", "http://", 1)
	text, paths := configure(t, settings)
	if !strings.Contains(text, "must be an https URL") || len(paths) != 1 || !paths[0].Equal(path.Root("authority_host")) {
		t.Fatalf("want an https error on authority_host, got %v: %s", paths, text)
	}
}

func TestAccConfigureRequiresTrustedCA(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	settings := emulatorSettings(e)
	delete(settings, "ca_certificate_file")
	t.Setenv("STELLAR_CA_CERTIFICATE_FILE", "")
	planWith(t, settings, regexp.MustCompile(`(?s)check provider setting ca_certificate_file.*certificate`), e.Seed().BootstrapSecret)
}

func TestAccProvider_signInErrors(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	s := e.Seed()
	block := func(tenant, secret string) string {
		return acctest.ProviderBlockAs(e, tenant, s.BootstrapClientID, secret) + `
resource "stellar_target_registration" "test" {
  display_name = "never created"
}
`
	}
	wrongSecret := "wrong-secret-value-0123456789abcdefghij"
	tests := []struct {
		name, tenant, secret, want string
	}{
		{"wrong tenant", "0b9c1a2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", s.BootstrapSecret, `AADSTS90002(.*\n)*.*How\s+to\s+fix\s+it(.*\n)*.*tenant_id`},
		{"wrong secret", s.TenantID, wrongSecret, `AADSTS7000215(.*\n)*.*How\s+to\s+fix\s+it(.*\n)*.*client_secret`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check, sawError := acctest.ExpectSecretFreeError(regexp.MustCompile(tt.want), s.BootstrapSecret, wrongSecret)
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				ErrorCheck:               check,
				Steps:                    []resource.TestStep{{Config: block(tt.tenant, tt.secret), PlanOnly: true}},
			})
			if !sawError() {
				t.Fatal("the plan did not fail")
			}
		})
	}
}
