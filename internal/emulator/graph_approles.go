package emulator

import (
	"net/http"
	"strings"
)

// App role assignments: application permissions granted to a client service principal,
// reachable from the resource (appRoleAssignedTo) and from the principal (appRoleAssignments).

func (g *graphReq) listAssignedTo() (reply, error)  { return g.listAssignmentsOf(onResource) }
func (g *graphReq) listAssignments() (reply, error) { return g.listAssignmentsOf(onPrincipal) }
func (g *graphReq) getAssignedTo() (reply, error)   { return g.getAssignmentOf(onResource) }
func (g *graphReq) getAssignment() (reply, error)   { return g.getAssignmentOf(onPrincipal) }
func (g *graphReq) assignTo() (reply, error)        { return g.assignOn(onResource) }
func (g *graphReq) assign() (reply, error)          { return g.assignOn(onPrincipal) }
func (g *graphReq) removeAssignedTo() (reply, error) {
	return g.removeAssignmentOf(onResource)
}
func (g *graphReq) removeAssignment() (reply, error) { return g.removeAssignmentOf(onPrincipal) }

// assignmentContext is the @odata.context of assignments reached from the principal owner.
func assignmentContext(owner *servicePrincipal, sd side) string {
	nav := "appRoleAssignments"
	if sd == onResource {
		nav = "appRoleAssignedTo"
	}
	return "servicePrincipals('" + owner.id + "')/" + nav
}

func (g *graphReq) listAssignmentsOf(sd side) (reply, error) {
	owner, list, err := g.e.store.assignmentsOf(g.sp(), sd, g.view)
	if err != nil {
		return reply{}, err
	}
	items := make([]map[string]any, 0, len(list))
	for _, a := range list {
		items = append(items, renderAssignment(a))
	}
	return g.collection(assignmentContext(owner, sd), "AppRoleAssignment", items)
}

func (g *graphReq) getAssignmentOf(sd side) (reply, error) {
	owner, a, err := g.e.store.assignment(g.sp(), sd, g.refs["{id}"].value, g.view)
	if err != nil {
		return reply{}, err
	}
	return g.entity(http.StatusOK, assignmentContext(owner, sd), renderAssignment(a))
}

func (g *graphReq) assignOn(sd side) (reply, error) {
	obj, err := g.readObject()
	if err != nil {
		return reply{}, err
	}
	var in AppRoleAssignment
	in.PrincipalID, _ = str(obj, "principalId")
	in.ResourceID, _ = str(obj, "resourceId")
	in.AppRoleID, _ = str(obj, "appRoleId")
	switch {
	case !isGUID(in.PrincipalID):
		return reply{}, errInvalidValue("principalId", "AppRoleAssignment")
	case !isGUID(in.ResourceID):
		return reply{}, errInvalidValue("resourceId", "AppRoleAssignment")
	case !isGUID(in.AppRoleID):
		return reply{}, errInvalidValue("appRoleId", "AppRoleAssignment")
	}
	if err := g.checkConsentRole(in.ResourceID); err != nil {
		return reply{}, err
	}
	owner, a, err := g.e.store.assignAppRole(g.sp(), sd, in, g.view)
	if err != nil {
		return reply{}, err
	}
	return g.entity(http.StatusCreated, assignmentContext(owner, sd), renderAssignment(a))
}

func (g *graphReq) removeAssignmentOf(sd side) (reply, error) {
	owner := g.sp()
	if err := g.e.store.removeAssignment(&owner, sd, g.refs["{id}"].value, g.view); err != nil {
		return reply{}, err
	}
	return noContent()
}

// checkConsentRole: a person may grant Microsoft Graph's application permissions only as a
// Global or Privileged Role Administrator; Application and Cloud Application Administrators
// may grant any other API's (grant-admin-consent.md, permissions-reference.md).
func (g *graphReq) checkConsentRole(resourceID string) error {
	if !g.caller.delegated {
		return nil
	}
	res, err := g.e.store.servicePrincipal(byID(resourceID), g.view)
	if err != nil {
		return nil //nolint:nilerr // the directory answers for a resource that does not exist
	}
	if strings.EqualFold(res.appID, GraphAppID) && !holdsAny(g.caller.wids, rolesConsentGraph) {
		return errRoleRequired()
	}
	return nil
}

func renderAssignment(a AppRoleAssignment) map[string]any {
	return map[string]any{
		"@odata.type":          "#microsoft.graph.appRoleAssignment",
		"id":                   a.ID,
		"deletedDateTime":      nil,
		"appRoleId":            a.AppRoleID,
		"createdDateTime":      timeOrNull(a.CreatedDateTime),
		"principalDisplayName": a.PrincipalDisplayName,
		"principalId":          a.PrincipalID,
		"principalType":        "ServicePrincipal",
		"resourceDisplayName":  a.ResourceDisplayName,
		"resourceId":           a.ResourceID,
	}
}
