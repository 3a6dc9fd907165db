package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest/fakeaz"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
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
				resource.TestCheckResourceAttr("stellar_target_registration.import_export", "client_secret_display_name", "migration window 2027"),
				resource.TestCheckTypeSetElemAttr("stellar_target_registration.import_export", "granted_permissions.0.application.*", "MailboxItem.ImportExport.All"),
				resource.TestCheckResourceAttr("stellar_target_registration.custom", "granted_permissions.0.application.#", "4"),
				resource.TestCheckResourceAttrSet("stellar_target_registration.default", "client_id"),
			),
		}},
	})
}

// TestAccExamples_certificate: the certificate example registers an application with the
// certificate and no secret, and outputs the thumbprint the tool asks for.
func TestAccExamples_certificate(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	signInFromEnvironment(t, e)
	cert, _ := selfSignedCertificate(t)
	public := publicPEM(cert)
	const name = "stellar_target_registration.certificate"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:          exampleConfig(t, "provider/provider.tf", "resources/stellar_target_registration/certificate.tf"),
			ConfigVariables: config.Variables{"migration_certificate": config.StringVariable(public)},
			Check: resource.ComposeTestCheckFunc(
				resource.TestCheckNoResourceAttr(name, "client_secret"),
				resource.TestCheckOutput("certificate_thumbprint", certThumbprint(cert)),
			),
		}},
	})
}

func TestAccExamples_validation(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	signInFromEnvironment(t, e)
	// The examples validate the bootstrap app, which holds only the roles to
	// manage registrations: the data source reports that it lacks Exchange Online
	// PowerShell access and the Exchange Administrator role (its check block warns), the
	// ephemeral resource stops the run.
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
					resource.TestCheckResourceAttr("data.stellar_target_validation.manual", "checks.6.name", "exchange_access"),
					resource.TestCheckResourceAttr("data.stellar_target_validation.manual", "checks.6.status", "failed"),
					resource.TestCheckResourceAttr("data.stellar_target_validation.manual", "checks.7.name", "directory_role"),
					resource.TestCheckResourceAttr("data.stellar_target_validation.manual", "checks.7.status", "failed"),
					resource.TestCheckResourceAttr("data.stellar_target_validation.manual", "checks.8.name", "credential_expiry"),
					resource.TestCheckResourceAttr("data.stellar_target_validation.manual", "checks.8.status", "passed"),
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

// TestAccExamples_signIn: each sign-in example registers the default migration
// registration as the Global Administrator, configured as the example says (the endpoints
// come from the environment, as for the emulator in CI).
func TestAccExamples_signIn(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	t.Setenv("STELLAR_AUTHORITY_HOST", e.URL())
	t.Setenv("STELLAR_GRAPH_ENDPOINT", e.URL())
	t.Setenv("STELLAR_CA_CERTIFICATE_FILE", e.CAFile())
	fakeaz.Install(t, fakeaz.Config{AuthorityHost: e.URL(), TenantID: e.Seed().InitialDomain, CAFile: e.CAFile(),
		Username: "admin@contoso.com", Password: emulator.SeedUserPassword})
	cache := t.TempDir()
	t.Setenv("STELLAR_TOKEN_CACHE_DIR", cache)
	acctest.DeviceCodeSignIn(t, e, "admin@contoso.com", cache)
	browserCache := t.TempDir()
	acctest.BrowserSignIn(t, e, "admin@contoso.com", browserCache)
	for _, tc := range []struct{ file, cacheDir string }{
		{"sign-in/azure-cli.tf", ""},
		{"sign-in/device-code.tf", cache},
		{"sign-in/browser.tf", browserCache},
	} {
		t.Run(tc.file, func(t *testing.T) {
			if tc.cacheDir != "" {
				t.Setenv("STELLAR_TOKEN_CACHE_DIR", tc.cacheDir)
			}
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				CheckDestroy:             noLiveApplication(e, "Stellar Migrator - target"),
				Steps: []resource.TestStep{{
					Config: exampleConfig(t, tc.file, "sign-in/registration.tf"),
					Check: resource.ComposeAggregateTestCheckFunc(
						tenantHoldsDefault(e, "Stellar Migrator - target"),
						resource.TestCheckResourceAttr("stellar_target_registration.migrator", "tenant_id", e.Seed().TenantID),
					),
				}},
			})
		})
	}
}

// noLiveApplication is CheckDestroy for registrations destroyed without purge: the tenant
// holds no live application of that name (the deleted one stays restorable, as Entra keeps it).
func noLiveApplication(e *emulator.Emulator, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if a, ok := findApp(e, name); ok {
			return fmt.Errorf("application %s (%s) is still live", name, a.ObjectID)
		}
		return nil
	}
}

// TestAccExamples_pipelineSignIn: each pipeline sign-in example of the "Signing in" guide
// registers the default migration registration, configured as the example says, with the
// platform's variables set as the platform sets them (the example's tenant and client are
// the emulator's domain and bootstrap application, whose secret is not given).
func TestAccExamples_pipelineSignIn(t *testing.T) {
	e := acctest.StartEmulator(t, emulator.Options{})
	t.Setenv("STELLAR_AUTHORITY_HOST", e.URL())
	t.Setenv("STELLAR_GRAPH_ENDPOINT", e.URL())
	t.Setenv("STELLAR_CA_CERTIFICATE_FILE", e.CAFile())
	seed := e.Seed()
	bootstrap, ok := e.Portal().ApplicationByAppID(seed.BootstrapClientID)
	if !ok {
		t.Fatal("no bootstrap application")
	}
	trust := func(issuer, subject string) {
		_, err := e.Portal().AddFederatedCredential(bootstrap.ObjectID, emulator.FederatedCredential{Name: issuer, Issuer: e.Portal().OIDCIssuer(issuer),
			Subject: subject, Audiences: []string{auth.TokenExchangeAudience}})
		mustPortal(t, err)
	}
	cert := acctest.NewClientCertificate(t, "pipeline")
	mustPortal(t, e.Portal().AddCertificate(bootstrap.ObjectID, cert.Cert))
	trust("github", "repo:contoso/migration:environment:production")
	trust("ado", "sc://contoso/migration/target")
	trust("aks", "system:serviceaccount:migration:stellar")
	trust("ci", "ci-job")
	mi := e.Portal().CreateManagedIdentity("stellar-migration", true, pipelineRoles...)

	for _, tc := range []struct {
		file  string
		setup func(t *testing.T) config.Variables
	}{
		{"client-certificate.tf", func(t *testing.T) config.Variables {
			t.Setenv("ARM_CLIENT_CERTIFICATE_PATH", writeTemp(t, "stellar-pipeline.pfx", cert.PKCS12))
			t.Setenv("ARM_CLIENT_CERTIFICATE_PASSWORD", cert.Password)
			return nil
		}},
		{"github-actions.tf", func(t *testing.T) config.Variables {
			u, tok := e.Portal().GitHubActionsRun("repo:contoso/migration:environment:production")
			t.Setenv("ACTIONS_ID_TOKEN_REQUEST_URL", u)
			t.Setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", tok)
			return nil
		}},
		{"azure-devops.tf", func(t *testing.T) config.Variables {
			u, tok, id := e.Portal().AzureDevOpsServiceConnection("sc://contoso/migration/target")
			t.Setenv("SYSTEM_OIDCREQUESTURI", u)
			t.Setenv("SYSTEM_ACCESSTOKEN", tok)
			return config.Variables{"service_connection_id": config.StringVariable(id)}
		}},
		{"aks-workload-identity.tf", func(t *testing.T) config.Variables {
			t.Setenv("AZURE_CLIENT_ID", seed.BootstrapClientID)
			t.Setenv("AZURE_TENANT_ID", seed.TenantID)
			t.Setenv("AZURE_FEDERATED_TOKEN_FILE", writeTemp(t, "token", []byte(e.Portal().IssueOIDCToken("aks",
				"system:serviceaccount:migration:stellar", auth.TokenExchangeAudience, time.Hour))))
			return nil
		}},
		{"oidc-token-file.tf", func(t *testing.T) config.Variables {
			file := writeTemp(t, "token", []byte(e.Portal().IssueOIDCToken("ci", "ci-job", auth.TokenExchangeAudience, time.Hour)))
			return config.Variables{"token_file": config.StringVariable(file)}
		}},
		{"managed-identity.tf", func(t *testing.T) config.Variables {
			t.Setenv("ARM_MSI_ENDPOINT", e.IMDSEndpoint())
			return config.Variables{"identity_client_id": config.StringVariable(mi.ClientID)}
		}},
		{"access-token.tf", func(t *testing.T) config.Variables {
			t.Setenv("STELLAR_ACCESS_TOKEN", graphToken(t, e, emulator.GraphResource))
			return nil
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			vars := tc.setup(t)
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				CheckDestroy:             noLiveApplication(e, "Stellar Migrator - target"),
				Steps: []resource.TestStep{{
					Config:          exampleConfig(t, "provider/"+tc.file, "sign-in/registration.tf"),
					ConfigVariables: vars,
					Check:           tenantHoldsDefault(e, "Stellar Migrator - target"),
				}},
			})
		})
	}
}
