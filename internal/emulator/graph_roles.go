package emulator

import "net/http"

// /roleManagement/directory: the built-in role definitions and the role assignments of Graph's
// unified RBAC API, directory provider (rbacapplication-*.md, unifiedroleassignment-*.md).

const (
	roleDefinitionsContext = "roleManagement/directory/roleDefinitions"
	roleAssignmentsContext = "roleManagement/directory/roleAssignments"
)

func (g *graphReq) listRoleDefinitions() (reply, error) {
	items := make([]map[string]any, 0, len(builtInRoles))
	for _, r := range builtInRoles {
		items = append(items, renderRoleDefinition(r))
	}
	return g.collection(roleDefinitionsContext, "UnifiedRoleDefinition", items)
}

func (g *graphReq) getRoleDefinition() (reply, error) {
	id := g.refs["{id}"].value
	r, ok := builtInRoleByID(id)
	if !ok {
		return reply{}, errObjectNotFound(id)
	}
	return g.entity(http.StatusOK, roleDefinitionsContext, renderRoleDefinition(r))
}

func (g *graphReq) listRoleAssignments() (reply, error) {
	list := g.e.store.directoryRoleAssignments(g.view)
	items := make([]map[string]any, 0, len(list))
	for _, a := range list {
		items = append(items, renderRoleAssignment(a))
	}
	return g.collection(roleAssignmentsContext, "UnifiedRoleAssignment", items)
}

func (g *graphReq) getRoleAssignment() (reply, error) {
	a, err := g.e.store.directoryRoleAssignment(g.refs["{id}"].value, g.view)
	if err != nil {
		return reply{}, err
	}
	return g.entity(http.StatusOK, roleAssignmentsContext, renderRoleAssignment(a))
}

// createRoleAssignment assigns a built-in role tenant-wide. The body is checked before the
// directory is asked; the messages for an id that is no GUID are the emulator's, in Graph's
// words for a value it rejects.
func (g *graphReq) createRoleAssignment() (reply, error) {
	obj, err := g.readObject()
	if err != nil {
		return reply{}, err
	}
	principalID, _ := str(obj, "principalId")
	roleID, _ := str(obj, "roleDefinitionId")
	scope, _ := str(obj, "directoryScopeId")
	appScope, _ := str(obj, "appScopeId")
	switch {
	case !isGUID(principalID):
		return reply{}, errInvalidValue("principalId", "UnifiedRoleAssignment")
	case !isGUID(roleID):
		return reply{}, errInvalidValue("roleDefinitionId", "UnifiedRoleAssignment")
	case scope != tenantScope || appScope != "":
		return reply{}, errRoleAssignmentScope()
	}
	a, err := g.e.store.assignDirectoryRole(principalID, roleID, g.view)
	if err != nil {
		return reply{}, err
	}
	return g.entity(http.StatusCreated, roleAssignmentsContext, renderRoleAssignment(a))
}

func (g *graphReq) deleteRoleAssignment() (reply, error) {
	if err := g.e.store.removeDirectoryRoleAssignment(g.refs["{id}"].value, g.view); err != nil {
		return reply{}, err
	}
	return noContent()
}

// renderRoleDefinition is a built-in role as Graph lists it (rbacapplication-list-roledefinitions
// example). rolePermissions, the actions a role allows, is left out: the emulator does not
// model them and would rather give none than a made-up subset.
func renderRoleDefinition(r builtInRole) map[string]any {
	return map[string]any{
		"id":             r.templateID,
		"description":    r.description,
		"displayName":    r.displayName,
		"isBuiltIn":      true,
		"isEnabled":      true,
		"resourceScopes": []string{tenantScope},
		"templateId":     r.templateID,
		"version":        "1",
	}
}

// renderRoleAssignment is an assignment as Graph answers it: the properties of the
// rbacapplication-list-roleassignments examples, resourceScope (which v1.0 still returns
// beside directoryScopeId) included and no appScopeId for a directory-scoped one.
func renderRoleAssignment(a DirectoryRoleAssignment) map[string]any {
	return map[string]any{
		"id":               a.ID,
		"principalId":      a.PrincipalID,
		"resourceScope":    a.DirectoryScopeID,
		"directoryScopeId": a.DirectoryScopeID,
		"roleDefinitionId": a.RoleDefinitionID,
	}
}
