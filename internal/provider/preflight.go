package provider

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/permissions"
)

// The plan-time preflight: from the token the provider signed in with (an application's
// roles; a person's scp and wids), decide whether the caller can do what the plan needs, so
// that no apply starts that the caller's rights cannot finish. A person needs both the
// delegated scope and a directory role that allows the operation (Graph grants the
// intersection); Microsoft Graph's own application permissions are consented only by a
// Global Administrator or a Privileged Role Administrator.

// Directory role template IDs (the same in every tenant).
const (
	roleGlobalAdministrator           = "62e90394-69f5-4237-9190-012177145e10"
	rolePrivilegedRoleAdministrator   = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	roleApplicationAdministrator      = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
	roleCloudApplicationAdministrator = "158c047a-c907-4556-b7ef-446551a6b5f7"
)

var (
	rolesConsentGraph = []string{roleGlobalAdministrator, rolePrivilegedRoleAdministrator}
	rolesConsentOther = []string{roleGlobalAdministrator, rolePrivilegedRoleAdministrator, roleApplicationAdministrator, roleCloudApplicationAdministrator}
)

var roleDisplayNames = map[string]string{
	roleGlobalAdministrator:           "Global Administrator",
	rolePrivilegedRoleAdministrator:   "Privileged Role Administrator",
	roleApplicationAdministrator:      "Application Administrator",
	roleCloudApplicationAdministrator: "Cloud Application Administrator",
}

// planNeeds is what applying a plan will ask of the tenant.
type planNeeds struct {
	register          bool     // create or change the application, its secret, its service principal
	consentGraphRoles bool     // admin consent of Microsoft Graph application permissions
	consentOtherRoles bool     // of other APIs' application permissions
	consentDelegated  bool     // of delegated permissions, for all users
	assignRoles       []string // directory roles (template IDs) for the service principal
}

// needsOf derives the needs of a registration's desired state.
func needsOf(d desiredRegistration) planNeeds {
	n := planNeeds{register: true, assignRoles: d.directoryRoles}
	if !d.grantConsent {
		return n
	}
	for _, r := range d.resolved() {
		if len(r.Application) > 0 {
			if r.AppID == permissions.MicrosoftGraphAppID {
				n.consentGraphRoles = true
			} else {
				n.consentOtherRoles = true
			}
		}
		if len(r.Delegated) > 0 {
			n.consentDelegated = true
		}
	}
	return n
}

// preflightProblem is one thing the caller may not do, with how to get the right.
type preflightProblem struct {
	summary, detail string
}

// preflight returns what stops the caller c from applying a plan that needs n.
func preflight(c auth.Claims, n planNeeds) []preflightProblem {
	steps := []struct {
		needed     bool
		what       string
		permission string
		roles      []string // for a person; nil: any member
	}{
		{n.register, "register the application and create its secret and service principal", "Application.ReadWrite.All", nil},
		{n.consentGraphRoles, "grant admin consent to Microsoft Graph application permissions", "AppRoleAssignment.ReadWrite.All", rolesConsentGraph},
		{n.consentOtherRoles, "grant admin consent to application permissions", "AppRoleAssignment.ReadWrite.All", rolesConsentOther},
		{n.consentDelegated, "grant admin consent to delegated permissions for all users", "DelegatedPermissionGrant.ReadWrite.All", rolesConsentOther},
		// Assigning a directory role is privileged role management (roleAssignments "least privileged roles").
		{len(n.assignRoles) > 0, "assign the " + roleNames(n.assignRoles) + " directory role to the service principal", "RoleManagement.ReadWrite.Directory", rolesConsentGraph},
	}
	var out []preflightProblem
	for _, st := range steps {
		if !st.needed {
			continue
		}
		if p, bad := lacks(c, st.what, st.permission, st.roles); bad {
			out = append(out, p)
		}
	}
	return out
}

func lacks(c auth.Claims, what, permission string, roles []string) (preflightProblem, bool) {
	if !c.Delegated() {
		if slices.Contains(c.Roles, permission) {
			return preflightProblem{}, false
		}
		return preflightProblem{
			summary: "The provider's application lacks " + permission,
			detail: fmt.Sprintf("The provider signs in as application %s, whose token does not carry the Microsoft Graph application "+
				"permission %s, needed to %s. Nothing was changed.\n\nHow to fix it: in the Entra admin center, open App registrations > "+
				"that application > API permissions > Add a permission > Microsoft Graph > Application permissions, add %s and "+
				"select \"Grant admin consent\" (a Global Administrator or Privileged Role Administrator can). Or sign in as a "+
				"Global Administrator instead (use_cli, use_device_code).", c.AppID, permission, what, permission),
		}, true
	}
	who := c.UserPrincipalName
	// Directory.AccessAsUser.All stands for the directory permissions, but not for role
	// management: the roleAssignments page lists no other permission for its writes.
	broad := slices.Contains(c.Scopes, "Directory.AccessAsUser.All") && !strings.HasPrefix(permission, "RoleManagement.")
	if !slices.Contains(c.Scopes, permission) && !broad {
		return preflightProblem{
			summary: "The signed-in person's token lacks " + permission,
			detail: fmt.Sprintf("%s is signed in to client %s, whose token does not carry the delegated scope %s, needed to %s. "+
				"Nothing was changed.\n\nHow to fix it: sign in again with `terraform-provider-stellar login` (it asks for %s), "+
				"or with a client that is allowed that scope.", who, c.AppID, permission, what, strings.Join(auth.RegistrationScopes, ", ")),
		}, true
	}
	if roles == nil || holdsRole(c.DirectoryRoles, roles) {
		return preflightProblem{}, false
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = roleDisplayNames[r]
	}
	return preflightProblem{
		summary: "The signed-in person's directory roles do not allow consent",
		detail: fmt.Sprintf("%s holds none of the directory roles that may %s: %s. Graph allows a person what both the token's "+
			"scopes and the person's roles allow. Nothing was changed.\n\nHow to fix it: sign in as a %s, or have one assign you "+
			"the %s role (Entra admin center > Roles & admins; sign in again afterwards, as a token carries the roles held when it "+
			"was issued). Or register without consent (grant_admin_consent = false) and have a Global Administrator grant it at "+
			"<authority host>/<tenant>/adminconsent?client_id=<the registration's client_id>.", who, what, strings.Join(names, " or "), names[0], names[len(names)-1]),
	}, true
}

func holdsRole(held, want []string) bool {
	for _, r := range want {
		if slices.Contains(held, r) {
			return true
		}
	}
	return false
}
