package emulator

import (
	"net/http"
	"strings"
)

// App role assignments: application permissions granted to a client service principal,
// reachable from the resource (appRoleAssignedTo) and from the principal (appRoleAssignments).

const zeroGUID = "00000000-0000-0000-0000-000000000000"

// appRoleAssignmentsOf serves /servicePrincipals/{ref}/appRoleAssignedTo[/{id}] (onResource)
// and /servicePrincipals/{ref}/appRoleAssignments[/{id}].
func (g *graphReq) appRoleAssignmentsOf(ref string, byAppID bool, rest []segment, onResource bool) {
	nav := "appRoleAssignments"
	if onResource {
		nav = "appRoleAssignedTo"
	}
	if len(rest) > 1 {
		g.badSegment(rest[1].name)
		return
	}
	switch {
	case len(rest) == 0 && g.r.Method == http.MethodGet, len(rest) == 1 && g.r.Method == http.MethodGet:
		if !g.allowed(append(append([]string{}, permAppRead...), permAssign...)) {
			return
		}
	case len(rest) == 0 && g.r.Method == http.MethodPost:
		// Assigning needs the right to assign and the right to read the applications.
		if !g.allowed(permAssign, append(append([]string{}, permAppRead...), permAssign...)) {
			return
		}
	case len(rest) == 1 && g.r.Method == http.MethodDelete:
		if !g.allowed(permAssign) {
			return
		}
	default:
		g.methodNotAllowed()
		return
	}

	s := g.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	owner := g.findSP(ref, byAppID)
	if owner == nil {
		g.notFound(ref)
		return
	}
	context := "servicePrincipals('" + owner.id + "')/" + nav
	belongs := func(a *assignment) bool {
		if onResource {
			return a.ResourceID == owner.id
		}
		return a.PrincipalID == owner.id
	}

	if len(rest) == 1 {
		id := rest[0].name
		a := s.assignments[id]
		if a == nil || !belongs(a) || !visible(a.visibleAt, g.now) {
			g.notFound(id)
			return
		}
		if g.r.Method == http.MethodDelete {
			delete(s.assignments, id)
			g.noContent()
			return
		}
		g.entity(http.StatusOK, context, renderAssignment(a))
		return
	}

	if g.r.Method == http.MethodGet {
		var items []map[string]any
		for _, a := range sortedAssignments(s.assignments) {
			if belongs(a) && visible(a.visibleAt, g.now) {
				items = append(items, renderAssignment(a))
			}
		}
		g.collection(context, "AppRoleAssignment", items)
		return
	}
	g.createAssignment(owner, onResource, context)
}

// createAssignment validates and stores a new assignment; the caller holds the store lock.
func (g *graphReq) createAssignment(owner *servicePrincipal, onResource bool, context string) {
	obj, ok := g.readObject()
	if !ok {
		return
	}
	principalID, _ := str(obj, "principalId")
	resourceID, _ := str(obj, "resourceId")
	appRoleID, _ := str(obj, "appRoleId")
	switch {
	case !isGUID(principalID):
		g.invalidValue("principalId", "AppRoleAssignment")
		return
	case !isGUID(resourceID):
		g.invalidValue("resourceId", "AppRoleAssignment")
		return
	case !isGUID(appRoleID):
		g.invalidValue("appRoleId", "AppRoleAssignment")
		return
	case onResource && !strings.EqualFold(resourceID, owner.id):
		g.invalidValue("resourceId", "AppRoleAssignment")
		return
	case !onResource && !strings.EqualFold(principalID, owner.id):
		g.invalidValue("principalId", "AppRoleAssignment")
		return
	}
	s := g.e.store
	var principal, resource *servicePrincipal
	if onResource {
		resource = owner
		principal = s.sps[strings.ToLower(principalID)]
		if principal == nil {
			g.notFound(principalID)
			return
		}
		if !visible(principal.visibleAt, g.now) {
			// What Graph answers while the principal is still replicating.
			g.badRequest("Not a valid reference update.")
			return
		}
	} else {
		principal = owner
		resource = s.spByID(resourceID, g.now)
		if resource == nil {
			g.notFound(resourceID)
			return
		}
	}
	role := resource.appRole(appRoleID)
	if (role == nil || role.Disabled) && appRoleID != zeroGUID {
		g.badRequest("Permission being assigned was not found on application '" + resource.appID + "'.")
		return
	}
	for _, a := range s.assignments {
		if a.PrincipalID == principal.id && a.ResourceID == resource.id && strings.EqualFold(a.AppRoleID, appRoleID) {
			g.badRequest("Permission being assigned already exists on the object")
			return
		}
	}
	a := &assignment{
		AppRoleAssignment: AppRoleAssignment{
			ID: newAssignmentID(principal.id), PrincipalID: principal.id, PrincipalDisplayName: principal.displayName,
			ResourceID: resource.id, ResourceDisplayName: resource.displayName, AppRoleID: strings.ToLower(appRoleID),
			CreatedDateTime: g.now,
		},
		visibleAt: g.e.visibleAt(g.now),
	}
	s.assignments[a.ID] = a
	g.entity(http.StatusCreated, context, renderAssignment(a))
}

func renderAssignment(a *assignment) map[string]any {
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
