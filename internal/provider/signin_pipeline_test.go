package provider_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// Signing in from pipelines: each app-only method registers the default migration
// registration end to end, as an application (or managed identity) that holds no client
// secret, so the method under test is the only way in.

// pipelineRoles are what an application needs to register, consent and look up the tenant.
var pipelineRoles = []string{"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All",
	"User.Read.All", "Organization.Read.All"}

// pipelineApp registers the application a pipeline signs in as, with the roles it needs and
// no secret.
func pipelineApp(t *testing.T, e *emulator.Emulator) emulator.Application {
	t.Helper()
	app, _ := e.Portal().CreateApplication("pipeline", pipelineRoles...)
	for _, p := range app.Passwords {
		mustPortal(t, e.Portal().RemovePassword(app.ObjectID, p.KeyID))
	}
	return app
}

// pipelineBlock is a provider block for e with the sign-in settings extra and no tenant or
// client unless extra sets them.
func pipelineBlock(e *emulator.Emulator, extra string) string {
	return fmt.Sprintf(`
provider "stellar" {
  authority_host      = %q
  graph_endpoint      = %q
  ca_certificate_file = %q
%s
}
`, e.URL(), e.URL(), e.CAFile(), extra)
}

func appBlock(e *emulator.Emulator, clientID, extra string) string {
	return pipelineBlock(e, fmt.Sprintf("  tenant_id = %q\n  client_id = %q\n%s", e.Seed().TenantID, clientID, extra))
}

// pipelineTestCase applies the default registration with block, checks the tenant, plans no
// changes, and destroys.
func pipelineTestCase(t *testing.T, e *emulator.Emulator, block string) resource.TestCase {
	const name = "stellar-pipeline"
	config := block + fmt.Sprintf(`
resource "stellar_target_registration" "test" {
  display_name                  = %q
  permanently_delete_on_destroy = true
}
`, name)
	tc := personTestCase(t, e, "", name)
	for i := range tc.Steps {
		tc.Steps[i].Config = config
	}
	return tc
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAccSignIn_clientCertificate: PEM, PEM with an encrypted PKCS#8 key, and PKCS#12 with a
// password, from a path and inline as base64.
func TestAccSignIn_clientCertificate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		block func(c acctest.ClientCertificate, t *testing.T) string
	}{
		{"PEM file", func(c acctest.ClientCertificate, t *testing.T) string {
			return fmt.Sprintf("  client_certificate_path = %q", writeTemp(t, "client.pem", c.PEM))
		}},
		{"PEM file with an encrypted key", func(c acctest.ClientCertificate, t *testing.T) string {
			return fmt.Sprintf("  client_certificate_path = %q\n  client_certificate_password = %q", writeTemp(t, "client.pem", c.EncryptedPEM), c.Password)
		}},
		{"PKCS#12 file with a password", func(c acctest.ClientCertificate, t *testing.T) string {
			return fmt.Sprintf("  client_certificate_path = %q\n  client_certificate_password = %q", writeTemp(t, "client.pfx", c.PKCS12), c.Password)
		}},
		{"PKCS#12 inline as base64", func(c acctest.ClientCertificate, _ *testing.T) string {
			return fmt.Sprintf("  client_certificate = %q\n  client_certificate_password = %q", base64.StdEncoding.EncodeToString(c.PKCS12), c.Password)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := acctest.StartEmulator(t, emulator.Options{})
			app := pipelineApp(t, e)
			c := acctest.NewClientCertificate(t, "pipeline")
			mustPortal(t, e.Portal().AddCertificate(app.ObjectID, c.Cert))
			resource.Test(t, pipelineTestCase(t, e, appBlock(e, app.AppID, tc.block(c, t))))
		})
	}
}

// federatedApp is a pipeline app trusting issuer's tokens for subject.
func federatedApp(t *testing.T, e *emulator.Emulator, issuer, subject string) emulator.Application {
	t.Helper()
	app := pipelineApp(t, e)
	_, err := e.Portal().AddFederatedCredential(app.ObjectID, emulator.FederatedCredential{Name: "pipeline", Issuer: issuer,
		Subject: subject, Audiences: []string{auth.TokenExchangeAudience}})
	mustPortal(t, err)
	return app
}

// TestAccSignIn_oidcToken: a federated token given as is, and in a file.
func TestAccSignIn_oidcToken(t *testing.T) {
	t.Parallel()
	const subject = "repo:contoso/migration:environment:production"
	t.Run("oidc_token", func(t *testing.T) {
		t.Parallel()
		e := acctest.StartEmulator(t, emulator.Options{})
		app := federatedApp(t, e, e.Portal().OIDCIssuer("ci"), subject)
		token := e.Portal().IssueOIDCToken("ci", subject, auth.TokenExchangeAudience, time.Hour)
		resource.Test(t, pipelineTestCase(t, e, appBlock(e, app.AppID, fmt.Sprintf("  oidc_token = %q", token))))
	})
	t.Run("oidc_token_file_path", func(t *testing.T) {
		t.Parallel()
		e := acctest.StartEmulator(t, emulator.Options{})
		app := federatedApp(t, e, e.Portal().OIDCIssuer("ci"), subject)
		file := writeTemp(t, "token", []byte(e.Portal().IssueOIDCToken("ci", subject, auth.TokenExchangeAudience, time.Hour)))
		resource.Test(t, pipelineTestCase(t, e, appBlock(e, app.AppID, fmt.Sprintf("  oidc_token_file_path = %q", file))))
	})
}

// TestAccSignIn_githubActions: a job with `permissions: id-token: write`, where GitHub sets
// ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN and the configuration says only use_oidc.
func TestAccSignIn_githubActions(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	const subject = "repo:contoso/migration:ref:refs/heads/main"
	app := federatedApp(t, e, e.Portal().OIDCIssuer("github"), subject)
	requestURL, requestToken := e.Portal().GitHubActionsRun(subject)
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_URL", requestURL)
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", requestToken)
	resource.Test(t, pipelineTestCase(t, e, appBlock(e, app.AppID, "  use_oidc = true")))
}

// TestAccSignIn_azureDevOps: an Azure Pipelines task with a workload identity service
// connection: the pipeline sets SYSTEM_OIDCREQUESTURI, the step passes SYSTEM_ACCESSTOKEN.
func TestAccSignIn_azureDevOps(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	const subject = "sc://contoso/migration/target-tenant"
	app := federatedApp(t, e, e.Portal().OIDCIssuer("ado"), subject)
	requestURL, accessToken, connectionID := e.Portal().AzureDevOpsServiceConnection(subject)
	t.Setenv("SYSTEM_OIDCREQUESTURI", requestURL)
	t.Setenv("SYSTEM_ACCESSTOKEN", accessToken)
	resource.Test(t, pipelineTestCase(t, e, appBlock(e, app.AppID, fmt.Sprintf("  use_oidc = true\n  ado_pipeline_service_connection_id = %q", connectionID))))
}

// TestAccSignIn_aksWorkloadIdentity: a pod with workload identity, where the webhook sets
// AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE; the token file is rotated
// between steps, as the kubelet rotates it, and the provider reads the new one.
func TestAccSignIn_aksWorkloadIdentity(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	const subject = "system:serviceaccount:migration:stellar"
	app := federatedApp(t, e, e.Portal().OIDCIssuer("aks"), subject)
	file := writeTemp(t, "azure-identity-token", []byte(e.Portal().IssueOIDCToken("aks", subject, auth.TokenExchangeAudience, time.Hour)))
	t.Setenv("AZURE_CLIENT_ID", app.AppID)
	t.Setenv("AZURE_TENANT_ID", e.Seed().TenantID)
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", file)
	tc := pipelineTestCase(t, e, pipelineBlock(e, "  use_aks_workload_identity = true"))
	tc.Steps[1].PreConfig = func() {
		if err := os.WriteFile(file, []byte(e.Portal().IssueOIDCToken("aks", subject, auth.TokenExchangeAudience, time.Hour)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	resource.Test(t, tc)
}

// TestAccSignIn_managedIdentity: a host's system-assigned identity and a user-assigned one
// chosen by client_id, through an IMDS-shaped endpoint (msi_endpoint).
func TestAccSignIn_managedIdentity(t *testing.T) {
	t.Parallel()
	t.Run("system-assigned", func(t *testing.T) {
		t.Parallel()
		e := acctest.StartEmulator(t, emulator.Options{})
		e.Portal().CreateManagedIdentity("migration-vm", false, pipelineRoles...)
		resource.Test(t, pipelineTestCase(t, e, pipelineBlock(e, fmt.Sprintf("  use_msi = true\n  msi_endpoint = %q", e.IMDSEndpoint()))))
	})
	t.Run("user-assigned", func(t *testing.T) {
		t.Parallel()
		e := acctest.StartEmulator(t, emulator.Options{})
		e.Portal().CreateManagedIdentity("migration-vm", false) // the host's own, without rights
		mi := e.Portal().CreateManagedIdentity("stellar-migration", true, pipelineRoles...)
		resource.Test(t, pipelineTestCase(t, e, pipelineBlock(e, fmt.Sprintf("  use_msi = true\n  client_id = %q\n  msi_endpoint = %q\n  tenant_id = %q",
			mi.ClientID, e.IMDSEndpoint(), e.Seed().TenantID))))
	})
}

// TestAccSignIn_managedIdentityAppService: App Service and Functions advertise their endpoint
// in IDENTITY_ENDPOINT and IDENTITY_HEADER; the configuration says only use_msi.
func TestAccSignIn_managedIdentityAppService(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	e.Portal().CreateManagedIdentity("migration-app", false, pipelineRoles...)
	t.Setenv("IDENTITY_ENDPOINT", e.AppServiceIdentityEndpoint())
	t.Setenv("IDENTITY_HEADER", e.IdentityHeader())
	resource.Test(t, pipelineTestCase(t, e, pipelineBlock(e, "  use_msi = true")))
}

// graphToken is a Microsoft Graph token of the bootstrap application, as an earlier pipeline
// step would hand over.
func graphToken(t *testing.T, e *emulator.Emulator, resource string) string {
	t.Helper()
	hc, err := auth.NewHTTPClient(e.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := auth.NewClientSecretCredential(auth.ClientSecretOptions{AuthorityHost: e.URL(), TenantID: e.Seed().TenantID,
		ClientID: e.Seed().BootstrapClientID, ClientSecret: e.Seed().BootstrapSecret, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.Token(context.Background(), resource)
	if err != nil {
		t.Fatal(err)
	}
	return tok.Value
}

// TestAccSignIn_accessToken: a ready token; one for another audience, or expired, is refused
// at plan time against access_token.
func TestAccSignIn_accessToken(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	resource.Test(t, pipelineTestCase(t, e, pipelineBlock(e, fmt.Sprintf("  access_token = %q", graphToken(t, e, emulator.GraphResource)))))

	exchange := graphToken(t, e, emulator.ExchangeResource)
	graph := graphToken(t, e, emulator.GraphResource)
	for name, tc := range map[string]struct {
		token string
		at    time.Time
		want  string
	}{
		"another audience": {exchange, time.Now(), `access_token is for "https://outlook.office365.com", but the\s+provider calls\s+"https://graph.microsoft.com"`},
		"expired":          {graph, time.Now().Add(2 * time.Hour), `access_token expired at`},
	} {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProviderFactoriesAt(tc.at),
				Steps: []resource.TestStep{{Config: pipelineTestCase(t, e, pipelineBlock(e, fmt.Sprintf("  access_token = %q", tc.token))).Steps[0].Config,
					PlanOnly: true, ExpectError: regexp.MustCompile(tc.want)}},
			})
		})
	}
}

// TestAccSignIn_federatedMismatch: a token Entra cannot match to a federated credential is a
// plan-time error with Entra's code and what to check; nothing is written.
func TestAccSignIn_federatedMismatch(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	const subject = "repo:contoso/migration:ref:refs/heads/main"
	app := federatedApp(t, e, e.Portal().OIDCIssuer("github"), subject)
	for name, tc := range map[string]struct{ token, want string }{
		"another subject": {e.Portal().IssueOIDCToken("github", "repo:contoso/migration:pull_request", auth.TokenExchangeAudience, time.Hour), `AADSTS700213`},
		"another issuer":  {e.Portal().IssueOIDCToken("elsewhere", subject, auth.TokenExchangeAudience, time.Hour), `AADSTS700211`},
		"expired":         {e.Portal().IssueOIDCToken("github", subject, auth.TokenExchangeAudience, -time.Hour), `AADSTS700024`},
	} {
		t.Run(name, func(t *testing.T) {
			planFailsWithoutWrites(t, e, pipelineTestCase(t, e, appBlock(e, app.AppID, fmt.Sprintf("  oidc_token = %q", tc.token))).Steps[0].Config,
				regexp.MustCompile(tc.want))
		})
	}
}

// TestAccSignIn_pipelineSettings: each conflicting or incomplete combination of the pipeline
// methods is a plan-time error naming the settings.
func TestAccSignIn_pipelineSettings(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	seed := e.Seed()
	c := acctest.NewClientCertificate(t, "pipeline")
	pem, pfx := writeTemp(t, "c.pem", c.EncryptedPEM), writeTemp(t, "c.pfx", c.PKCS12)
	app := fmt.Sprintf("  tenant_id = %q\n  client_id = %q\n", seed.TenantID, seed.BootstrapClientID)
	for _, tc := range []struct{ name, block, want string }{
		{"certificate and secret", app + fmt.Sprintf("  client_certificate_path = %q\n  client_secret = %q", pem, seed.BootstrapSecret),
			`Both client_certificate_path and client_secret are set`},
		{"certificate inline and from a path", app + fmt.Sprintf("  client_certificate_path = %q\n  client_certificate = %q", pfx, "MIIB"),
			`Both client_certificate and client_certificate_path are set`},
		{"certificate without client_id", fmt.Sprintf("  tenant_id = %q\n  client_certificate_path = %q", seed.TenantID, pem),
			`client_id is not set, but client_certificate is`},
		{"certificate file missing", app + `  client_certificate_path = "/nonexistent/client.pfx"`, `client_certificate_path is\s+"/nonexistent/client.pfx", which cannot be read`},
		{"encrypted key without its password", app + fmt.Sprintf("  client_certificate_path = %q", pem), `private key is encrypted and no password is set`},
		{"wrong PKCS#12 password", app + fmt.Sprintf("  client_certificate_path = %q\n  client_certificate_password = \"wrong\"", pfx),
			`(?s)client_certificate_password.*password does not decrypt it`},
		{"password without a certificate", app + fmt.Sprintf("  client_secret = %q\n  client_certificate_password = \"pw\"", seed.BootstrapSecret),
			`client_certificate_password has no effect`},
		{"oidc token and token file", app + fmt.Sprintf("  oidc_token = \"x.y.z\"\n  oidc_token_file_path = %q", pem),
			`Both oidc_token and oidc_token_file_path are set`},
		{"oidc and managed identity", app + "  use_oidc = true\n  use_msi = true", `Both use_oidc and use_msi are set`},
		{"secret and oidc", app + fmt.Sprintf("  client_secret = %q\n  use_oidc = true", seed.BootstrapSecret), `Both client_secret and use_oidc are set`},
		{"oidc without a token source", app + "  use_oidc = true", `No federated token to sign in with`},
		{"oidc request URL without its token", app + "  use_oidc = true\n  oidc_request_url = \"https://pipelines.example/idtoken?api-version=2.0\"",
			`oidc_request_token is not set`},
		{"Azure DevOps without the pipeline's endpoint", app + "  ado_pipeline_service_connection_id = \"8f6b1c2e\"", `oidc_request_url is not set`},
		{"oidc without client_id", fmt.Sprintf("  tenant_id = %q\n  oidc_token = \"x.y.z\"", seed.TenantID), `client_id is not set, but oidc_token is`},
		{"request URL without oidc", app + fmt.Sprintf("  client_secret = %q\n  oidc_request_url = \"https://pipelines.example/idtoken\"", seed.BootstrapSecret),
			`oidc_request_url has no effect`},
		{"msi_endpoint without use_msi", app + fmt.Sprintf("  client_secret = %q\n  msi_endpoint = %q", seed.BootstrapSecret, e.IMDSEndpoint()),
			`msi_endpoint has no effect`},
		{"managed identity without one on the host", fmt.Sprintf("  use_msi = true\n  msi_endpoint = %q", e.IMDSEndpoint()), `Identity not found`},
		{"access token with client_id", app + `  access_token = "x.y.z"`, `client_id has no effect with access_token`},
		{"access token and secret", fmt.Sprintf("  access_token = \"x.y.z\"\n  client_secret = %q", seed.BootstrapSecret), `Both access_token and client_secret are set`},
		{"access token that is not a JWT", `  access_token = "not-a-token"`, `access_token is not a Microsoft Entra access token`},
		{"unknown environment", app + fmt.Sprintf("  client_secret = %q\n  environment = \"germany\"", seed.BootstrapSecret),
			`environment "germany" is not a Microsoft cloud this provider knows. Use one of global, public,\s+usgovernment`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      pipelineTestCase(t, e, pipelineBlock(e, tc.block)).Steps[0].Config,
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(strings.ReplaceAll(tc.want, " ", `\s+`)),
				}},
			})
		})
	}
	if w := acctest.Writes(e); len(w) != 0 {
		t.Fatalf("writes reached the tenant: %+v", w)
	}
}
