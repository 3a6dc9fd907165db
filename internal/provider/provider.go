// Package provider is the Terraform face of the stellar provider: schemas,
// the plan/apply lifecycle and diagnostics. It talks to the tenant only
// through the tenant and auth packages.
package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

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
}

// New returns a constructor for the provider, as providerserver expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &StellarProvider{version: version}
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
			"(`Application.ReadWrite.All`, `AppRoleAssignment.ReadWrite.All`, `DelegatedPermissionGrant.ReadWrite.All`). " +
			"Every setting can also come from the environment variables that the azuread provider uses (`ARM_*`).",
		Attributes: map[string]schema.Attribute{
			"tenant_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The Directory (tenant) ID to sign in to: a GUID or a verified domain such as " +
					"`contoso.onmicrosoft.com`. Defaults to `ARM_TENANT_ID`.",
			},
			"client_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The Application (client) ID the provider signs in with. Defaults to `ARM_CLIENT_ID`.",
			},
			"client_secret": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "The client secret value (not its ID) of that application. Defaults to " +
					"`ARM_CLIENT_SECRET`. Prefer the environment variable so the secret stays out of configuration.",
			},
			"environment": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The Microsoft cloud: `global` (default), `usgovernment` or `china`. Each has its own " +
					"sign-in host and Microsoft Graph endpoint. Defaults to `ARM_ENVIRONMENT`.",
			},
			"authority_host": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Overrides the sign-in host of `environment`, for example `https://login.microsoftonline.com`. " +
					"Must be `https`. Used for custom clouds and for the tenant emulator. Defaults to `STELLAR_AUTHORITY_HOST`.",
			},
			"graph_endpoint": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Overrides where Microsoft Graph requests go, for example `https://graph.microsoft.com` " +
					"(without `/v1.0`). Tokens are still requested for the Graph of `environment`. Must be `https`. " +
					"Defaults to `STELLAR_GRAPH_ENDPOINT`.",
			},
			"ca_certificate_file": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "A PEM file of extra certificate authorities to trust, on top of the system's, for " +
					"example the tenant emulator's CA or a TLS-inspecting proxy's. Verification is never turned off. " +
					"Defaults to `STELLAR_CA_CERTIFICATE_FILE`; `SSL_CERT_FILE` works too.",
			},
		},
	}
}

// providerData is what Configure hands to every resource and data source.
type providerData struct {
	cloud      auth.Cloud
	httpClient *http.Client
	// tenant is nil when the provider has no credentials of its own; the
	// validation data source does not need them.
	tenant   *tenant.Client
	tenantID string // the GUID from the token, even when tenant_id was a domain
	missing  []string
}

// requireTenant returns the tenant client or explains which settings are missing.
func (d *providerData) requireTenant() (*tenant.Client, error) {
	if d.tenant != nil {
		return d.tenant, nil
	}
	return nil, fmt.Errorf("the provider has no credentials to manage the tenant: set %s in the provider block "+
		"or the environment (ARM_TENANT_ID, ARM_CLIENT_ID, ARM_CLIENT_SECRET)", strings.Join(d.missing, ", "))
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

func stringSetting(v types.String, env ...string) string {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString()
	}
	for _, e := range env {
		if s := os.Getenv(e); s != "" {
			return s
		}
	}
	return ""
}

func (p *StellarProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg stellarProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// A value known only after another resource is applied: configure later.
	for _, v := range []types.String{cfg.TenantID, cfg.ClientID, cfg.ClientSecret, cfg.Environment, cfg.AuthorityHost, cfg.GraphEndpoint, cfg.CACertificateFile} {
		if v.IsUnknown() {
			return
		}
	}

	envName := stringSetting(cfg.Environment, "ARM_ENVIRONMENT")
	if envName == "" {
		envName = "global"
	}
	cloud, ok := auth.LookupCloud(envName)
	if !ok {
		resp.Diagnostics.AddAttributeError(path.Root("environment"), "Unknown environment",
			fmt.Sprintf("environment %q is not a Microsoft cloud this provider knows. Use one of global, usgovernment or china, "+
				"or set authority_host and graph_endpoint for a custom cloud.", envName))
		return
	}
	for _, o := range []struct {
		attr, env string
		value     types.String
		target    *string
	}{
		{"authority_host", "STELLAR_AUTHORITY_HOST", cfg.AuthorityHost, &cloud.AuthorityHost},
		{"graph_endpoint", "STELLAR_GRAPH_ENDPOINT", cfg.GraphEndpoint, &cloud.GraphEndpoint},
	} {
		s := stringSetting(o.value, o.env)
		if s == "" {
			continue
		}
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			resp.Diagnostics.AddAttributeError(path.Root(o.attr), "Invalid "+o.attr,
				fmt.Sprintf("%s must be an https URL such as https://login.microsoftonline.com, got %q (from %s or %s). "+
					"Microsoft's sign-in library accepts only https; for the tenant emulator use the URL it prints.", o.attr, s, o.attr, o.env))
			return
		}
		*o.target = strings.TrimRight(s, "/")
	}

	caFile := stringSetting(cfg.CACertificateFile, "STELLAR_CA_CERTIFICATE_FILE")
	httpClient, err := auth.NewHTTPClient(caFile)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("ca_certificate_file"), "Cannot read the CA certificate file", err.Error())
		return
	}

	data := &providerData{cloud: cloud, httpClient: httpClient}
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.EphemeralResourceData = data

	tenantID := stringSetting(cfg.TenantID, "ARM_TENANT_ID")
	clientID := stringSetting(cfg.ClientID, "ARM_CLIENT_ID")
	secret := stringSetting(cfg.ClientSecret, "ARM_CLIENT_SECRET")
	for _, s := range []struct{ name, value string }{{"tenant_id", tenantID}, {"client_id", clientID}, {"client_secret", secret}} {
		if s.value == "" {
			data.missing = append(data.missing, s.name)
		}
	}
	if len(data.missing) == 3 {
		tflog.Info(ctx, "provider has no credentials; only credential-free data sources will work")
		return
	}
	if len(data.missing) > 0 {
		for _, m := range data.missing {
			resp.Diagnostics.AddAttributeError(path.Root(m), "Incomplete provider credentials",
				fmt.Sprintf("%s is not set, but other sign-in settings are. Set %s in the provider block or its ARM_* "+
					"environment variable (tenant_id: ARM_TENANT_ID, client_id: ARM_CLIENT_ID, client_secret: ARM_CLIENT_SECRET).", m, m))
		}
		return
	}
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, "client_secret")
	ctx = tflog.MaskMessageStrings(ctx, secret)

	cred, err := auth.NewClientSecretCredential(auth.ClientSecretOptions{
		AuthorityHost: cloud.AuthorityHost,
		TenantID:      tenantID,
		ClientID:      clientID,
		ClientSecret:  secret,
		HTTPClient:    httpClient,
	})
	if err != nil {
		resp.Diagnostics.AddError("Cannot set up sign-in", err.Error())
		return
	}
	// Sign in now, so that a wrong tenant, client or secret is reported once,
	// against the setting at fault, before any resource is planned.
	tok, err := cred.Token(ctx, cloud.GraphResource)
	if err != nil {
		addSignInError(&resp.Diagnostics, err, "The provider could not sign in to the target tenant")
		return
	}
	claims, err := auth.ParseClaims(tok.Value)
	if err != nil {
		resp.Diagnostics.AddError("Unreadable access token", "The token service returned an access token the provider cannot read: "+err.Error())
		return
	}
	data.tenantID = claims.TenantID

	client, err := tenant.New(tenant.Config{
		Endpoint:   cloud.GraphEndpoint,
		Resource:   cloud.GraphResource,
		HTTPClient: httpClient,
		Tokens: func(ctx context.Context, resource string) (string, error) {
			t, err := cred.Token(ctx, resource)
			return t.Value, err
		},
	})
	if err != nil {
		resp.Diagnostics.AddError("Cannot set up the Microsoft Graph client", err.Error())
		return
	}
	data.tenant = client
	tflog.Debug(ctx, "signed in to the target tenant", map[string]any{"tenant_id": claims.TenantID, "client_id": clientID})
}

func addSignInError(diags *diag.Diagnostics, err error, summary string) {
	var aerr *auth.Error
	if errors.As(err, &aerr) {
		detail := fmt.Sprintf("The token service answered: %s\n\nHow to fix it: %s", aerr.Error(), aerr.Fix())
		// The auth package knows which setting each AADSTS code points at.
		// A diagnostic on an attribute makes Terraform print its source
		// line, so a sensitive one is named in words instead.
		switch aerr.Setting {
		case "":
			diags.AddError(summary, detail)
		case "client_secret", "client_certificate", "client_certificate_password":
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
