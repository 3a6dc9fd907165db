package provider

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/permissions"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

// stepDirectoryRole is the step of presets that assign a directory role; it shows in steps
// only for them, so registrations without a role keep the wizard's four steps.
const stepDirectoryRole = "assign_directory_role"

// presetValidator checks permission_set at plan time.
type presetValidator struct{}

func (presetValidator) Description(context.Context) string {
	return "one of " + strings.Join(permissions.PresetNames(), ", ")
}
func (v presetValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (presetValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if p := permissions.PresetProblem(req.ConfigValue.ValueString()); p != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Unknown permission set", p)
	}
}

func presetList() string {
	var parts []string
	for _, n := range permissions.PresetNames() {
		p, _ := permissions.LookupPreset(n)
		parts = append(parts, fmt.Sprintf("`%s`: %s", n, p.Summary))
	}
	return strings.Join(parts, "; ")
}

// chosenPreset is the preset a configuration names. Without permission_set, api_permissions
// stands alone (as before presets existed), and when it is not set either it holds the graph
// set: see planPermissions.
func chosenPreset(set types.String) permissions.Preset {
	name := permissions.PresetCustom
	if !set.IsNull() && !set.IsUnknown() {
		name = set.ValueString()
	}
	p, _ := permissions.LookupPreset(name)
	return p
}

// requestsOf turns api_permissions into the permissions package's requests.
func requestsOf(models []apiPermissionModel) []permissions.Request {
	out := make([]permissions.Request, 0, len(models))
	for _, m := range models {
		out = append(out, permissions.Request{API: m.API, Application: m.Application, Delegated: m.Delegated})
	}
	return out
}

func modelsOf(reqs []permissions.Request) []apiPermissionModel {
	out := make([]apiPermissionModel, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, apiPermissionModel{API: r.API, Application: r.Application, Delegated: r.Delegated})
	}
	return out
}

// effectivePermissions is what a registration requests: the preset's permissions and
// api_permissions together.
func effectivePermissions(ctx context.Context, m targetRegistrationResourceModel) ([]apiPermissionModel, diag.Diagnostics) {
	explicit, d := permissionModels(ctx, m.APIPermissions)
	return modelsOf(permissions.Combine(chosenPreset(m.PermissionSet).Requests, requestsOf(explicit))), d
}

// planPermissions fills api_permissions when the configuration leaves it out (the preset's
// own permissions, or the graph set without a preset) and checks what the preset asks of the
// rest of the configuration. It returns false when the plan cannot go on.
func planPermissions(ctx context.Context, req resource.ModifyPlanRequest, plan *targetRegistrationResourceModel, cloud string, diags *diag.Diagnostics) bool {
	var configured types.Set
	diags.Append(req.Config.GetAttribute(ctx, path.Root("api_permissions"), &configured)...)
	preset := chosenPreset(plan.PermissionSet)
	if configured.IsNull() {
		fill := preset.Requests
		if plan.PermissionSet.IsNull() {
			fill = permissions.DefaultSet()
		}
		if preset.Name == permissions.PresetCustom && !plan.PermissionSet.IsNull() {
			diags.AddAttributeError(path.Root("api_permissions"), "permission_set = \"custom\" needs api_permissions",
				"The custom permission set requests only what api_permissions lists, and it lists nothing. Add api_permissions, "+
					"or choose a permission set such as \"graph\".")
			return false
		}
		set, d := permissionSetValue(ctx, modelsOf(fill))
		diags.Append(d...)
		plan.APIPermissions = set
	}
	if plan.PermissionSet.IsUnknown() {
		return !diags.HasError()
	}
	if preset.GlobalOnly && cloud != "" && cloud != "global" {
		diags.AddAttributeError(path.Root("permission_set"), "Not offered in the "+cloud+" cloud",
			fmt.Sprintf("%q requests Microsoft Graph's mailbox import/export API, which Microsoft offers only in the global "+
				"cloud; a migration tool in the %s cloud cannot use it. Use permission_set = \"graph\" (or \"ews\" while EWS lasts).",
				preset.Name, cloud))
	}
	if len(preset.DirectoryRoles) > 0 && (!plan.GrantAdminConsent.ValueBool() || plan.ConsentHandoff.ValueBool()) && !plan.GrantAdminConsent.IsUnknown() {
		diags.AddAttributeError(path.Root("permission_set"), fmt.Sprintf("permission_set = %q needs grant_admin_consent = true", preset.Name),
			"This permission set assigns the "+roleNames(preset.DirectoryRoles)+" directory role to the application's service "+
				"principal, which the provider creates when it grants consent. Set grant_admin_consent = true (and leave "+
				"consent_handoff out), or choose another permission set.")
	}
	if !configured.IsNull() && !configured.IsUnknown() && preset.Name != permissions.PresetCustom {
		explicit, d := permissionModels(ctx, configured)
		diags.Append(d...)
		if extra := permissions.BeyondPreset(preset.Requests, requestsOf(explicit)); len(extra) > 0 {
			diags.AddAttributeWarning(path.Root("api_permissions"), "Permissions beyond the permission set",
				fmt.Sprintf("The %q permission set needs no more than it requests itself; api_permissions adds: %s. Keep them "+
					"only if the migration tool uses them (least privilege: each permission is access to every mailbox or user "+
					"in the tenant).", preset.Name, strings.Join(extra, ", ")))
		}
	}
	return !diags.HasError()
}

// roleNames names directory roles by template ID, joined for a sentence.
func roleNames(ids []string) string {
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		if n, ok := permissions.DirectoryRoleNames[id]; ok {
			names = append(names, n)
		} else {
			names = append(names, id)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func roleNameSet(ids []string) types.Set {
	names := []string{}
	if len(ids) > 0 {
		names = strings.Split(roleNames(ids), ", ")
	}
	set, _ := types.SetValueFrom(context.Background(), types.StringType, names)
	return set
}

// managedRoles are the directory roles this provider assigns (those of some preset): only
// they are read back and removed; roles given to the service principal for other reasons are
// not the registration's.
func managedRoles(held []tenant.DirectoryRoleAssignment) []tenant.DirectoryRoleAssignment {
	var out []tenant.DirectoryRoleAssignment
	for _, a := range held {
		if _, ok := permissions.DirectoryRoleNames[strings.ToLower(a.RoleDefinitionID)]; ok {
			out = append(out, a)
		}
	}
	return out
}

func roleIDs(as []tenant.DirectoryRoleAssignment) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, strings.ToLower(a.RoleDefinitionID))
	}
	return out
}

// wantsRoleRead tells whether a refresh reads the service principal's directory roles: when
// the preset assigns one, or state says one is held (to see it removed with the preset), or
// on import (prior unknown).
func wantsRoleRead(m targetRegistrationResourceModel) bool {
	if len(chosenPreset(m.PermissionSet).DirectoryRoles) > 0 || m.DirectoryRoles.IsNull() {
		return true
	}
	return len(m.DirectoryRoles.Elements()) > 0
}

// rolesPrincipal is the service principal whose directory roles a refresh of m reads in its
// batch, or "" when it reads none.
func rolesPrincipal(m targetRegistrationResourceModel) string {
	if !wantsRoleRead(m) {
		return ""
	}
	return m.ServicePrincipalID.ValueString()
}

// heldDirectoryRoles is the managed roles reg's service principal holds: from the refresh's
// batch when it read them, else by a read of its own (a service principal state did not
// know yet: an import, or one made again since).
func heldDirectoryRoles(ctx context.Context, client *tenant.Client, reg *tenant.Registration) ([]tenant.DirectoryRoleAssignment, error) {
	switch {
	case reg.ServicePrincipal == nil:
		return nil, nil
	case reg.DirectoryRolesRead:
		return managedRoles(reg.DirectoryRoles), reg.DirectoryRolesErr
	}
	return readDirectoryRoles(ctx, client, reg.ServicePrincipal.ObjectID)
}

// readDirectoryRoles reads the managed roles the service principal holds.
func readDirectoryRoles(ctx context.Context, client *tenant.Client, principalID string) ([]tenant.DirectoryRoleAssignment, error) {
	if principalID == "" {
		return nil, nil
	}
	held, err := client.DirectoryRoleAssignments(ctx, principalID)
	if err != nil {
		return nil, err
	}
	return managedRoles(held), nil
}

// reconcileDirectoryRoles assigns the preset's directory roles to the service principal and
// removes the managed ones it no longer asks for. held is what the principal holds (nil for
// one created in this apply). Each write is recorded in state as it lands.
func (run *applyRun) reconcileDirectoryRoles(ctx context.Context, principalID string, held []tenant.DirectoryRoleAssignment) {
	want := run.desired.directoryRoles
	if len(want) == 0 && len(held) == 0 {
		run.state.DirectoryRoles = roleNameSet(nil)
		return
	}
	run.ensureRoleStep()
	if principalID == "" {
		run.fail(ctx, stepDirectoryRole, "Cannot assign the directory role", fmt.Errorf("the application has no service principal"))
		return
	}
	have := roleIDs(held)
	var assigned, removed []string
	for _, id := range want {
		if slices.ContainsFunc(have, equalFold(id)) {
			continue
		}
		tflog.Info(ctx, "assigning a directory role to the service principal", map[string]any{"role": roleNames([]string{id}), "principal_id": principalID})
		_, err := run.client.AssignDirectoryRole(ctx, principalID, id)
		if look, _ := lookFor(err); err != nil && look && ctx.Err() == nil {
			// Sent again: Entra keeps one assignment per principal, role and scope, so if the
			// first landed this one is refused as a conflict and the assignment is read back.
			tflog.Info(ctx, "assigning the directory role again, after a call without a definite answer",
				map[string]any{"principal_id": principalID, "reason": err.Error(), "delay": "0s"})
			_, err = run.client.AssignDirectoryRole(ctx, principalID, id)
		}
		if err != nil {
			run.state.DirectoryRoles = roleNameSet(have)
			run.fail(ctx, stepDirectoryRole, "Cannot assign the "+roleNames([]string{id})+" role", err)
			return
		}
		have = append(have, id)
		assigned = append(assigned, id)
	}
	for _, a := range held {
		if slices.ContainsFunc(want, equalFold(a.RoleDefinitionID)) {
			continue
		}
		if err := run.client.RemoveDirectoryRole(ctx, a.ID); err != nil {
			run.state.DirectoryRoles = roleNameSet(have)
			run.fail(ctx, stepDirectoryRole, "Cannot remove the "+roleNames([]string{a.RoleDefinitionID})+" role", err)
			return
		}
		have = slices.DeleteFunc(have, equalFold(a.RoleDefinitionID))
		removed = append(removed, a.RoleDefinitionID)
	}
	run.state.DirectoryRoles = roleNameSet(have)
	switch {
	case len(assigned) > 0 || len(removed) > 0:
		var parts []string
		if len(assigned) > 0 {
			parts = append(parts, "Assigned "+roleNames(assigned))
		}
		if len(removed) > 0 {
			parts = append(parts, "Removed "+roleNames(removed))
		}
		run.step(stepDirectoryRole, statusSucceeded, strings.Join(parts, "; ")+" (service principal "+principalID+").")
	default:
		run.step(stepDirectoryRole, statusUnchanged, "The service principal holds "+roleNames(want)+".")
	}
}

// ensureRoleStep adds the directory role step to the run's steps, after consent.
func (run *applyRun) ensureRoleStep() {
	for _, s := range run.steps {
		if s.Name == stepDirectoryRole {
			return
		}
	}
	run.steps = append(run.steps, stepModel{Name: stepDirectoryRole, Status: statusNotStarted, Detail: "Not started."})
}

// equalFold matches role template IDs, which Graph writes in either case.
func equalFold(s string) func(string) bool {
	return func(x string) bool { return strings.EqualFold(x, s) }
}
