package provider

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Validators whose messages say what is wrong and how to fix it, in the provider's words:
// the framework's generic ones ("string length must be between 1 and 256") do the first only.

// displayNameValidator: Entra ID's displayName is 1 to 256 characters and not blank.
type displayNameValidator struct{}

func (displayNameValidator) Description(context.Context) string {
	return "must be 1 to 256 characters, not only spaces"
}

func (v displayNameValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (displayNameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		resp.Diagnostics.AddAttributeError(req.Path, "Empty display name",
			"display_name is empty. Give the name the application gets in Entra ID, for example \"Stellar Migrator - target\" (1 to 256 characters).")
	case strings.TrimSpace(s) == "":
		resp.Diagnostics.AddAttributeError(req.Path, "Blank display name",
			"display_name is blank: it holds only spaces, which Entra ID rejects. Write a name that names the application, "+
				"for example \"Stellar Migrator - target\".")
	case n > 256:
		resp.Diagnostics.AddAttributeError(req.Path, "Display name too long",
			fmt.Sprintf("display_name is %d characters long; Entra ID takes at most 256. Shorten it.", n))
	}
}

// notEmptySet rejects an empty set where leaving the attribute out is what the user means.
type notEmptySet struct{ attr, fix string }

func (v notEmptySet) Description(context.Context) string { return "must not be empty; " + v.fix }

func (v notEmptySet) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v notEmptySet) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || len(req.ConfigValue.Elements()) > 0 {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Empty "+v.attr, v.attr+" is empty ([]). "+v.fix)
}

// permissionNamesValidator rejects empty or blank permission names, which no API has.
type permissionNamesValidator struct{}

func (permissionNamesValidator) Description(context.Context) string {
	return "permission names must not be empty"
}

func (v permissionNamesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (permissionNamesValidator) ValidateSet(ctx context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var names []string
	resp.Diagnostics.Append(req.ConfigValue.ElementsAs(ctx, &names, true)...)
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			resp.Diagnostics.AddAttributeError(req.Path, "Empty permission name",
				"A permission name is empty or blank. Write the permission's name, for example \"Mail.ReadWrite\", or remove the empty entry.")
			return
		}
	}
}

// timeoutsValidator names the timeouts entry that does not parse, and how to write one: the
// framework's own message names neither the entry nor a fix.
type timeoutsValidator struct{}

func (timeoutsValidator) Description(context.Context) string {
	return "each timeout must be a duration such as \"10m\" or \"1h30m\""
}

func (v timeoutsValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (timeoutsValidator) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for name, v := range req.ConfigValue.Attributes() {
		s, ok := v.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		if d, err := time.ParseDuration(s.ValueString()); err != nil || d <= 0 {
			resp.Diagnostics.AddAttributeError(req.Path.AtName(name), "Invalid timeouts."+name,
				fmt.Sprintf("timeouts.%s is %q, which is not a positive duration. Write it as a number and a unit, such as \"10m\", "+
					"\"90s\" or \"1h30m\"; leave it out for the default.", name, s.ValueString()))
		}
	}
}

// gracePeriodValidator: a duration of zero or more.
type gracePeriodValidator struct{}

func (gracePeriodValidator) Description(context.Context) string {
	return "a duration such as \"24h\", zero or more"
}

func (v gracePeriodValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (gracePeriodValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if d, err := time.ParseDuration(req.ConfigValue.ValueString()); err != nil || d < 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid client_secret_grace_period",
			fmt.Sprintf("client_secret_grace_period is %q, which is not a duration of zero or more. Write it like \"24h\" or "+
				"\"90m\"; \"0s\" removes the replaced secret as soon as the new one signs in.", req.ConfigValue.ValueString()))
	}
}

// certificateValidator checks client_certificate at plan time.
type certificateValidator struct{}

func (certificateValidator) Description(context.Context) string {
	return "must be one PEM-encoded X.509 certificate, without its private key"
}

func (v certificateValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (certificateValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseCertificatePEM(req.ConfigValue.ValueString()); err != nil {
		addCertificateError(&resp.Diagnostics, req.Path, err)
	}
}

func addCertificateError(diags *diag.Diagnostics, at path.Path, err error) {
	diags.AddAttributeError(at, "Invalid client certificate", fmt.Sprintf("client_certificate cannot be used: %v.", err))
}
