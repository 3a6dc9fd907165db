package emulator

// Directory roles: what a signed-in person may do, besides what their token's scopes allow.
// Graph authorizes a delegated call only when both allow it (permissions-overview).

// Role template IDs, the same in every tenant (permissions-reference.md). A token's wids
// claim lists the template IDs of the roles its user holds.
const (
	RoleGlobalAdministrator           = "62e90394-69f5-4237-9190-012177145e10"
	RolePrivilegedRoleAdministrator   = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	RoleApplicationAdministrator      = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
	RoleCloudApplicationAdministrator = "158c047a-c907-4556-b7ef-446551a6b5f7"
	// roleDefaultUser is in the wids of every member's token (observed in Graph tokens).
	roleDefaultUser = "b79fbf4d-3ef9-4689-8143-76b194e85509"
)

// roleNames are the display names of the roles the emulator knows, as the portal shows them.
var roleNames = map[string]string{
	RoleGlobalAdministrator:           "Global Administrator",
	RolePrivilegedRoleAdministrator:   "Privileged Role Administrator",
	RoleApplicationAdministrator:      "Application Administrator",
	RoleCloudApplicationAdministrator: "Cloud Application Administrator",
}

// RoleNames are the display names of directory roles given by template ID ("Global
// Administrator"); an unknown ID stands for itself.
func RoleNames(templateIDs []string) []string {
	out := make([]string, len(templateIDs))
	for i, id := range templateIDs {
		out[i] = id
		if n, ok := roleNames[id]; ok {
			out[i] = n
		}
	}
	return out
}

// Roles a delegated caller needs, per kind of write (the "least privileged roles" of each
// Graph API page). Reading the directory needs no role: members may read it by default. The
// tenant keeps Entra's default "Users can register applications: Yes": any member may
// register an application and then manages it as its owner.
var (
	rolesManageApps = []string{RoleGlobalAdministrator, RoleApplicationAdministrator, RoleCloudApplicationAdministrator}
	// rolesAssignAppRoles may grant application permissions of any API but Microsoft Graph;
	// for Graph's, rolesConsentGraph.
	rolesAssignAppRoles = []string{RoleGlobalAdministrator, RolePrivilegedRoleAdministrator, RoleApplicationAdministrator, RoleCloudApplicationAdministrator}
	rolesConsentGraph   = []string{RoleGlobalAdministrator, RolePrivilegedRoleAdministrator}
	rolesGrantDelegated = []string{RoleGlobalAdministrator, RolePrivilegedRoleAdministrator, RoleApplicationAdministrator, RoleCloudApplicationAdministrator}
)

// holdsAny reports whether a user's role template IDs include one of want.
func holdsAny(wids map[string]bool, want []string) bool {
	for _, r := range want {
		if wids[r] {
			return true
		}
	}
	return false
}

// errRoleRequired is Graph's 403 for a person whose directory roles do not allow the call:
// the same body as for a missing permission.
func errRoleRequired() *graphError { return errForbidden() }
