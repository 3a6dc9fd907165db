package emulator

import (
	"strings"
	"time"
)

// The directory's role assignments (Graph's unified RBAC API, the directory provider): a
// built-in directory role held by a person or a service principal. They are the one record of
// who holds which role. The seed's administrators hold theirs as assignments; a token's wids
// claim lists the tenant-wide roles its principal holds when it is issued, and the delegated
// role checks (directory_roles.go) read wids, so a role assigned or removed shows in the
// principal's next token, as in Entra.

// tenantScope is the directoryScopeId of a tenant-wide assignment: the only scope the emulator
// serves. It has no administrative units, and app-scoped assignments are not modelled.
const tenantScope = "/"

type roleAssignment struct {
	DirectoryRoleAssignment
	created   time.Time
	visibleAt time.Time
}

// errRoleAssignmentExists is Graph's answer to an assignment of a role the principal holds
// already at that scope (observed on POST roleManagement/directory/roleAssignments,
// dod-ccpo/atat#1554).
func errRoleAssignmentExists() *graphError {
	return errBadRequest("A conflicting object with one or more of the specified property values is present in the directory.")
}

// errRoleAssignmentScope is Graph's answer to an assignment without a scope it accepts
// (an empty directoryScopeId: msgraph-sdk-powershell#3173, azure-docs#54656). The emulator
// gives it for every scope but the tenant's too, as it serves no other.
func errRoleAssignmentScope() *graphError {
	return errBadRequest("Must specify valid property scope of entity RoleAssignment")
}

// assignDirectoryRole gives the principal (a person or a service principal, by object id) the
// built-in role roleDefinitionID (its template ID) tenant-wide. The principal must be visible
// to v: one still replicating gets the 404 a lagging directory gives
// (microsoft-graph-docs-contrib#1855).
func (s *store) assignDirectoryRole(principalID, roleDefinitionID string, v view) (DirectoryRoleAssignment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	principal := s.rolePrincipal(principalID, v)
	if principal == "" {
		return DirectoryRoleAssignment{}, errObjectNotFound(principalID)
	}
	role, ok := builtInRoleByID(roleDefinitionID)
	if !ok {
		return DirectoryRoleAssignment{}, errObjectNotFound(roleDefinitionID)
	}
	id := roleAssignmentID(role.templateID, principal)
	// Uniqueness is enforced where the write lands, so an assignment still replicating
	// conflicts too.
	if s.roleAssignments[id] != nil {
		return DirectoryRoleAssignment{}, errRoleAssignmentExists()
	}
	a := &roleAssignment{
		DirectoryRoleAssignment: DirectoryRoleAssignment{ID: id, PrincipalID: principal, RoleDefinitionID: role.templateID, DirectoryScopeID: tenantScope},
		created:                 v.now,
		visibleAt:               v.visibleAt,
	}
	s.roleAssignments[id] = a
	return a.DirectoryRoleAssignment, nil
}

// rolePrincipal is the object id of the person or service principal id names, "" for none
// visible to v. The caller holds the lock.
func (s *store) rolePrincipal(id string, v view) string {
	for _, u := range s.users {
		if strings.EqualFold(u.id, id) {
			return u.id
		}
	}
	if sp := s.spByRef(byID(id), v); sp != nil {
		return sp.id
	}
	return ""
}

// directoryRoleAssignments lists the assignments visible to v, oldest first.
func (s *store) directoryRoleAssignments(v view) []DirectoryRoleAssignment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []DirectoryRoleAssignment
	for _, a := range s.sortedRoleAssignments() {
		if v.sees(a.visibleAt) {
			out = append(out, a.DirectoryRoleAssignment)
		}
	}
	return out
}

func (s *store) directoryRoleAssignment(id string, v view) (DirectoryRoleAssignment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.roleAssignments[id]
	if a == nil || !v.sees(a.visibleAt) {
		return DirectoryRoleAssignment{}, errObjectNotFound(id)
	}
	return a.DirectoryRoleAssignment, nil
}

// removeDirectoryRoleAssignment ends an assignment; the principal's next tokens lack the role.
func (s *store) removeDirectoryRoleAssignment(id string, v view) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.roleAssignments[id]
	if a == nil || !v.sees(a.visibleAt) {
		return errObjectNotFound(id)
	}
	delete(s.roleAssignments, id)
	return nil
}

// dropRoleAssignmentsOf deletes every assignment the principal holds, when it is deleted. They
// are not kept for a restore: Microsoft documents the restore of a service principal's app
// role assignments and grants, not of its directory roles, so a restored principal comes back
// without them (the emulator's choice where the documentation is silent). The caller holds
// the lock.
func (s *store) dropRoleAssignmentsOf(principalID string) {
	for id, a := range s.roleAssignments {
		if strings.EqualFold(a.PrincipalID, principalID) {
			delete(s.roleAssignments, id)
		}
	}
}

// rolesHeldBy is the template IDs of the tenant-wide roles the principal holds, visible to v,
// in the order they were assigned: the roles part of its tokens' wids. The caller holds the
// lock.
func (s *store) rolesHeldBy(principalID string, v view) []string {
	var out []string
	for _, a := range s.sortedRoleAssignments() {
		if strings.EqualFold(a.PrincipalID, principalID) && a.DirectoryScopeID == tenantScope && v.sees(a.visibleAt) {
			out = append(out, a.RoleDefinitionID)
		}
	}
	return out
}

// directoryRolesOf is rolesHeldBy for callers that do not hold the lock.
func (s *store) directoryRolesOf(principalID string, v view) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rolesHeldBy(principalID, v)
}

// userWids is the wids claim of a person's token: their roles, then the one every member's
// token carries. The caller holds the lock.
func (s *store) userWids(userID string, v view) []string {
	return append(s.rolesHeldBy(userID, v), roleDefaultUser)
}

// appWids is the wids claim of an app-only token (Entra puts it in those too, sign-in.md
// section on wids): the client's roles, then the one every app-only token carries. The
// caller holds the lock.
func (s *store) appWids(client *servicePrincipal, v view) []string {
	return append(s.rolesHeldBy(client.id, v), roleDefaultServicePrincipal)
}

func (s *store) sortedRoleAssignments() []*roleAssignment {
	return sortByCreation(s.roleAssignments, func(a *roleAssignment) time.Time { return a.created }, func(a *roleAssignment) string { return a.ID })
}
