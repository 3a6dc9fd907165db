package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// TestAccBadInput: every mistake a person can make in the provider block, the registration
// or the validation is a plan-time error that names the attribute (Terraform then shows its
// line), says what is wrong and how to fix it; and none lets a write reach the tenant.
func TestAccBadInput(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	seed := e.Seed()
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	_, certBundle := selfSignedCertificate(t)
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}

	// provider builds a provider block for e with lines changed or added.
	provider := func(lines ...string) string {
		set := map[string]string{
			"tenant_id": fmt.Sprintf("%q", seed.TenantID), "client_id": fmt.Sprintf("%q", seed.BootstrapClientID),
			"client_secret": fmt.Sprintf("%q", seed.BootstrapSecret), "authority_host": fmt.Sprintf("%q", e.URL()),
			"graph_endpoint": fmt.Sprintf("%q", e.URL()), "ca_certificate_file": fmt.Sprintf("%q", e.CAFile()),
		}
		for _, l := range lines {
			k, v, _ := strings.Cut(l, "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if v == "" {
				delete(set, k)
			} else {
				set[k] = v
			}
		}
		var b strings.Builder
		b.WriteString("provider \"stellar\" {\n")
		for _, k := range []string{"tenant_id", "client_id", "client_secret", "environment", "authority_host", "graph_endpoint",
			"ca_certificate_file", "use_cli", "use_device_code", "use_browser", "public_client_id", "token_cache_dir"} {
			if v, ok := set[k]; ok {
				fmt.Fprintf(&b, "  %s = %s\n", k, v)
			}
		}
		b.WriteString("}\n")
		return b.String()
	}
	registration := func(body string) string {
		return "resource \"stellar_target_registration\" \"test\" {\n  display_name = \"bad input\"\n" + body + "\n}\n"
	}
	namedRegistration := func(name string) string {
		return fmt.Sprintf("resource \"stellar_target_registration\" \"test\" {\n  display_name = %s\n}\n", name)
	}
	validation := func(overrides string) string {
		fields := map[string]string{
			"email_address": `"adele.vance@contoso.com"`, "client_id": fmt.Sprintf("%q", seed.BootstrapClientID),
			"tenant_id": fmt.Sprintf("%q", seed.TenantID), "client_secret": fmt.Sprintf("%q", seed.BootstrapSecret),
		}
		var extra []string
		for _, l := range strings.Split(overrides, "\n") {
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				continue
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if _, known := fields[k]; known {
				fields[k] = v
				if v == "" {
					delete(fields, k)
				}
				continue
			}
			extra = append(extra, "  "+l)
		}
		var b strings.Builder
		b.WriteString("data \"stellar_target_validation\" \"test\" {\n")
		for _, k := range []string{"email_address", "client_id", "tenant_id", "client_secret"} {
			if v, ok := fields[k]; ok {
				fmt.Fprintf(&b, "  %s = %s\n", k, v)
			}
		}
		b.WriteString(strings.Join(extra, "\n") + "\n}\n")
		return b.String()
	}
	ok := provider()
	manyAPIs := make([]string, 51)
	for i := range manyAPIs {
		manyAPIs[i] = fmt.Sprintf(`{ api = "%08d-0000-0000-0000-000000000000", application = ["x"] }`, i)
	}

	cases := []struct {
		name, config string
		want         string // regexp: the attribute, what is wrong, the fix
	}{
		// The provider block.
		{"unknown environment", provider(`environment = "mars"`) + registration(""), `environment(.|\n)*not\s+a\s+Microsoft\s+cloud(.|\n)*Use\s+one\s+of\s+global`},
		{"plain http authority", provider(`authority_host = "http://login.example"`) + registration(""), `authority_host\s+must\s+be\s+an\s+https\s+URL`},
		{"authority not a URL", provider(`authority_host = "login.microsoftonline.com"`) + registration(""), `authority_host\s+must\s+be\s+an\s+https\s+URL`},
		{"plain http graph", provider(`graph_endpoint = "http://graph.example"`) + registration(""), `graph_endpoint\s+must\s+be\s+an\s+https\s+URL`},
		{"graph without host", provider(`graph_endpoint = "https://"`) + registration(""), `graph_endpoint\s+must\s+be\s+an\s+https\s+URL`},
		{"graph unreachable", provider(`graph_endpoint = "https://127.0.0.1:1"`) + registration(""), `graph_endpoint(.|\n)*cannot\s+be\s+reached(.|\n)*STELLAR_GRAPH_ENDPOINT`},
		{"authority unreachable", provider(`authority_host = "https://127.0.0.1:1"`) + registration(""), `authority_host(.|\n)*(reach|connect)`},
		{"missing CA file", provider(`ca_certificate_file = "/nonexistent/ca.pem"`) + registration(""), `Cannot\s+read\s+the\s+CA\s+certificate\s+file(.|\n)*ca_certificate_file(.|\n)*How\s+to\s+fix\s+it`},
		{"CA file without a certificate", provider(fmt.Sprintf("ca_certificate_file = %q", notPEM)) + registration(""), `ca_certificate_file(.|\n)*(no\s+PEM|certificate)`},
		{"client_id without secret", provider(`client_secret =`) + registration(""), `client_id\s+is\s+set\s+but\s+nothing\s+to\s+sign\s+in\s+with:\s+set\s+client_secret`},
		{"secret without client_id", provider(`client_id =`) + registration(""), `client_id\s+is\s+not\s+set,\s+but\s+client_secret\s+is`},
		{"secret without tenant", provider(`tenant_id =`) + registration(""), `tenant_id\s+is\s+not\s+set,\s+but\s+client_secret\s+is`},
		{"tenant as a URL", provider(`tenant_id = "https://contoso.com"`) + registration(""), `tenant_id(.|\n)*GUID\s+or\s+a\s+verified\s+domain`},
		{"secret and CLI", provider(`use_cli = true`) + registration(""), `Conflicting\s+sign-in\s+settings(.|\n)*client_secret\s+and\s+use_cli`},
		{"CLI and device code", provider(`client_id =`, `client_secret =`, `use_cli = true`, `use_device_code = true`) + registration(""), `use_cli\s+and\s+use_device_code`},
		{"device code and browser", provider(`client_id =`, `client_secret =`, `use_device_code = true`, `use_browser = true`) + registration(""), `use_device_code\s+and\s+use_browser`},
		{"device code without tenant", provider(`client_id =`, `client_secret =`, `tenant_id =`, `use_device_code = true`) + registration(""), `tenant_id\s+is\s+needed\s+to\s+sign\s+in\s+as\s+a\s+person`},
		{"browser without tenant", provider(`client_id =`, `client_secret =`, `tenant_id =`, `use_browser = true`) + registration(""), `tenant_id\s+is\s+needed\s+to\s+sign\s+in\s+as\s+a\s+person`},
		{"client_id with the CLI", provider(`client_secret =`, `use_cli = true`) + registration(""), `client_id\s+has\s+no\s+effect\s+with\s+use_cli`},
		{"client_id with device code", provider(`client_secret =`, `use_device_code = true`) + registration(""), `client_id\s+has\s+no\s+effect\s+with\s+use_device_code`},
		{"public client without a person", provider(`public_client_id = "14d82eec-204b-4c2f-b7e8-296a70dab67e"`) + registration(""), `public_client_id\s+has\s+no\s+effect`},
		{"device code never signed in", provider(`client_id =`, `client_secret =`, `use_device_code = true`, fmt.Sprintf("token_cache_dir = %q", dir)) + registration(""), `nobody\s+has\s+signed\s+in(.|\n)*terraform-provider-stellar\s+login`},
		{"wrong secret", provider(`client_secret = "not-the-secret"`) + registration(""), `AADSTS7000215(.|\n)*How\s+to\s+fix\s+it`},
		{"unknown client", provider(`client_id = "00000000-0000-0000-0000-0000000000aa"`) + registration(""), `client_id(.|\n)*AADSTS700016`},
		{"unknown tenant", provider(`tenant_id = "fabrikam.onmicrosoft.com"`) + registration(""), `tenant_id(.|\n)*AADSTS90002`},

		// The registration.
		{"empty display name", ok + namedRegistration(`""`), `display_name(.|\n)*(empty|blank|at\s+least)`},
		{"blank display name", ok + namedRegistration(`"   "`), `display_name(.|\n)*blank(.|\n)*Write\s+a\s+name`},
		{"display name too long", ok + namedRegistration(fmt.Sprintf("%q", strings.Repeat("x", 257))), `display_name(.|\n)*256`},
		{"unknown API", ok + registration(`api_permissions = [{ api = "microsoft_grahp", application = ["User.Read.All"] }]`), `Unknown\s+API(.|\n)*Did\s+you\s+mean\s+"microsoft_graph"`},
		{"empty API name", ok + registration(`api_permissions = [{ api = "", application = ["User.Read.All"] }]`), `api(.|\n)*(empty|neither)`},
		{"unknown permission", ok + registration(`api_permissions = [{ api = "microsoft_graph", application = ["Mail.ReadWirte"] }]`), `Did\s+you\s+mean\s+"Mail.ReadWrite"`},
		{"permission in the wrong case", ok + registration(`api_permissions = [{ api = "microsoft_graph", application = ["user.read.all"] }]`), `Did\s+you\s+mean\s+"User.Read.All"`},
		{"delegated name as application", ok + registration(`api_permissions = [{ api = "microsoft_graph", application = ["User.Read"] }]`), `User.Read(.|\n)*delegated`},
		{"empty permission name", ok + registration(`api_permissions = [{ api = "microsoft_graph", application = [""] }]`), `application(.|\n)*(empty|blank)`},
		{"API listed twice", ok + registration(`api_permissions = [{ api = "microsoft_graph", application = ["User.Read.All"] }, { api = "00000003-0000-0000-c000-000000000000", application = ["Mail.ReadWrite"] }]`), `API\s+listed\s+twice(.|\n)*List\s+each\s+API\s+once`},
		{"API without permissions", ok + registration(`api_permissions = [{ api = "microsoft_graph" }]`), `API\s+without\s+permissions(.|\n)*Add\s+at\s+least\s+one`},
		{"no API at all", ok + registration(`api_permissions = []`), `api_permissions(.|\n)*empty(.|\n)*Leave\s+api_permissions\s+out`},
		{"more than 50 APIs", ok + registration("api_permissions = ["+strings.Join(manyAPIs, ",")+"]"), `api_permissions(.|\n)*50`},
		{"API not in the tenant", ok + registration(`api_permissions = [{ api = "11111111-2222-3333-4444-555555555555", application = ["x"] }]`), `API\s+not\s+available\s+in\s+this\s+tenant(.|\n)*Check\s+the\s+application\s+ID`},
		{"certificate with its private key", ok + registration(fmt.Sprintf("client_certificate = %q", certBundle)), `client_certificate(.|\n)*holds\s+a\s+private\s+key(.|\n)*Give\s+only\s+the\s+certificate`},
		{"certificate not PEM", ok + registration(`client_certificate = "MIIB"`), `client_certificate(.|\n)*not\s+a\s+PEM\s+certificate(.|\n)*BEGIN\s+CERTIFICATE`},
		{"lifetime zero", ok + registration(`client_secret_lifetime_days = 0`), `client_secret_lifetime_days(.|\n)*between\s+1\s+and\s+730`},
		{"lifetime negative", ok + registration(`client_secret_lifetime_days = -5`), `client_secret_lifetime_days(.|\n)*between\s+1\s+and\s+730`},
		{"lifetime too long", ok + registration(`client_secret_lifetime_days = 731`), `client_secret_lifetime_days(.|\n)*between\s+1\s+and\s+730`},
		{"lifetime not an integer", ok + registration(`client_secret_lifetime_days = 1.5`), `client_secret_lifetime_days(.|\n)*(whole\s+number|integer)`},
		{"lifetime and end date", ok + registration(`client_secret_lifetime_days = 30
  client_secret_end_date = "2027-06-01T00:00:00Z"`), `client_secret_(lifetime_days|end_date)(.|\n)*(cannot|conflict|only\s+one|both)`},
		{"end date malformed", ok + registration(`client_secret_end_date = "next year"`), `client_secret_end_date(.|\n)*not\s+an\s+RFC\s+3339\s+timestamp`},
		{"end date without zone", ok + registration(`client_secret_end_date = "2027-06-01T00:00:00"`), `client_secret_end_date(.|\n)*not\s+an\s+RFC\s+3339\s+timestamp`},
		{"end date in the past", ok + registration(`client_secret_end_date = "2020-01-01T00:00:00Z"`), `Secret\s+end\s+date\s+in\s+the\s+past`},
		{"end date too far", ok + registration(`client_secret_end_date = "2099-01-01T00:00:00Z"`), `client_secret_end_date(.|\n)*730\s+days`},
		{"timeout not a duration", ok + registration(`timeouts = { create = "forever" }`), `timeouts(.|\n)*(duration|parse)`},
		{"hand-off with consent", ok + registration(`consent_handoff = true`), `consent_handoff\s+needs\s+grant_admin_consent\s+=\s+false`},
		{"grace period not a duration", ok + registration(`client_secret_grace_period = "a day"`), `client_secret_grace_period(.|\n)*not\s+a\s+duration(.|\n)*24h`},
		{"grace period negative", ok + registration(`client_secret_grace_period = "-1h"`), `client_secret_grace_period(.|\n)*zero\s+or\s+more`},

		// The validation data source.
		{"email not an address", ok + validation(`email_address = "adele"`), `email_address(.|\n)*email\s+address`},
		{"email empty", ok + validation(`email_address = ""`), `email_address(.|\n)*(empty|email)`},
		{"client ID not a GUID", ok + validation(`client_id = "my-app"`), `client_id(.|\n)*(GUID|client\s+ID)`},
		{"client ID empty", ok + validation(`client_id = ""`), `client_id(.|\n)*(GUID|empty|client\s+ID)`},
		{"tenant malformed", ok + validation(`tenant_id = "not a tenant!"`), `tenant_id(.|\n)*(GUID|domain)`},
		{"tenant empty", ok + validation(`tenant_id = ""`), `tenant_id(.|\n)*(GUID|domain|empty)`},
		{"neither secret nor certificate", ok + validation(`client_secret =`), `client_secret(.|\n)*client_certificate`},
		{"secret and certificate", ok + validation("client_certificate = \"-----BEGIN CERTIFICATE-----\""), `client_secret(.|\n)*client_certificate`},
		{"certificate not PEM", ok + validation("client_secret =\nclient_certificate = \"not pem\""), `client_certificate(.|\n)*PEM`},
		{"certificate password without certificate", ok + validation(`client_certificate_password = "x"`), `client_certificate_password(.|\n)*client_certificate`},
		{"required permission misspelt", ok + validation(`required_permissions = [{ api = "microsoft_graph", application = ["Mail.ReadWirte"] }]`), `required_permissions(.|\n)*Did\s+you\s+mean\s+"Mail.ReadWrite"`},
		{"required API unknown", ok + validation(`required_permissions = [{ api = "microsoft_grahp", application = ["User.Read.All"] }]`), `required_permissions(.|\n)*Did\s+you\s+mean\s+"microsoft_graph"`},
		{"required permissions empty", ok + validation(`required_permissions = []`), `required_permissions(.|\n)*empty`},
	}
	t.Logf("%d bad-input cases", len(cases))
	t.Run("cases", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				resource.Test(t, resource.TestCase{
					PreCheck:                 func() { acctest.PreCheck(t) },
					ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
					Steps:                    []resource.TestStep{{Config: tc.config, PlanOnly: true, ExpectError: regexp.MustCompile(tc.want)}},
				})
			})
		}
	})
	if w := acctest.Writes(e); len(w) != 0 {
		t.Fatalf("bad input let writes reach the tenant: %+v", w)
	}
}
