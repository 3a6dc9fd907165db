package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSourceWithConfigure        = &TargetValidationDataSource{}
	_ datasource.DataSourceWithConfigValidators = &TargetValidationDataSource{}
)

// NewTargetValidationDataSource is the constructor providerserver uses.
func NewTargetValidationDataSource() datasource.DataSource {
	return &TargetValidationDataSource{}
}

// TargetValidationDataSource is the Validate button as a data source.
type TargetValidationDataSource struct {
	data *providerData
}

func (d *TargetValidationDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_target_validation"
}

func validationPermissionAttributes(computed bool) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"api":         schema.StringAttribute{Required: !computed, Computed: computed, MarkdownDescription: "The API: `microsoft_graph`, `exchange_online` or an application ID.", Validators: stringValidators(!computed, apiNameValidator{})},
		"application": schema.SetAttribute{Optional: !computed, Computed: computed, ElementType: types.StringType, MarkdownDescription: "Application permissions by name, case-sensitive, for example `Mail.ReadWrite`; an empty or blank name is an error. Default: none.", Validators: setValidators(!computed, permissionNamesValidator{})},
		"delegated":   schema.SetAttribute{Optional: !computed, Computed: computed, ElementType: types.StringType, MarkdownDescription: "Delegated permissions by name (not checked: app-only tokens carry none). Default: none.", Validators: setValidators(!computed, permissionNamesValidator{})},
	}
}

func setValidators(on bool, vs ...validator.Set) []validator.Set {
	if !on {
		return nil
	}
	return vs
}

func stringValidators(on bool, vs ...validator.String) []validator.String {
	if !on {
		return nil
	}
	return vs
}

func (d *TargetValidationDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computedPermissions := func(desc string) schema.SetNestedAttribute {
		return schema.SetNestedAttribute{Computed: true, MarkdownDescription: desc, NestedObject: schema.NestedAttributeObject{Attributes: validationPermissionAttributes(true)}}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: validationDescription + "\n\nThe inputs, the client secret and `client_certificate` with its private key included, " +
			"are kept in state like any data source's; " +
			"use the `stellar_target_validation` ephemeral resource (Terraform 1.10+) to keep them out of state.",
		Attributes: map[string]schema.Attribute{
			"email_address":      schema.StringAttribute{Required: true, MarkdownDescription: descEmail, Validators: []validator.String{emailFormat}},
			"client_id":          schema.StringAttribute{Required: true, MarkdownDescription: descClientID, Validators: []validator.String{clientIDFormat}},
			"tenant_id":          schema.StringAttribute{Required: true, MarkdownDescription: descTenantID, Validators: []validator.String{tenantFormat}},
			"client_secret":      schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: descSecret},
			"client_certificate": schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: descCertificate},
			"client_certificate_password": schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: descCertPass,
				Validators: []validator.String{stringvalidator.AlsoRequires(path.MatchRoot("client_certificate"))}},
			"required_permissions": schema.SetNestedAttribute{Optional: true, MarkdownDescription: descRequired,
				NestedObject: schema.NestedAttributeObject{Attributes: validationPermissionAttributes(false)},
				Validators: []validator.Set{notEmptySet{"required_permissions",
					"Leave required_permissions out to check the default migration set, or list the permissions the migration tool needs."}}},
			"permission_set": schema.StringAttribute{Optional: true, MarkdownDescription: descPermissionSet, Validators: []validator.String{presetValidator{}}},
			"credential_expiry_window_days": schema.Int64Attribute{Optional: true, MarkdownDescription: descExpiryWindow,
				Validators: []validator.Int64{int64validator.Between(1, 3650)}},
			"fail_on_invalid":       schema.BoolAttribute{Optional: true, MarkdownDescription: descFailOnInvalid},
			"valid":                 schema.BoolAttribute{Computed: true, MarkdownDescription: descValid},
			"checks":                schema.ListNestedAttribute{Computed: true, MarkdownDescription: descChecks, NestedObject: schema.NestedAttributeObject{Attributes: checkAttributes()}},
			"missing_permissions":   computedPermissions(descMissing),
			"granted_permissions":   computedPermissions(descGranted),
			"excess_permissions":    computedPermissions(descExcess),
			"tenant_display_name":   schema.StringAttribute{Computed: true, MarkdownDescription: descTenantName},
			"resolved_tenant_id":    schema.StringAttribute{Computed: true, MarkdownDescription: descResolvedTID},
			"user_id":               schema.StringAttribute{Computed: true, MarkdownDescription: descUserID},
			"token_expires_at":      schema.StringAttribute{Computed: true, MarkdownDescription: descTokenExpires},
			"credential_expires_at": schema.StringAttribute{Computed: true, MarkdownDescription: descCredentialExpires},
		},
	}
}

func checkAttributes() map[string]schema.Attribute {
	attrs := map[string]schema.Attribute{}
	for name, desc := range checkFieldDescriptions {
		attrs[name] = schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	return attrs
}

var checkFieldDescriptions = map[string]string{
	"name":   "The check.",
	"status": "`passed`, `failed` or `skipped`.",
	"detail": "What was found.",
	"fix":    "What to do, for a failed check.",
	"code":   "The AADSTS or Microsoft Graph error code behind a failure.",
}

func (d *TargetValidationDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("client_secret"), path.MatchRoot("client_certificate")),
	}
}

func (d *TargetValidationDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (d *TargetValidationDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m targetValidationModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	runValidation(ctx, d.data, &m, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
