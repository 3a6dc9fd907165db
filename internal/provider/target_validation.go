package provider

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/permissions"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/validation"
)

// targetValidationModel is shared by the data source and the ephemeral
// resource: the same inputs, the same report.
type targetValidationModel struct {
	EmailAddress              types.String `tfsdk:"email_address"`
	ClientID                  types.String `tfsdk:"client_id"`
	TenantID                  types.String `tfsdk:"tenant_id"`
	ClientSecret              types.String `tfsdk:"client_secret"`
	ClientCertificate         types.String `tfsdk:"client_certificate"`
	ClientCertificatePassword types.String `tfsdk:"client_certificate_password"`
	RequiredPermissions       types.Set    `tfsdk:"required_permissions"`
	PermissionSet             types.String `tfsdk:"permission_set"`
	ExpiryWindowDays          types.Int64  `tfsdk:"credential_expiry_window_days"`
	CredentialExpiresAt       types.String `tfsdk:"credential_expires_at"`
	FailOnInvalid             types.Bool   `tfsdk:"fail_on_invalid"`
	Valid                     types.Bool   `tfsdk:"valid"`
	Checks                    types.List   `tfsdk:"checks"`
	MissingPermissions        types.Set    `tfsdk:"missing_permissions"`
	GrantedPermissions        types.Set    `tfsdk:"granted_permissions"`
	ExcessPermissions         types.Set    `tfsdk:"excess_permissions"`
	TenantDisplayName         types.String `tfsdk:"tenant_display_name"`
	ResolvedTenantID          types.String `tfsdk:"resolved_tenant_id"`
	UserID                    types.String `tfsdk:"user_id"`
	TokenExpiresAt            types.String `tfsdk:"token_expires_at"`
}

var checkObjectType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"name": types.StringType, "status": types.StringType, "detail": types.StringType, "fix": types.StringType, "code": types.StringType,
}}

type checkModel struct {
	Name   string `tfsdk:"name"`
	Status string `tfsdk:"status"`
	Detail string `tfsdk:"detail"`
	Fix    string `tfsdk:"fix"`
	Code   string `tfsdk:"code"`
}

// Descriptions shared by both schemas.
const (
	validationDescription = "Checks credentials of an application that was registered by hand (or by another team, or " +
		"kept in a vault) against the target tenant: the Validate button of Manual Registration. Each check is " +
		"reported with its status, detail and, on failure, the fix: `input_format`, `tenant_exists`, " +
		"`client_credentials`, `token_tenant`, `admin_consent`, `user_mailbox`, `exchange_access`, `directory_role` and " +
		"`credential_expiry`.\n\n" +
		"By default a failed check is an error that stops the plan; with `fail_on_invalid = false` the report is " +
		"returned for `check` blocks and outputs."
	descEmail       = "The email address of any user of the target tenant, for example `adele.vance@contoso.com`: a bare address (no display name) whose domain is a DNS name; checked at plan time."
	descClientID    = "The Application (client) ID to validate: a GUID, checked at plan time."
	descTenantID    = "The Directory (tenant) ID (a GUID) or a verified domain such as `contoso.onmicrosoft.com`, checked at plan time. Not taken from the provider block: the application validated may be another than the provider's."
	descSecret      = "The client secret value (not its ID). Exactly one of `client_secret` and `client_certificate` is required; no default."
	descCertificate = "The certificate with its private key, used instead of `client_secret`: PEM (the certificate, then its PKCS#8 or PKCS#1 key), or a PKCS#12 (.pfx) file as base64. The key must be RSA. No default."
	descCertPass    = "The password of an encrypted PKCS#8 key or of the PKCS#12 file in `client_certificate`. Only with `client_certificate` (an error otherwise); default: none (an unencrypted key)."
	descRequired    = "The permissions the migration tool needs, in the shape of `stellar_target_registration.api_permissions`, " +
		"added to those of `permission_set`. Default: the permission set's (the `graph` set without one). Only application permissions can be checked: an app-only token carries no delegated ones. " +
		"An empty list is an error. When the provider has credentials of its own, names are looked up in the tenant's catalogue " +
		"of each API when the validation runs, so a misspelt name is an error with close matches."
	descPermissionSet = "The permission set the migration tool was registered with, as `stellar_target_registration.permission_set`: " +
		"its permissions are required, and with `exchange_powershell` the `directory_role` check requires the Exchange Administrator " +
		"role on the application's service principal. Default: none (`required_permissions`, or the `graph` set)."
	descExpiryWindow = "The `credential_expiry` check fails when the secret or certificate expires within this many days " +
		"(default 30, 1 to 3650). The check reads the application's credentials with the provider's own sign-in and is " +
		"skipped without one."
	descCredentialExpires = "When the validated secret or certificate expires (RFC 3339), when the provider could read it."
	descFailOnInvalid     = "Whether a failed check is an error (default `true`). Set `false` to read the report in `check` blocks or outputs."
	descValid             = "True when every check passed or was skipped."
	descChecks            = "Every check, in order, with `name`, `status` (`passed`, `failed`, `skipped`), `detail`, `fix` and `code` (the AADSTS or Graph error code)."
	descMissing           = "Required application permissions that are not consented, by API."
	descGranted           = "Application permissions consented to the app, read from its tokens, by API."
	descExcess            = "Consented application permissions beyond those required: candidates for trimming, for least privilege."
	descTenantName        = "The tenant's display name, when the app may read the organization (Organization.Read.All)."
	descResolvedTID       = "The tenant's ID (GUID) from the token, also when `tenant_id` was a domain."
	descUserID            = "The object ID of the user with `email_address`."
	descTokenExpires      = "When the Microsoft Graph token issued during validation expires (RFC 3339)."
)

// formatValidator checks a format at plan time, where the value is known,
// naming the attribute and what a right value looks like.
type formatValidator struct {
	description string
	problem     func(string) string
}

func (v formatValidator) Description(context.Context) string         { return v.description }
func (v formatValidator) MarkdownDescription(context.Context) string { return v.description }
func (v formatValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if p := v.problem(req.ConfigValue.ValueString()); p != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+v.description, p)
	}
}

var (
	emailFormat    = formatValidator{"email address", validation.EmailProblem}
	clientIDFormat = formatValidator{"client ID", validation.ClientIDProblem}
	tenantFormat   = formatValidator{"tenant", validation.TenantProblem}
)

// runValidation turns the configuration into a validation run and the
// report back into the model, adding error diagnostics for failed checks
// when fail_on_invalid is on.
func runValidation(ctx context.Context, data *providerData, m *targetValidationModel, diags *diag.Diagnostics) {
	if data == nil {
		diags.AddError("Provider not configured", "The stellar provider was not configured before use.")
		return
	}
	preset := chosenPreset(m.PermissionSet)
	required := permissions.DefaultSet()
	switch {
	case !m.RequiredPermissions.IsNull():
		models, d := permissionModels(ctx, m.RequiredPermissions)
		diags.Append(d...)
		required = permissions.Combine(preset.Requests, requestsOf(models))
	case preset.Name == permissions.PresetCustom && !m.PermissionSet.IsNull():
		diags.AddAttributeError(path.Root("required_permissions"), "permission_set = \"custom\" needs required_permissions",
			"The custom permission set requires only what required_permissions lists, and it lists nothing. Add "+
				"required_permissions, or choose a permission set such as \"graph\".")
		return
	case !m.PermissionSet.IsNull():
		required = preset.Requests
	}
	if !checkRequiredNames(ctx, data, required, diags) {
		return
	}
	in := validation.Input{
		Cloud: data.cloud, HTTPClient: data.httpClient,
		TenantID: m.TenantID.ValueString(), ClientID: m.ClientID.ValueString(),
		ClientSecret: m.ClientSecret.ValueString(), EmailAddress: m.EmailAddress.ValueString(),
		Certificate: []byte(m.ClientCertificate.ValueString()), CertificatePassword: m.ClientCertificatePassword.ValueString(),
		Required: required, DirectoryRoles: preset.DirectoryRoles,
		Now: data.now(), ExpiryWindow: validation.DefaultExpiryWindow,
	}
	if !m.ExpiryWindowDays.IsNull() {
		in.ExpiryWindow = time.Duration(m.ExpiryWindowDays.ValueInt64()) * 24 * time.Hour
	}
	if data.session != nil {
		if client := data.requireTenant(ctx, diags); client != nil {
			in.Directory = client
		}
	}
	report := validation.Run(ctx, in)

	var checks []checkModel
	for _, c := range report.Checks {
		checks = append(checks, checkModel(c))
	}
	var d diag.Diagnostics
	m.Checks, d = types.ListValueFrom(ctx, checkObjectType, checks)
	diags.Append(d...)
	m.Valid = types.BoolValue(report.Valid)
	for _, out := range []struct {
		target *types.Set
		from   map[string][]string
	}{{&m.MissingPermissions, report.Missing}, {&m.GrantedPermissions, report.Granted}, {&m.ExcessPermissions, report.Excess}} {
		*out.target, d = permissionSetValue(ctx, byAPI(out.from))
		diags.Append(d...)
	}
	m.TenantDisplayName = optionalString(report.TenantDisplayName)
	m.ResolvedTenantID = optionalString(report.TenantID)
	m.UserID = optionalString(report.UserID)
	m.CredentialExpiresAt = types.StringNull()
	if !report.CredentialExpiresAt.IsZero() {
		m.CredentialExpiresAt = types.StringValue(report.CredentialExpiresAt.UTC().Format(time.RFC3339))
	}
	m.TokenExpiresAt = types.StringNull()
	if !report.TokenExpiresAt.IsZero() {
		m.TokenExpiresAt = types.StringValue(report.TokenExpiresAt.UTC().Format(time.RFC3339))
	}
	// fail_on_invalid defaults to true; the configured value is left as it is.
	if !m.FailOnInvalid.IsNull() && !m.FailOnInvalid.ValueBool() {
		return
	}
	for _, c := range report.Checks {
		if c.Status != validation.Failed {
			continue
		}
		detail := c.Detail
		if c.Code != "" {
			detail += "\n\nCode: " + c.Code
		}
		if c.Fix != "" {
			detail += "\n\nHow to fix it: " + c.Fix
		}
		detail += "\n\nSet fail_on_invalid = false to get the report without failing."
		summary := fmt.Sprintf("Validation check %q failed", c.Name)
		if p, ok := blamedAttribute(c); ok {
			diags.AddAttributeError(p, summary, detail)
		} else {
			diags.AddError(summary, detail)
		}
	}
}

// checkRequiredNames looks required_permissions up in the tenant's catalogue of each API, as
// the registration does, so that a misspelt name is an error with close matches rather than
// a permission reported as not consented. Without credentials of its own the provider cannot
// read the catalogue; the names are then compared with the token as written.
func checkRequiredNames(ctx context.Context, data *providerData, required []permissions.Request, diags *diag.Diagnostics) bool {
	if data.session == nil {
		return true
	}
	client := data.requireTenant(ctx, diags)
	if client == nil {
		return false
	}
	attr := path.Root("required_permissions")
	for _, req := range required {
		appID, err := permissions.APIAppID(req.API)
		if err != nil {
			diags.AddAttributeError(attr, "Unknown API", err.Error())
			continue
		}
		sp, err := client.Catalogue(ctx, appID)
		if err != nil {
			continue // an API the tenant lacks is the checks' to report
		}
		_, errs := permissions.Resolve(req, catalogue(sp))
		for _, e := range errs {
			diags.AddAttributeError(attr, "Unknown permission", e.Error()+
				" Names are case-sensitive and come from the API's own catalogue in this tenant.")
		}
	}
	return !diags.HasError()
}

// blamedAttribute names the input a failed check points at. It names no
// sensitive input: Terraform would print that input's source line.
func blamedAttribute(c validation.Check) (path.Path, bool) {
	switch c.Code {
	case "AADSTS90002", "AADSTS900023":
		return path.Root("tenant_id"), true
	case "AADSTS700016", "AADSTS7000229":
		return path.Root("client_id"), true
	case "AADSTS7000215", "AADSTS7000222":
		return path.Empty(), false
	}
	switch c.Name {
	case validation.CheckUserMailbox:
		return path.Root("email_address"), true
	case validation.CheckAdminConsent, validation.CheckExchangeAccess:
		return path.Root("required_permissions"), true
	case validation.CheckTokenTenant, validation.CheckTenantExists:
		return path.Root("tenant_id"), true
	}
	return path.Empty(), false
}

func byAPI(m map[string][]string) []apiPermissionModel {
	out := []apiPermissionModel{}
	apis := make([]string, 0, len(m))
	for api := range m {
		apis = append(apis, api)
	}
	sort.Strings(apis)
	for _, api := range apis {
		if len(m[api]) == 0 {
			continue
		}
		out = append(out, apiPermissionModel{API: api, Application: m[api], Delegated: []string{}})
	}
	return out
}

func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
