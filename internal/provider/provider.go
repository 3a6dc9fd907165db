// Package provider is the Terraform face of the stellar provider: schemas,
// the plan/apply lifecycle and diagnostics. It talks to the tenant only
// through the tenant and auth packages.
package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

var (
	_ provider.Provider                       = &StellarProvider{}
	_ provider.ProviderWithEphemeralResources = &StellarProvider{}
)

// StellarProvider is the provider implementation.
type StellarProvider struct {
	version string
	// now is the provider's clock: time.Now, or a fixed clock in tests, so that what depends on
	// the date (secret expiry) is tested without waiting for it.
	now func() time.Time
}

// New returns a constructor for the provider, as providerserver expects.
func New(version string) func() provider.Provider {
	return NewAt(version, time.Now)
}

// NewAt is New with the clock the provider plans by.
func NewAt(version string, now func() time.Time) func() provider.Provider {
	return func() provider.Provider {
		return &StellarProvider{version: version, now: now}
	}
}

type stellarProviderModel struct {
	TenantID          types.String `tfsdk:"tenant_id"`
	ClientID          types.String `tfsdk:"client_id"`
	ClientSecret      types.String `tfsdk:"client_secret"`
	Environment       types.String `tfsdk:"environment"`
	AuthorityHost     types.String `tfsdk:"authority_host"`
	GraphEndpoint     types.String `tfsdk:"graph_endpoint"`
	CACertificateFile types.String `tfsdk:"ca_certificate_file"`
	UseCLI            types.Bool   `tfsdk:"use_cli"`
	UseDeviceCode     types.Bool   `tfsdk:"use_device_code"`
	UseBrowser        types.Bool   `tfsdk:"use_browser"`
	PublicClientID    types.String `tfsdk:"public_client_id"`
	TokenCacheDir     types.String `tfsdk:"token_cache_dir"`

	ClientCertificate         types.String `tfsdk:"client_certificate"`
	ClientCertificatePath     types.String `tfsdk:"client_certificate_path"`
	ClientCertificatePassword types.String `tfsdk:"client_certificate_password"`
	UseOIDC                   types.Bool   `tfsdk:"use_oidc"`
	OIDCToken                 types.String `tfsdk:"oidc_token"`
	OIDCTokenFilePath         types.String `tfsdk:"oidc_token_file_path"`
	OIDCRequestURL            types.String `tfsdk:"oidc_request_url"`
	OIDCRequestToken          types.String `tfsdk:"oidc_request_token"`
	ADOServiceConnectionID    types.String `tfsdk:"ado_pipeline_service_connection_id"`
	UseAKSWorkloadIdentity    types.Bool   `tfsdk:"use_aks_workload_identity"`
	UseMSI                    types.Bool   `tfsdk:"use_msi"`
	MSIEndpoint               types.String `tfsdk:"msi_endpoint"`
	AccessToken               types.String `tfsdk:"access_token"`
}

func (p *StellarProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "stellar"
	resp.Version = p.version
}

func (p *StellarProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The stellar provider connects a mailbox migration tool (such as Stellar Migrator for Exchange) " +
			"to its target Microsoft 365 tenant: it registers the application in Entra ID, assigns API permissions, grants " +
			"admin consent and creates the client credential, and validates credentials supplied by hand.\n\n" +
			"The provider signs in as an application of the target tenant that may manage applications " +
			"(`Application.ReadWrite.All`, `AppRoleAssignment.ReadWrite.All`, `DelegatedPermissionGrant.ReadWrite.All`): with a " +
			"client certificate, a client secret, a pipeline's federated token (`use_oidc`: GitHub Actions, Azure DevOps, AKS), an " +
			"Azure host's managed identity (`use_msi`) or a ready access token (`access_token`); or as a person (a Global " +
			"Administrator, as the wizard's Auto Registration does) through the Azure CLI (`use_cli`) or a device-code or browser " +
			"sign-in made with `terraform-provider-stellar login` (`use_device_code`, `use_browser`). Exactly one method is chosen: " +
			"two settings that choose different methods are an error, as is a setting the chosen method does not use. Every " +
			"setting can also come from the environment variable the azuread provider uses (`ARM_*`); the \"Signing in\" guide " +
			"has the table.",
		Attributes: map[string]schema.Attribute{
			"tenant_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The Directory (tenant) ID to sign in to: a GUID or a verified domain such as " +
					"`contoso.onmicrosoft.com`. Defaults to `ARM_TENANT_ID`, then (workload identity federation only) `AZURE_TENANT_ID`. " +
					"Required with a client secret, a client certificate, a federated token, `use_device_code` and `use_browser`; " +
					"with `use_msi` or `access_token` it is optional, and a GUID given here must be the token's tenant.",
			},
			"client_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The Application (client) ID the provider signs in with. Defaults to `ARM_CLIENT_ID`, then " +
					"(workload identity federation only) `AZURE_CLIENT_ID`. Required with a client secret, a client certificate and a " +
					"federated token; with `use_msi` it selects a user-assigned identity (default: the system-assigned one); an error " +
					"with `use_cli`, `use_device_code`, `use_browser` and `access_token`, where the token names the client.",
			},
			"client_secret": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "The client secret value (not its ID) of that application. Defaults to " +
					"`ARM_CLIENT_SECRET`. Prefer the environment variable so the secret stays out of configuration.",
			},
			"environment": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The Microsoft cloud, by the azuread provider's names: `global` (default; alias `public`), " +
					"`usgovernment` (GCC High; alias `usgovernmentl4`), `dod` (alias `usgovernmentl5`) or `china`. Each has its own " +
					"sign-in host and Microsoft Graph. Defaults to `ARM_ENVIRONMENT`.",
			},
			"authority_host": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Overrides the sign-in host of `environment`, for example `https://login.microsoftonline.com`. " +
					"Must be an `https` URL with a host; a trailing `/` is dropped. Used for custom clouds and for the tenant emulator. " +
					"Defaults to `STELLAR_AUTHORITY_HOST`, else the sign-in host of `environment` (`https://login.microsoftonline.com` " +
					"for `global`).",
			},
			"graph_endpoint": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Overrides where Microsoft Graph requests go, for example `https://graph.microsoft.com` " +
					"(without `/v1.0`). Tokens are still requested for the Graph of `environment`. Must be an `https` URL with a " +
					"host; a trailing `/` is dropped. Defaults to `STELLAR_GRAPH_ENDPOINT`, else the Microsoft Graph of `environment` " +
					"(`https://graph.microsoft.com` for `global`).",
			},
			"use_cli": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Sign in as the person signed in to the Azure CLI (`az login --allow-no-subscriptions --tenant <tenant>`), " +
					"as the azuread provider does. The provider runs `az account get-access-token` for Microsoft Graph, for `tenant_id` " +
					"when it is set; each `az` call may take at most 30 seconds. Conflicts with the settings of every other sign-in " +
					"method and with `client_id`. Default `false`; `ARM_USE_CLI`.",
			},
			"use_device_code": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Sign in as the person who signed in with `terraform-provider-stellar login -tenant <tenant>`, which " +
					"shows a device code to enter at the sign-in page. Terraform shows a provider's output to nobody, so the sign-in is " +
					"done before `terraform plan`; the provider reads it from the token cache and refreshes it silently. Needs " +
					"`tenant_id`. Default `false`; `STELLAR_USE_DEVICE_CODE`.",
			},
			"use_browser": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "As `use_device_code`, for a sign-in made in the browser with `terraform-provider-stellar login -browser`. " +
					"Default `false`; `STELLAR_USE_BROWSER`.",
			},
			"public_client_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The client a person signs in to with `use_device_code` or `use_browser`. Default: Microsoft Graph " +
					"Command Line Tools (`14d82eec-204b-4c2f-b7e8-296a70dab67e`), which asks the person to consent to the scopes it needs; " +
					"use your own public client (\"Allow public client flows\", a `http://localhost` redirect) where policy requires. " +
					"Only with `use_device_code` or `use_browser` (an error otherwise). `STELLAR_PUBLIC_CLIENT_ID`.",
			},
			"token_cache_dir": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Where `login` keeps a person's sign-in (one file per cloud, tenant and client, mode 0600). Default: " +
					"the user cache directory's `terraform-provider-stellar/tokens` (`~/.cache/...` on Linux). `terraform-provider-stellar " +
					"logout -tenant <tenant>` removes it. `STELLAR_TOKEN_CACHE_DIR`.",
			},
			"client_certificate": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "Sign in with a client certificate given inline: base64 of a PKCS#12 (.pfx) file, as in the azuread " +
					"provider, or of a PEM file (the certificate, then its private key), or the PEM text itself. The certificate must be " +
					"uploaded to the application (Certificates & secrets). The key must be RSA; a legacy encrypted PEM key " +
					"(`Proc-Type: 4,ENCRYPTED`) is refused. Needs `tenant_id` and `client_id`; conflicts with `client_certificate_path`. " +
					"Default: `ARM_CLIENT_CERTIFICATE`, else none.",
			},
			"client_certificate_path": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Sign in with the client certificate in this file: PKCS#12 (.pfx) or PEM with the certificate and " +
					"its PKCS#8 or PKCS#1 private key (RSA only). Needs `tenant_id` and `client_id`; conflicts with `client_certificate`. " +
					"Default: `ARM_CLIENT_CERTIFICATE_PATH`, else none.",
			},
			"client_certificate_password": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "The password of the PKCS#12 file or of an encrypted PKCS#8 (`ENCRYPTED PRIVATE KEY`) key. " +
					"Only with a client certificate (an error otherwise). Default: `ARM_CLIENT_CERTIFICATE_PASSWORD`, else none " +
					"(an unencrypted key).",
			},
			"use_oidc": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Sign in with workload identity federation: a token from the pipeline's identity provider, " +
					"trusted by a federated identity credential on the application. The token comes from `oidc_token`, " +
					"`oidc_token_file_path`, Azure DevOps (`ado_pipeline_service_connection_id`), GitHub Actions " +
					"(`ACTIONS_ID_TOKEN_REQUEST_URL`, for a job with `permissions: id-token: write`) or AKS workload identity " +
					"(`AZURE_FEDERATED_TOKEN_FILE`), in that order. Default `false`; `ARM_USE_OIDC`.",
			},
			"oidc_token": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "The federated token itself (a JWT). Setting it chooses workload identity federation. Conflicts " +
					"with `oidc_token_file_path` and `ado_pipeline_service_connection_id`. Default: `ARM_OIDC_TOKEN`, else none.",
			},
			"oidc_token_file_path": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "A file holding the federated token, read again whenever a token is renewed (Kubernetes rotates " +
					"it in place). Setting it chooses workload identity federation. Conflicts with `oidc_token` and " +
					"`ado_pipeline_service_connection_id`. Default: `ARM_OIDC_TOKEN_FILE_PATH`; on AKS `AZURE_FEDERATED_TOKEN_FILE` " +
					"is used when nothing else is set.",
			},
			"oidc_request_url": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The pipeline's endpoint that issues federated tokens. Default: `ARM_OIDC_REQUEST_URL`, else " +
					"`ACTIONS_ID_TOKEN_REQUEST_URL` (GitHub Actions) or, with `ado_pipeline_service_connection_id`, " +
					"`SYSTEM_OIDCREQUESTURI` (Azure Pipelines). Only with workload identity federation (an error otherwise); " +
					"needs `oidc_request_token`.",
			},
			"oidc_request_token": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "The bearer token for `oidc_request_url`. Default: `ARM_OIDC_REQUEST_TOKEN`, else " +
					"`ACTIONS_ID_TOKEN_REQUEST_TOKEN` (GitHub Actions) or `SYSTEM_ACCESSTOKEN` (Azure Pipelines). Only with workload " +
					"identity federation (an error otherwise); needs `oidc_request_url`.",
			},
			"ado_pipeline_service_connection_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The ID of the Azure DevOps service connection (workload identity federation) whose token the " +
					"provider requests. Setting it chooses workload identity federation. Conflicts with `oidc_token` and " +
					"`oidc_token_file_path`. Default: `ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID` or " +
					"`ARM_OIDC_AZURE_SERVICE_CONNECTION_ID`, else none.",
			},
			"use_aks_workload_identity": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Sign in with AKS workload identity: the token file, client and tenant the webhook sets " +
					"(`AZURE_FEDERATED_TOKEN_FILE`, `AZURE_CLIENT_ID`, `AZURE_TENANT_ID`), unless set here. Default `false`; " +
					"`ARM_USE_AKS_WORKLOAD_IDENTITY`.",
			},
			"use_msi": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Sign in as the Azure host's managed identity: the system-assigned one, or the user-assigned one " +
					"whose client ID is `client_id`. The endpoint is the host's (App Service and Functions, Cloud Shell, Arc, a VM's " +
					"IMDS) unless `msi_endpoint` is set. Default `false`; `ARM_USE_MSI`.",
			},
			"msi_endpoint": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "An IMDS-shaped managed identity endpoint to use instead of the host's, such as " +
					"`http://169.254.169.254/metadata/identity/oauth2/token` or the tenant emulator's: an `http` or `https` URL. Only " +
					"with `use_msi` (an error otherwise). Default: `ARM_MSI_ENDPOINT`, else the host's own endpoint.",
			},
			"access_token": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "A ready Microsoft Graph access token, for pipelines that already hold one. The provider cannot " +
					"renew it: a token that has expired, or is for another audience, is an error at plan time. Conflicts with " +
					"`client_id` and every other sign-in method. Default: `STELLAR_ACCESS_TOKEN`, else none.",
			},
			"ca_certificate_file": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "A PEM file of extra certificate authorities to trust, on top of the system's, for " +
					"example the tenant emulator's CA or a TLS-inspecting proxy's; it must hold at least one PEM certificate. " +
					"Verification is never turned off. Defaults to `STELLAR_CA_CERTIFICATE_FILE`, else none (the system's CAs " +
					"only); `SSL_CERT_FILE` works too.",
			},
		},
	}
}

// providerData is what Configure hands to every resource and data source.
type providerData struct {
	cloud      auth.Cloud
	httpClient *http.Client
	// session signs in on first use (requireTenant); nil when the provider has no
	// credentials of its own, which the validation data source does not need.
	session *session
	// tenant, tenantID and caller are set by the sign-in.
	tenant   *tenant.Client
	tenantID string // the GUID from the token, even when tenant_id was a domain
	now      func() time.Time
	// caller is who the provider signed in as (an application or a person), from the
	// token: the plan-time preflight decides from it what the caller may do.
	caller  auth.Claims
	missing []string
	// orphanFree lets a create skip the look for an earlier registration its plan just made.
	orphanFree orphanFree
}

// secretSignsIn signs in to the tenant as clientID with secret: the check a rotation makes
// before it retires the old secret.
func (d *providerData) secretSignsIn(ctx context.Context, clientID, secret string) error {
	cred, err := auth.NewClientSecretCredential(auth.ClientSecretOptions{AuthorityHost: d.cloud.AuthorityHost, TenantID: d.tenantID,
		ClientID: clientID, ClientSecret: secret, HTTPClient: d.httpClient})
	if err != nil {
		return err
	}
	_, err = cred.Token(ctx, d.cloud.GraphResource)
	return err
}

// adminConsentURL is the admin consent page of the application clientID in the tenant.
func (d *providerData) adminConsentURL(clientID string) string {
	return strings.TrimRight(d.cloud.AuthorityHost, "/") + "/" + d.tenantID + "/adminconsent?client_id=" + clientID
}

// requireTenant signs in (once per provider process) and returns the tenant client; nil, with
// the sign-in's error or the settings that are missing in diags, when it cannot.
func (d *providerData) requireTenant(ctx context.Context, diags *diag.Diagnostics) *tenant.Client {
	if d.session == nil {
		diags.AddError("No credentials for the target tenant", d.noCredentials().Error())
		return nil
	}
	if od := d.open(ctx); od.HasError() {
		diags.Append(od...)
		return nil
	}
	return d.tenant
}

// noCredentials explains which settings are missing.
func (d *providerData) noCredentials() error {
	return fmt.Errorf("the provider has no credentials to manage the tenant: set %s in the provider block "+
		"or the environment (ARM_TENANT_ID, ARM_CLIENT_ID, ARM_CLIENT_SECRET), or another way of signing in (a client "+
		"certificate, use_oidc, use_msi, access_token; the \"Signing in\" guide lists them), or sign in as a person with "+
		"use_cli, use_device_code or use_browser", strings.Join(d.missing, ", "))
}

// configuredData unpacks what Configure handed to a resource or data
// source; nil while the provider is not configured yet.
func configuredData(raw any, diags *diag.Diagnostics) *providerData {
	if raw == nil {
		return nil
	}
	data, ok := raw.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *providerData, got %T; this is a bug in the provider", raw))
	}
	return data
}

func (p *StellarProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg stellarProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || cfg.hasUnknown() {
		// A value known only after another resource is applied: configure later.
		return
	}
	s, diags := readSettings(cfg)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, "client_secret", "client_certificate_password", "oidc_token", "oidc_request_token", "access_token")
	for _, secret := range []string{s.clientSecret, s.certificatePassword, s.oidc.token, s.oidc.requestToken, s.accessToken} {
		if secret != "" {
			ctx = tflog.MaskMessageStrings(ctx, secret)
		}
	}
	s.now = p.now
	data, diags := connect(ctx, s)
	resp.Diagnostics.Append(diags...)
	if data == nil {
		return
	}
	data.now = p.now
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.EphemeralResourceData = data
}

// hasUnknown reports whether a setting waits for another resource's apply.
func (m stellarProviderModel) hasUnknown() bool {
	for _, v := range []attr.Value{m.TenantID, m.ClientID, m.ClientSecret, m.Environment, m.AuthorityHost, m.GraphEndpoint,
		m.CACertificateFile, m.UseCLI, m.UseDeviceCode, m.UseBrowser, m.PublicClientID, m.TokenCacheDir, m.ClientCertificate,
		m.ClientCertificatePath, m.ClientCertificatePassword, m.UseOIDC, m.OIDCToken, m.OIDCTokenFilePath, m.OIDCRequestURL,
		m.OIDCRequestToken, m.ADOServiceConnectionID, m.UseAKSWorkloadIdentity, m.UseMSI, m.MSIEndpoint, m.AccessToken} {
		if v.IsUnknown() {
			return true
		}
	}
	return false
}

// personOptions are the options of a person's sign-in for s.
func personOptions(s settings, hc *http.Client) auth.PersonOptions {
	return auth.PersonOptions{AuthorityHost: s.cloud.AuthorityHost, TenantID: s.tenantID, ClientID: s.publicClientID,
		CacheDir: s.tokenCacheDir, HTTPClient: hc, GraphResource: s.cloud.GraphResource}
}

// addSignInErrorInWords is addSignInError for a resource's or data source's diagnostics,
// which cannot point at a provider setting: the setting is named in the summary.
func addSignInErrorInWords(diags *diag.Diagnostics, err error, summary string) {
	var aerr *auth.Error
	if errors.As(err, &aerr) && aerr.Setting != "" {
		said := "Sign-in failed"
		if aerr.FromEntra() {
			said = "The token service answered"
		}
		diags.AddError(summary+" (check provider setting "+aerr.Setting+")", fmt.Sprintf("%s: %s\n\nHow to fix it: %s", said, aerr.Error(), aerr.Fix()))
		return
	}
	addSignInError(diags, err, summary)
}

func addSignInError(diags *diag.Diagnostics, err error, summary string) {
	var aerr *auth.Error
	if errors.As(err, &aerr) {
		said := "Sign-in failed"
		if aerr.FromEntra() {
			said = "The token service answered"
		}
		detail := fmt.Sprintf("%s: %s\n\nHow to fix it: %s", said, aerr.Error(), aerr.Fix())
		// The auth package knows which setting each AADSTS code points at.
		// A diagnostic on an attribute makes Terraform print its source
		// line, so a sensitive one is named in words instead.
		switch aerr.Setting {
		case "":
			diags.AddError(summary, detail)
		case "client_secret", "client_certificate", "client_certificate_password", "oidc_token", "oidc_request_token", "access_token":
			diags.AddError(summary+" (check "+aerr.Setting+")", detail)
		default:
			diags.AddAttributeError(path.Root(aerr.Setting), summary, detail)
		}
		return
	}
	diags.AddError(summary, err.Error())
}

func (p *StellarProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewTargetRegistrationResource,
	}
}

func (p *StellarProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewTargetValidationDataSource,
	}
}

func (p *StellarProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewTargetValidationEphemeralResource,
	}
}
