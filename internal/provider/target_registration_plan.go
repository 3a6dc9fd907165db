package provider

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/permissions"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

// desiredAPI is one API's permissions, resolved against its catalogue.
type desiredAPI struct {
	label    string
	resolved permissions.Resolved
	sp       *tenant.ServicePrincipal // the API's service principal in this tenant
}

// desiredRegistration is the configuration turned into what the tenant
// should hold.
type desiredRegistration struct {
	displayName  string
	apis         []desiredAPI
	grantConsent bool
	handoff      bool // an administrator consents; the provider only reports
	secretName   string
	secretDays   int64
	secretEnd    string // RFC 3339, or empty
	// secretEnabled is client_secret_enabled; certificate is client_certificate, or nil.
	secretEnabled bool
	certificate   *x509.Certificate
	// directoryRoles are role template IDs the service principal holds (the preset's).
	directoryRoles []string
}

// desired resolves the configuration's permission names against the
// tenant's catalogues. Catalogues are cached by the tenant client, so plan
// and apply fetch each API's catalogue once per run.
func (r *TargetRegistrationResource) desired(ctx context.Context, client *tenant.Client, m targetRegistrationResourceModel) (desiredRegistration, diag.Diagnostics) {
	var diags diag.Diagnostics
	d := desiredRegistration{
		displayName:   m.DisplayName.ValueString(),
		grantConsent:  m.GrantAdminConsent.ValueBool(),
		handoff:       m.ConsentHandoff.ValueBool(),
		secretName:    m.ClientSecretDisplayName.ValueString(),
		secretDays:    m.ClientSecretLifetimeDays.ValueInt64(),
		secretEnd:     m.ClientSecretEndDate.ValueString(),
		secretEnabled: wantsSecret(m),
		// desired runs on a plan, where api_permissions is filled already (planPermissions).
		directoryRoles: chosenPreset(m.PermissionSet).DirectoryRoles,
	}
	if !m.ClientCertificate.IsNull() && !m.ClientCertificate.IsUnknown() {
		// Checked again here: a value that was unknown when the validator ran (another
		// resource's output) is first seen at apply.
		cert, err := parseCertificatePEM(m.ClientCertificate.ValueString())
		if err != nil {
			addCertificateError(&diags, path.Root("client_certificate"), err)
		}
		d.certificate = cert
	}
	// Each API once in api_permissions, checked before the preset's permissions merge in.
	explicit, md := permissionModels(ctx, m.APIPermissions)
	diags.Append(md...)
	seen := map[string]string{}
	attr := path.Root("api_permissions")
	for _, pm := range explicit {
		appID, err := permissions.APIAppID(pm.API)
		if err != nil {
			continue // reported below
		}
		if prev, dup := seen[appID]; dup {
			diags.AddAttributeError(attr, "API listed twice",
				fmt.Sprintf("%q and %q name the same API (%s). List each API once, with all its permissions in one entry.", prev, pm.API, appID))
		}
		seen[appID] = pm.API
	}
	if diags.HasError() {
		return d, diags
	}
	models, md := effectivePermissions(ctx, m)
	diags.Append(md...)
	for _, pm := range models {
		appID, err := permissions.APIAppID(pm.API)
		if err != nil {
			diags.AddAttributeError(attr, "Unknown API", err.Error())
			continue
		}
		if len(pm.Application) == 0 && len(pm.Delegated) == 0 {
			diags.AddAttributeError(attr, "API without permissions",
				fmt.Sprintf("The entry for %q lists no application or delegated permission. Add at least one, or remove the entry.", pm.API))
			continue
		}
		sp, err := client.Catalogue(ctx, appID)
		if errors.Is(err, tenant.ErrNotFound) {
			diags.AddAttributeError(attr, "API not available in this tenant",
				fmt.Sprintf("%q (application ID %s) has no service principal in the tenant, so its permissions cannot be "+
					"looked up or granted. Check the application ID, or add the API to the tenant first.", pm.API, appID))
			continue
		}
		if err != nil {
			diags.AddAttributeError(attr, "Cannot read the permissions of "+pm.API, describeTenantError(err))
			continue
		}
		res, errs := permissions.Resolve(permissions.Request{API: pm.API, Application: pm.Application, Delegated: pm.Delegated}, catalogue(sp))
		for _, e := range errs {
			diags.AddAttributeError(attr, "Unknown permission", e.Error()+
				" Names are case-sensitive and come from the API's own catalogue in this tenant.")
		}
		d.apis = append(d.apis, desiredAPI{label: pm.API, resolved: res, sp: sp})
	}
	sort.Slice(d.apis, func(i, j int) bool { return d.apis[i].label < d.apis[j].label })
	return d, diags
}

func (d desiredRegistration) requiredResourceAccess() []tenant.ResourceAccess {
	out := []tenant.ResourceAccess{}
	for _, a := range d.apis {
		ra := tenant.ResourceAccess{ResourceAppID: a.resolved.AppID}
		for _, p := range a.resolved.Application {
			ra.Roles = append(ra.Roles, p.ID)
		}
		for _, p := range a.resolved.Delegated {
			ra.Scopes = append(ra.Scopes, p.ID)
		}
		out = append(out, ra)
	}
	return out
}

// requested is what requested_permissions must read after apply.
func (d desiredRegistration) requested() []apiPermissionModel {
	out := []apiPermissionModel{}
	for _, a := range d.apis {
		m := apiPermissionModel{API: a.label}
		for _, p := range a.resolved.Application {
			m.Application = append(m.Application, p.Value)
		}
		for _, p := range a.resolved.Delegated {
			m.Delegated = append(m.Delegated, p.Value)
		}
		out = append(out, m)
	}
	return out
}

// expectedGranted is what granted_permissions must read after apply.
func (d desiredRegistration) expectedGranted() []apiPermissionModel {
	if !d.grantConsent {
		return []apiPermissionModel{}
	}
	return d.requested()
}

func (d desiredRegistration) resolved() []permissions.Resolved {
	var out []permissions.Resolved
	for _, a := range d.apis {
		out = append(out, a.resolved)
	}
	return out
}

// secretEndTime is when a secret created now should expire.
func (d desiredRegistration) secretEndTime(now time.Time) time.Time {
	if d.secretEnd != "" {
		if t, err := time.Parse(time.RFC3339, d.secretEnd); err == nil {
			return t
		}
	}
	days := d.secretDays
	if days == 0 {
		days = defaultSecretLifetimeDays
	}
	return now.Add(time.Duration(days) * 24 * time.Hour)
}

func (r *TargetRegistrationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		// Destroy, or the provider's own settings are not known yet.
		return
	}
	var plan targetRegistrationResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	var state *targetRegistrationResourceModel
	if !req.State.Raw.IsNull() {
		state = &targetRegistrationResourceModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	client := r.data.requireTenant(ctx, &resp.Diagnostics)
	if client == nil {
		return
	}
	plan.TenantID = types.StringValue(r.data.tenantID)
	if !planPermissions(ctx, req, &plan, r.data.cloud.Name, &resp.Diagnostics) {
		return
	}
	if state == nil {
		// The look for an earlier registration only warns; it runs beside the catalogue
		// read below, so a new registration's plan costs one Graph round trip, not two.
		orphans := make(chan diag.Diagnostics, 1)
		go func(p targetRegistrationResourceModel) { // a copy: the plan changes below
			var d diag.Diagnostics
			if checkOrphans(ctx, client, p, &d) {
				r.data.orphanFree.found(p.DisplayName.ValueString())
			}
			orphans <- d
		}(plan)
		defer func() { resp.Diagnostics.Append(<-orphans...) }()
	}

	if plan.APIPermissions.IsUnknown() || plan.GrantAdminConsent.IsUnknown() || plan.PermissionSet.IsUnknown() {
		plan.GrantedPermissions = types.SetUnknown(permissionObjectType)
		plan.RequestedPermissions = types.SetUnknown(permissionObjectType)
		plan.DirectoryRoles = types.SetUnknown(types.StringType)
	} else {
		desired, d := r.desired(ctx, client, plan)
		resp.Diagnostics.Append(d...)
		if resp.Diagnostics.HasError() {
			return
		}
		for _, a := range permissions.EWSAdvice(desired.resolved(), r.data.now()) {
			if a.Error {
				resp.Diagnostics.AddAttributeError(path.Root("api_permissions"), a.Summary, a.Detail)
			} else {
				resp.Diagnostics.AddAttributeWarning(path.Root("api_permissions"), a.Summary, a.Detail)
			}
		}
		if resp.Diagnostics.HasError() {
			return
		}
		for _, w := range permissions.CloudAdvisories(desired.resolved(), r.data.cloud.Name) {
			resp.Diagnostics.AddAttributeWarning(path.Root("api_permissions"), "Not offered in this cloud", w)
		}
		granted, d := permissionSetValue(ctx, desired.expectedGranted())
		resp.Diagnostics.Append(d...)
		plan.GrantedPermissions = granted
		requested, d := permissionSetValue(ctx, desired.requested())
		resp.Diagnostics.Append(d...)
		plan.RequestedPermissions = requested
		plan.DirectoryRoles = roleNameSet(desired.directoryRoles)
		if desired.handoff {
			r.planHandoff(ctx, desired, &plan, state, resp)
			if resp.Diagnostics.HasError() {
				return
			}
		}
		if changesTenant(plan, state) {
			for _, p := range preflight(r.data.caller, needsOf(desired)) {
				resp.Diagnostics.AddError(p.summary, p.detail)
			}
			if resp.Diagnostics.HasError() {
				return
			}
		}
	}

	switch {
	case state != nil && !state.ServicePrincipalID.IsNull():
		plan.ServicePrincipalID = state.ServicePrincipalID
	case plan.GrantAdminConsent.IsUnknown() || plan.GrantAdminConsent.ValueBool():
		plan.ServicePrincipalID = types.StringUnknown()
	default:
		plan.ServicePrincipalID = types.StringNull()
	}

	if state != nil && awaitingPurgeOf(ctx, req.Private, &resp.Diagnostics) {
		// Deleted but not purged by an earlier destroy: replace it, which purges the old one.
		plan.ID, plan.ObjectID, plan.ClientID = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("object_id"))
		resp.Diagnostics.AddWarning("The registration is in deleted items",
			"The application was deleted but not purged (permanently_delete_on_destroy is true): this plan purges it and "+
				"registers it anew.")
	}
	// What state does not hold is not wanted: the apply removes it.
	plan.UntrackedSecretKeyIDs = types.SetValueMust(types.StringType, nil)
	planSecret(&plan, state, r.data.now(), &resp.Diagnostics)
	planCertificate(&plan)
	if resp.Diagnostics.HasError() {
		return
	}
	planPrevious(&plan, state, r.data.now(), &resp.Diagnostics)
	if state != nil {
		// steps describe the last apply: they change exactly when this plan
		// changes anything else, or when a replaced secret is still to be
		// removed (then the apply exists for that alone).
		retired, d := retiredSecrets(ctx, req.Private)
		resp.Diagnostics.Append(d...)
		if len(retired) > 0 {
			resp.Diagnostics.AddAttributeWarning(path.Root("client_secret_key_id"), "A replaced secret is still on the application",
				fmt.Sprintf("An earlier apply replaced the client secret but could not remove the old one (key ID %s). "+
					"This apply removes it.", strings.Join(retired, ", ")))
		}
		plan.Steps, plan.Result = state.Steps, state.Result
		resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
		if !resp.Plan.Raw.Equal(req.State.Raw) || len(retired) > 0 {
			plan.Steps, plan.Result = types.ListUnknown(stepObjectType), types.StringUnknown()
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
}

// planHandoff plans a registration whose consent an administrator gives: what is consented
// is not the provider's to change, so the plan keeps it, and says while it is pending.
func (r *TargetRegistrationResource) planHandoff(ctx context.Context, desired desiredRegistration, plan *targetRegistrationResourceModel, state *targetRegistrationResourceModel, resp *resource.ModifyPlanResponse) {
	if plan.GrantAdminConsent.ValueBool() {
		resp.Diagnostics.AddAttributeError(path.Root("consent_handoff"), "consent_handoff needs grant_admin_consent = false",
			"With consent_handoff an administrator grants consent at admin_consent_url and the provider only reports it; with "+
				"grant_admin_consent the provider grants it itself. Set grant_admin_consent = false, or remove consent_handoff.")
		return
	}
	plan.GrantedPermissions = types.SetValueMust(permissionObjectType, nil)
	if state != nil && !state.GrantedPermissions.IsNull() {
		plan.GrantedPermissions = state.GrantedPermissions
	}
	consented := desired
	consented.grantConsent = true
	want, d := permissionSetValue(ctx, consented.expectedGranted())
	resp.Diagnostics.Append(d...)
	if want.Equal(plan.GrantedPermissions) {
		return
	}
	where := "admin_consent_url (known after the apply that registers the application)"
	if state != nil && !state.AdminConsentURL.IsNull() {
		where = state.AdminConsentURL.ValueString()
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("consent_handoff"), "Admin consent is pending",
		"The registration's permissions are not consented yet. Send a Global Administrator (or a Privileged Role Administrator) "+
			"to "+where+": they sign in, accept, and the next plan shows no changes.")
}

// changesTenant reports whether applying the plan writes to the tenant: a new registration,
// or a change of what the configuration sets (a rename, other permissions, consent), or
// consent to restore after drift.
func changesTenant(plan targetRegistrationResourceModel, state *targetRegistrationResourceModel) bool {
	return state == nil || !plan.DisplayName.Equal(state.DisplayName) || !plan.RequestedPermissions.Equal(state.RequestedPermissions) ||
		!plan.GrantAdminConsent.Equal(state.GrantAdminConsent) || !plan.GrantedPermissions.Equal(state.GrantedPermissions) ||
		!plan.DirectoryRoles.Equal(state.DirectoryRoles)
}

const reasonExpired = "the secret has expired"

// planPrevious plans the replaced secret: kept while its grace period runs (the plan says
// until when), removed by the first apply after it; a rotation sets it anew.
func planPrevious(plan *targetRegistrationResourceModel, state *targetRegistrationResourceModel, now time.Time, diags *diag.Diagnostics) {
	switch {
	case state == nil:
		plan.PreviousSecretKeyID, plan.PreviousSecretRetiresAt = types.StringNull(), types.StringNull()
		return
	case plan.ClientSecretKeyID.IsUnknown():
		plan.PreviousSecretKeyID, plan.PreviousSecretRetiresAt = types.StringUnknown(), types.StringUnknown()
		return
	}
	plan.PreviousSecretKeyID, plan.PreviousSecretRetiresAt = state.PreviousSecretKeyID, state.PreviousSecretRetiresAt
	key := state.PreviousSecretKeyID.ValueString()
	if key == "" {
		return
	}
	at, err := time.Parse(time.RFC3339, state.PreviousSecretRetiresAt.ValueString())
	if err == nil && now.Before(at) {
		diags.AddAttributeWarning(path.Root("previous_client_secret_key_id"), "The previous secret is in its grace period",
			fmt.Sprintf("Secret %s, replaced by the last rotation, stays valid until %s; the first apply after that removes it.", key, at.Format(time.RFC3339)))
		return
	}
	plan.PreviousSecretKeyID, plan.PreviousSecretRetiresAt = types.StringNull(), types.StringNull()
}

// secretRotationReason says why the plan needs a new secret, or "" if it does not.
func secretRotationReason(plan, state targetRegistrationResourceModel, now time.Time) string {
	switch {
	case state.ClientSecretKeyID.IsNull():
		return "the secret no longer exists in the tenant"
	case !plan.ClientSecretDisplayName.Equal(state.ClientSecretDisplayName):
		return "client_secret_display_name changed"
	case !plan.ClientSecretLifetimeDays.Equal(state.ClientSecretLifetimeDays):
		return "client_secret_lifetime_days changed"
	case !plan.ClientSecretEndDate.Equal(state.ClientSecretEndDate):
		return "client_secret_end_date changed"
	case !plan.RotateWhenChanged.Equal(state.RotateWhenChanged):
		return "rotate_when_changed changed"
	}
	if exp, err := time.Parse(time.RFC3339, state.ClientSecretExpiresAt.ValueString()); err == nil && !exp.After(now) {
		return reasonExpired
	}
	return ""
}

// apiNameValidator rejects, at plan time, an api that is neither a
// well-known name nor an application ID.
type apiNameValidator struct{}

func (apiNameValidator) Description(context.Context) string {
	return "must be microsoft_graph, exchange_online or an application ID"
}

func (v apiNameValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (apiNameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := permissions.APIAppID(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Unknown API", err.Error())
	}
}

// endDateValidator checks that client_secret_end_date is an RFC 3339 time. Whether the date is
// still ahead is a plan's question, not the configuration's: a validator that read the clock
// would fail every plan, and even destroy, once the date had passed (see secretEndProblem).
type endDateValidator struct{}

func (endDateValidator) Description(context.Context) string {
	return "must be an RFC 3339 time such as 2027-06-30T00:00:00Z"
}

func (v endDateValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (endDateValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid secret end date",
			fmt.Sprintf("%q is not an RFC 3339 timestamp. Write it like 2027-06-30T00:00:00Z.", s))
	}
}

// secretEndProblem says why a secret ending at end cannot be created at now ("" if it can):
// Entra takes end dates in the future, at most 24 months ahead in the portal.
func secretEndProblem(end string, now time.Time) (summary, detail string) {
	t, err := time.Parse(time.RFC3339, end)
	switch {
	case end == "" || err != nil:
		return "", ""
	case !t.After(now):
		return "Secret end date in the past", fmt.Sprintf("client_secret_end_date %s has passed, so the secret to create would already "+
			"be expired. Choose a date after %s, or use client_secret_lifetime_days.", end, now.UTC().Format(time.RFC3339))
	case t.After(now.Add(maxSecretLifetimeDays * 24 * time.Hour)):
		return "Secret end date too far ahead", fmt.Sprintf("client_secret_end_date %s is more than %d days (24 months, the portal's "+
			"maximum) from now. Choose a date before %s, or rotate the secret with rotate_when_changed.", end, maxSecretLifetimeDays,
			now.Add(maxSecretLifetimeDays*24*time.Hour).UTC().Format(time.RFC3339))
	}
	return "", ""
}

// planSecret decides, at now, whether the plan creates a secret, and checks that it can. An
// expired secret whose configured end date has passed too is not rotated (that secret could
// not be created): the plan warns instead, so that neither plan nor destroy is ever blocked
// by the calendar.
func planSecret(plan *targetRegistrationResourceModel, state *targetRegistrationResourceModel, now time.Time, diags *diag.Diagnostics) {
	if !wantsSecret(*plan) {
		// No secret: the one this resource made, if any, is removed.
		plan.ClientSecret, plan.ClientSecretKeyID, plan.ClientSecretExpiresAt = types.StringNull(), types.StringNull(), types.StringNull()
		return
	}
	end := plan.ClientSecretEndDate.ValueString()
	attr := path.Root("client_secret_end_date")
	if state == nil {
		if summary, detail := secretEndProblem(end, now); summary != "" {
			diags.AddAttributeError(attr, summary, detail)
		}
		return
	}
	why := secretRotationReason(*plan, *state, now)
	if why == "" {
		return
	}
	summary, detail := secretEndProblem(end, now)
	if summary != "" && why == reasonExpired {
		diags.AddAttributeWarning(attr, "The client secret has expired",
			fmt.Sprintf("The secret expired at %s and client_secret_end_date %s has passed, so no new secret can be made with it. "+
				"Set a later client_secret_end_date, or use client_secret_lifetime_days, and apply to rotate it.",
				state.ClientSecretExpiresAt.ValueString(), end))
		return
	}
	if summary != "" {
		diags.AddAttributeError(attr, summary, detail)
		return
	}
	plan.ClientSecret = types.StringUnknown()
	plan.ClientSecretKeyID = types.StringUnknown()
	plan.ClientSecretExpiresAt = types.StringUnknown()
}

// wantsSecret is client_secret_enabled, where only an explicit false turns the secret off:
// a secret is the default credential, and a value unknown until apply keeps it.
func wantsSecret(m targetRegistrationResourceModel) bool {
	return m.ClientSecretEnabled.IsNull() || m.ClientSecretEnabled.IsUnknown() || m.ClientSecretEnabled.ValueBool()
}

// privateRetiredSecrets is the private-state key under which the resource
// remembers replaced secrets that could not be removed yet.
const privateRetiredSecrets = "retired_secret_key_ids"

// privateReader and privateWriter are the parts of the framework's private
// state the resource uses.
type privateReader interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

type privateWriter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

func retiredSecrets(ctx context.Context, private privateReader) ([]string, diag.Diagnostics) {
	if private == nil {
		return nil, nil
	}
	raw, diags := private.GetKey(ctx, privateRetiredSecrets)
	if len(raw) == 0 || diags.HasError() {
		return nil, diags
	}
	var keys []string
	if err := json.Unmarshal(raw, &keys); err != nil {
		diags.AddWarning("Unreadable private state", "The list of secrets to remove could not be read and is dropped: "+err.Error())
		return nil, diags
	}
	return keys, diags
}

func setRetiredSecrets(ctx context.Context, private privateWriter, keys []string) diag.Diagnostics {
	if len(keys) == 0 {
		// An empty value removes the key.
		return private.SetKey(ctx, privateRetiredSecrets, nil)
	}
	raw, err := json.Marshal(keys)
	if err != nil {
		var diags diag.Diagnostics
		diags.AddError("Cannot record secrets to remove", err.Error())
		return diags
	}
	return private.SetKey(ctx, privateRetiredSecrets, raw)
}
