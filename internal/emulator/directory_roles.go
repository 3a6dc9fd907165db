package emulator

import "strings"

// Directory roles: what a signed-in person may do, besides what their token's scopes allow.
// Graph authorizes a delegated call only when both allow it (permissions-overview).

// Role template IDs, the same in every tenant (permissions-reference.md). A token's wids
// claim lists the template IDs of the tenant-wide roles its person or service principal holds
// (role assignments, directory_role_assignments.go).
const (
	RoleGlobalAdministrator           = "62e90394-69f5-4237-9190-012177145e10"
	RolePrivilegedRoleAdministrator   = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	RoleApplicationAdministrator      = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
	RoleCloudApplicationAdministrator = "158c047a-c907-4556-b7ef-446551a6b5f7"
	// RoleExchangeAdministrator is the role an application signing in to Exchange Online
	// PowerShell with Exchange.ManageAsApp needs on its service principal: the app role lets
	// it in, the directory role says what it may do there.
	RoleExchangeAdministrator = "29232cdf-9323-42fd-ade2-1d097af3e4de"
	// roleDefaultUser is in the wids of every member's token (observed in Graph tokens).
	roleDefaultUser = "b79fbf4d-3ef9-4689-8143-76b194e85509"
	// roleDefaultServicePrincipal is in the wids of every app-only token (observed in Graph and
	// Exchange Online tokens). It is no directory role: no role definition has it, and it is
	// never a role assignment.
	roleDefaultServicePrincipal = "0997a1d0-0d1d-4acb-b408-d5ca73121e90"
)

// builtInRole is a built-in directory role the emulator knows, as the roleDefinitions API
// gives it: its id is its template ID, in every tenant.
type builtInRole struct {
	templateID, displayName, description string
}

// builtInRoles are the built-in roles the emulator knows, with the names and descriptions of
// the Entra built-in roles reference (permissions-reference.md).
var builtInRoles = []builtInRole{
	{RoleGlobalAdministrator, "Global Administrator", "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities."},
	{RolePrivilegedRoleAdministrator, "Privileged Role Administrator", "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management."},
	{RoleApplicationAdministrator, "Application Administrator", "Can create and manage all aspects of app registrations and enterprise apps."},
	{RoleCloudApplicationAdministrator, "Cloud Application Administrator", "Can create and manage all aspects of app registrations and enterprise apps except App Proxy."},
	{RoleExchangeAdministrator, "Exchange Administrator", "Can manage all aspects of the Exchange product."},
}

// roleNames are the display names of the roles the emulator knows, as the portal shows them.
var roleNames = func() map[string]string {
	m := make(map[string]string, len(builtInRoles))
	for _, r := range builtInRoles {
		m[r.templateID] = r.displayName
	}
	return m
}()

// builtInRoleByID finds a built-in role by its template ID (any case).
func builtInRoleByID(id string) (builtInRole, bool) {
	for _, r := range builtInRoles {
		if strings.EqualFold(r.templateID, id) {
			return r, true
		}
	}
	return builtInRole{}, false
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
	// rolesManageRoles may assign and remove directory roles: "Privileged Role Administrator is
	// the least privileged role supported" (rbacapplication-post-roleassignments.md).
	rolesManageRoles = []string{RoleGlobalAdministrator, RolePrivilegedRoleAdministrator}
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
