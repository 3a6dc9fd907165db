package provider

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/permissions"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

// observe writes what the tenant holds into state: the requested
// permissions as the portal shows them, what is consented, and whether the
// secret still exists. Differences from the configuration then show in the
// next plan.
func observe(ctx context.Context, client *tenant.Client, prior targetRegistrationResourceModel, reg *tenant.Registration, trackedSince time.Time) (targetRegistrationResourceModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	st := prior
	app := reg.Application
	st.ID = types.StringValue(app.ObjectID)
	st.ObjectID = types.StringValue(app.ObjectID)
	st.ClientID = types.StringValue(app.AppID)
	st.DisplayName = types.StringValue(app.DisplayName)

	priorModels, d := effectivePermissions(ctx, prior)
	diags.Append(d...)
	labels := newLabeller(priorModels)

	// Catalogues of every API that is requested now or was configured, so
	// that both requested and consented permissions can be named.
	byAppID := map[string]*tenant.ServicePrincipal{}
	byObjectID := map[string]*tenant.ServicePrincipal{}
	appIDs := []string{}
	for _, ra := range app.RequiredResourceAccess {
		appIDs = append(appIDs, ra.ResourceAppID)
	}
	for appID := range labels {
		appIDs = append(appIDs, appID)
	}
	for _, appID := range appIDs {
		if _, done := byAppID[appID]; done {
			continue
		}
		sp, err := client.Catalogue(ctx, appID)
		if errors.Is(err, tenant.ErrNotFound) {
			byAppID[appID] = nil
			continue
		}
		if err != nil {
			diags.AddError("Cannot read the permissions catalogue of "+labels.label(appID), describeTenantError(err))
			return st, diags
		}
		byAppID[appID] = sp
		byObjectID[sp.ObjectID] = sp
	}

	var requested []apiPermissionModel
	for _, ra := range app.RequiredResourceAccess {
		if len(ra.Roles) == 0 && len(ra.Scopes) == 0 {
			continue
		}
		sp := byAppID[ra.ResourceAppID]
		m := apiPermissionModel{API: labels.label(ra.ResourceAppID)}
		for _, id := range ra.Roles {
			m.Application = append(m.Application, nameOf(sp, permissions.Application, id))
		}
		for _, id := range ra.Scopes {
			m.Delegated = append(m.Delegated, nameOf(sp, permissions.Delegated, id))
		}
		requested = append(requested, m)
	}
	st.RequestedPermissions, d = permissionSetValue(ctx, requested)
	diags.Append(d...)
	if prior.APIPermissions.IsNull() {
		// An import: the configuration is not known yet, and what the application requests
		// is the closest to what it will say.
		st.APIPermissions = st.RequestedPermissions
	}

	st.ServicePrincipalID = types.StringNull()
	principalID := ""
	if reg.ServicePrincipal != nil {
		principalID = reg.ServicePrincipal.ObjectID
		st.ServicePrincipalID = types.StringValue(principalID)
	}
	st.GrantedPermissions, d = permissionSetValue(ctx, grantedModels(labels, byObjectID, principalID, reg.Assignments, reg.Grants))
	diags.Append(d...)

	st.UntrackedSecretKeyIDs, d = untrackedSecrets(ctx, prior, app, trackedSince, &diags)
	if prev := prior.PreviousSecretKeyID.ValueString(); prev != "" &&
		!slices.ContainsFunc(app.Passwords, func(p tenant.Password) bool { return p.KeyID == prev }) {
		st.PreviousSecretKeyID, st.PreviousSecretRetiresAt = types.StringNull(), types.StringNull() // removed already
	}
	diags.Append(d...)

	// The secret's value cannot be read back; its key ID tells whether it
	// still exists. A missing one plans a new secret.
	if key := prior.ClientSecretKeyID.ValueString(); key != "" &&
		!slices.ContainsFunc(app.Passwords, func(p tenant.Password) bool { return p.KeyID == key }) {
		st.ClientSecret = types.StringNull()
		st.ClientSecretKeyID = types.StringNull()
		st.ClientSecretExpiresAt = types.StringNull()
	}
	// A certificate removed by hand shows as a null thumbprint, which the plan puts back.
	if thumb := prior.ClientCertThumbprint.ValueString(); thumb != "" && certificateKeyID(app, thumb) == "" {
		st.ClientCertThumbprint = types.StringNull()
	}
	return st, diags
}

// untrackedSecrets lists the application's secrets that this provider made (its secret
// name) since state has tracked the registration, but that state does not hold; and warns of
// the others (made by hand, or before an import), which are left alone.
func untrackedSecrets(ctx context.Context, prior targetRegistrationResourceModel, app *tenant.Application, since time.Time, diags *diag.Diagnostics) (types.Set, diag.Diagnostics) {
	held := prior.ClientSecretKeyID.ValueString()
	previous := prior.PreviousSecretKeyID.ValueString()
	name := prior.ClientSecretDisplayName.ValueString()
	untracked := []string{}
	var byHand []string
	for _, p := range app.Passwords {
		switch {
		case p.KeyID == held || p.KeyID == previous:
		case p.DisplayName == name && !p.Start.Before(since.Truncate(time.Second)): // start times are whole seconds
			untracked = append(untracked, p.KeyID)
		default:
			byHand = append(byHand, p.KeyID+" ("+p.DisplayName+")")
		}
	}
	if len(byHand) > 0 {
		diags.AddWarning("Other secrets are on the application",
			"Application "+app.DisplayName+" has client secrets that state does not hold and this provider did not make since "+
				"it manages the registration (made by hand, or before an import): "+strings.Join(byHand, ", ")+
				". They are left alone; remove them in the Entra admin center (Certificates & secrets) if the migration tool does not use them.")
	}
	return types.SetValueFrom(ctx, types.StringType, untracked)
}

// importedState is the state an import starts from: the application's
// identity and the defaults of every setting; Read fills in the rest. The
// secret's value cannot be imported, so the next apply creates a new secret.
func importedState(app *tenant.Application) targetRegistrationResourceModel {
	timeoutTypes := map[string]attr.Type{"create": types.StringType, "read": types.StringType, "update": types.StringType, "delete": types.StringType}
	return targetRegistrationResourceModel{
		ID:                         types.StringValue(app.ObjectID),
		ObjectID:                   types.StringValue(app.ObjectID),
		ClientID:                   types.StringValue(app.AppID),
		DisplayName:                types.StringValue(app.DisplayName),
		PermissionSet:              types.StringNull(),
		APIPermissions:             types.SetNull(permissionObjectType),
		RequestedPermissions:       types.SetNull(permissionObjectType),
		DirectoryRoles:             types.SetNull(types.StringType),
		GrantAdminConsent:          types.BoolValue(true),
		ConsentHandoff:             types.BoolValue(false),
		AdoptExisting:              types.BoolValue(false),
		AdminConsentURL:            types.StringNull(),
		ClientSecretEnabled:        types.BoolValue(true),
		ClientCertificate:          types.StringNull(),
		ClientCertThumbprint:       types.StringNull(),
		ClientSecretDisplayName:    types.StringValue(defaultSecretDisplayName),
		ClientSecretLifetimeDays:   types.Int64Null(),
		ClientSecretEndDate:        types.StringNull(),
		RotateWhenChanged:          types.MapNull(types.StringType),
		PermanentlyDeleteOnDestroy: types.BoolValue(false),
		ServicePrincipalID:         types.StringNull(),
		TenantID:                   types.StringNull(),
		ClientSecret:               types.StringNull(),
		ClientSecretKeyID:          types.StringNull(),
		ClientSecretExpiresAt:      types.StringNull(),
		UntrackedSecretKeyIDs:      types.SetValueMust(types.StringType, nil),
		SecretGracePeriod:          types.StringValue("0s"),
		PreviousSecretKeyID:        types.StringNull(),
		PreviousSecretRetiresAt:    types.StringNull(),
		GrantedPermissions:         types.SetNull(permissionObjectType),
		Steps:                      types.ListNull(stepObjectType),
		Result:                     types.StringNull(),
		Timeouts:                   timeouts.Value{Object: types.ObjectNull(timeoutTypes)},
	}
}
