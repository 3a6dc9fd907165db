package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
)

// The directory's service principal operations: enterprise applications, the app role
// assignments (application permissions) and delegated grants that hang off them.

const zeroGUID = "00000000-0000-0000-0000-000000000000"

// servicePrincipalChange is what an update sets; nil fields stay as they are.
type servicePrincipalChange struct {
	displayName *string
	appID       *string // echoed back; must equal the principal's own
	props       map[string]json.RawMessage
	// bound are the owners a create names in owners@odata.bind.
	bound []string
}

// side says which end of an assignment a path starts from: the resource
// (/servicePrincipals/{id}/appRoleAssignedTo) or the principal (/appRoleAssignments).
type side int

const (
	onPrincipal side = iota
	onResource
)

func (sd side) holds(a *assignment, sp *servicePrincipal) bool {
	if sd == onResource {
		return a.ResourceID == sp.id
	}
	return a.PrincipalID == sp.id
}

func (s *store) servicePrincipal(r ref, v view) (*servicePrincipal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.spByRef(r, v)
	if sp == nil {
		return nil, errObjectNotFound(r.value)
	}
	return sp.clone(), nil
}

func (s *store) servicePrincipals(v view) []*servicePrincipal {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*servicePrincipal
	for _, sp := range sortedSPs(s.sps) {
		if v.sees(sp.visibleAt) {
			out = append(out, sp.clone())
		}
	}
	return out
}

// createServicePrincipal creates the enterprise application of a registration in this
// tenant.
func (s *store) createServicePrincipal(appID string, v view) (*servicePrincipal, error) {
	return s.createServicePrincipalOwned(appID, "", v)
}

// createServicePrincipalOwned creates it with owner (a person's object id, "" for none).
func (s *store) createServicePrincipalOwned(appID, owner string, v view) (*servicePrincipal, error) {
	return s.createServicePrincipalWith(appID, owner, servicePrincipalChange{}, v)
}

// createServicePrincipalWith creates it owned by owner (a person's object id, "" for none)
// and the owners c binds, with the properties c sets.
func (s *store) createServicePrincipalWith(appID, owner string, c servicePrincipalChange, v view) (*servicePrincipal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Uniqueness is enforced where the write lands, so a principal still replicating
	// conflicts too.
	if s.spByAppID(appID, view{all: true}) != nil {
		return nil, errServicePrincipalNameInUse(appID)
	}
	app := s.appByAppID(appID, v)
	if app == nil {
		return nil, errNoBackingApplication(appID)
	}
	owners, err := s.checkOwners(owner, c.bound, v)
	if err != nil {
		return nil, err
	}
	sp := &servicePrincipal{
		id: newGUID(), appID: app.appID, displayName: app.displayName, appDisplayName: app.displayName,
		ownerTenant: s.tenantID, created: v.now, visibleAt: v.visibleAt, owners: owners,
	}
	if err := sp.apply(c); err != nil {
		return nil, err
	}
	s.sps[sp.id] = sp
	return sp.clone(), nil
}

// owns reports whether the person userID owns the object a path names: an application, a
// service principal, or a deleted item.
func (s *store) owns(userID string, refs map[string]ref, v view) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := refs["{app}"]; ok {
		a := s.appByRef(r, v)
		return a != nil && ownedBy(a.owners, userID)
	}
	if r, ok := refs["{sp}"]; ok {
		sp := s.spByRef(r, v)
		return sp != nil && ownedBy(sp.owners, userID)
	}
	if r, ok := refs["{id}"]; ok {
		if a := s.deleted[strings.ToLower(r.value)]; a != nil {
			return ownedBy(a.owners, userID)
		}
		if d := s.deletedSPs[strings.ToLower(r.value)]; d != nil {
			return ownedBy(d.sp.owners, userID)
		}
	}
	return false
}

// addFirstPartyServicePrincipal puts a Microsoft service (Graph, Exchange Online) into the
// tenant, as every tenant has them; their applications live in Microsoft's own tenant.
func (s *store) addFirstPartyServicePrincipal(sp *servicePrincipal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sps[sp.id] = sp
}

func (s *store) updateServicePrincipal(r ref, c servicePrincipalChange, v view) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.spByRef(r, v)
	if sp == nil {
		return errObjectNotFound(r.value)
	}
	if c.appID != nil && !strings.EqualFold(*c.appID, sp.appID) {
		return errReadOnly("appId")
	}
	cp := sp.clone()
	if err := cp.apply(c); err != nil {
		return err
	}
	*sp = *cp
	return nil
}

// apply sets c's display name and properties on sp, stopping at the first value it rejects:
// an update applies it to a copy.
func (sp *servicePrincipal) apply(c servicePrincipalChange) error {
	if c.displayName != nil {
		if strings.TrimSpace(*c.displayName) == "" {
			return errInvalidValue("displayName", "ServicePrincipal")
		}
		sp.displayName = *c.displayName
	}
	if sp.props == nil {
		sp.props = map[string]json.RawMessage{}
	}
	for k, raw := range c.props {
		sp.props[k] = raw
	}
	return nil
}

// deleteServicePrincipal moves a service principal to the deleted items container; the
// application registration stays.
func (s *store) deleteServicePrincipal(r ref, v view) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.spByRef(r, v)
	if sp == nil {
		return errObjectNotFound(r.value)
	}
	s.softDeleteSP(sp, v)
	return nil
}

// softDeleteSP moves a principal, and every assignment and grant it is either end of, into
// the deleted items container; its directory role assignments are deleted
// (dropRoleAssignmentsOf). The caller holds the lock.
func (s *store) softDeleteSP(sp *servicePrincipal, v view) {
	s.dropRoleAssignmentsOf(sp.id)
	d := &deletedServicePrincipal{sp: sp}
	for id, a := range s.assignments {
		if a.PrincipalID == sp.id || a.ResourceID == sp.id {
			d.assignments = append(d.assignments, a)
			delete(s.assignments, id)
		}
	}
	for id, g := range s.grants {
		if g.ClientID == sp.id || g.ResourceID == sp.id {
			d.grants = append(d.grants, g)
			delete(s.grants, id)
		}
	}
	delete(s.sps, sp.id)
	sp.deleted = v.now
	s.deletedSPs[sp.id] = d
}

// assignmentsOf lists the assignments held by (onPrincipal) or granted on (onResource) the
// service principal r, with that principal.
func (s *store) assignmentsOf(r ref, sd side, v view) (*servicePrincipal, []AppRoleAssignment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	owner := s.spByRef(r, v)
	if owner == nil {
		return nil, nil, errObjectNotFound(r.value)
	}
	var out []AppRoleAssignment
	for _, a := range sortedAssignments(s.assignments) {
		if sd.holds(a, owner) && v.sees(a.visibleAt) {
			out = append(out, a.AppRoleAssignment)
		}
	}
	return owner.clone(), out, nil
}

// assignment finds one assignment under the service principal r.
func (s *store) assignment(r ref, sd side, id string, v view) (*servicePrincipal, AppRoleAssignment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	owner := s.spByRef(r, v)
	if owner == nil {
		return nil, AppRoleAssignment{}, errObjectNotFound(r.value)
	}
	a := s.assignments[id]
	if a == nil || !sd.holds(a, owner) || !v.sees(a.visibleAt) {
		return nil, AppRoleAssignment{}, errObjectNotFound(id)
	}
	return owner.clone(), a.AppRoleAssignment, nil
}

// assignAppRole grants the application permission in.AppRoleID of in.ResourceID to
// in.PrincipalID, through the service principal r at end sd of the assignment.
func (s *store) assignAppRole(r ref, sd side, in AppRoleAssignment, v view) (*servicePrincipal, AppRoleAssignment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	owner := s.spByRef(r, v)
	if owner == nil {
		return nil, AppRoleAssignment{}, errObjectNotFound(r.value)
	}
	principal, resource, err := s.assignmentEnds(owner, sd, in, v)
	if err != nil {
		return nil, AppRoleAssignment{}, err
	}
	role := resource.appRole(in.AppRoleID)
	if (role == nil || role.Disabled) && in.AppRoleID != zeroGUID {
		return nil, AppRoleAssignment{}, errBadRequest("Permission being assigned was not found on application '" + resource.appID + "'.")
	}
	for _, a := range s.assignments {
		if a.PrincipalID == principal.id && a.ResourceID == resource.id && strings.EqualFold(a.AppRoleID, in.AppRoleID) {
			return nil, AppRoleAssignment{}, errBadRequest("Permission being assigned already exists on the object")
		}
	}
	a := &assignment{
		AppRoleAssignment: AppRoleAssignment{
			ID: newAssignmentID(principal.id), PrincipalID: principal.id, PrincipalDisplayName: principal.displayName,
			ResourceID: resource.id, ResourceDisplayName: resource.displayName, AppRoleID: strings.ToLower(in.AppRoleID),
			CreatedDateTime: v.now,
		},
		visibleAt: v.visibleAt,
	}
	s.assignments[a.ID] = a
	return owner.clone(), a.AppRoleAssignment, nil
}

// assignmentEnds resolves the principal and the resource of a new assignment. The end the
// path names must be the owner; a principal that exists but is still replicating gets the
// answer Graph gives in that window.
func (s *store) assignmentEnds(owner *servicePrincipal, sd side, in AppRoleAssignment, v view) (principal, resource *servicePrincipal, err error) {
	if sd == onPrincipal {
		if !strings.EqualFold(in.PrincipalID, owner.id) {
			return nil, nil, errInvalidValue("principalId", "AppRoleAssignment")
		}
		resource = s.spByRef(byID(in.ResourceID), v)
		if resource == nil {
			return nil, nil, errObjectNotFound(in.ResourceID)
		}
		return owner, resource, nil
	}
	if !strings.EqualFold(in.ResourceID, owner.id) {
		return nil, nil, errInvalidValue("resourceId", "AppRoleAssignment")
	}
	principal = s.sps[strings.ToLower(in.PrincipalID)]
	switch {
	case principal == nil:
		return nil, nil, errObjectNotFound(in.PrincipalID)
	case !v.sees(principal.visibleAt):
		return nil, nil, errBadRequest("Not a valid reference update.")
	}
	return principal, owner, nil
}

// removeAssignment revokes an assignment; r and sd name the path it is reached by (nil r:
// any, as in the portal).
func (s *store) removeAssignment(r *ref, sd side, id string, v view) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.assignments[id]
	if r != nil {
		owner := s.spByRef(*r, v)
		if owner == nil {
			return errObjectNotFound(r.value)
		}
		if a != nil && !sd.holds(a, owner) {
			a = nil
		}
	}
	if a == nil || !v.sees(a.visibleAt) {
		return errObjectNotFound(id)
	}
	delete(s.assignments, id)
	return nil
}

// grantsOf lists delegated grants; client non-nil keeps those of that client principal, and
// returns it resolved.
func (s *store) grantsOf(client *ref, v view) (*servicePrincipal, []DelegatedGrant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sp *servicePrincipal
	if client != nil {
		if sp = s.spByRef(*client, v); sp == nil {
			return nil, nil, errObjectNotFound(client.value)
		}
	}
	var out []DelegatedGrant
	for _, g := range sortedGrants(s.grants) {
		if (sp == nil || g.ClientID == sp.id) && v.sees(g.visibleAt) {
			out = append(out, g.DelegatedGrant)
		}
	}
	if sp != nil {
		sp = sp.clone()
	}
	return sp, out, nil
}

func (s *store) grant(id string, v view) (DelegatedGrant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.grants[id]
	if g == nil || !v.sees(g.visibleAt) {
		return DelegatedGrant{}, errObjectNotFound(id)
	}
	return g.DelegatedGrant, nil
}

// maxGrantScope is the documented limit of oauth2PermissionGrant.scope.
const maxGrantScope = 3850

// createGrant consents delegated permissions for a client, for all users or for one.
func (s *store) createGrant(in DelegatedGrant, v view) (DelegatedGrant, error) {
	if len(in.Scope) > maxGrantScope {
		return DelegatedGrant{}, errInvalidValue("scope", "OAuth2PermissionGrant")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// While either principal replicates (or if it does not exist), Graph answers
	// Directory_ObjectNotFound, as deployment scripts that retry on it record.
	if s.spByRef(byID(in.ClientID), v) == nil || s.spByRef(byID(in.ResourceID), v) == nil {
		return DelegatedGrant{}, newGraphError(http.StatusNotFound, "Directory_ObjectNotFound", "Unable to read the company information from the directory.")
	}
	if in.ConsentType == "Principal" && s.userByIDOrUPN(in.PrincipalID) == nil {
		return DelegatedGrant{}, errObjectNotFound(in.PrincipalID)
	}
	in.ClientID, in.ResourceID, in.PrincipalID = strings.ToLower(in.ClientID), strings.ToLower(in.ResourceID), strings.ToLower(in.PrincipalID)
	in.ID = grantID(in.ClientID, in.ResourceID, in.PrincipalID)
	if _, dup := s.grants[in.ID]; dup {
		return DelegatedGrant{}, errBadRequest("Permission entry already exists.")
	}
	s.grants[in.ID] = &grant{DelegatedGrant: in, visibleAt: v.visibleAt}
	return in, nil
}

// updateGrantScope replaces a grant's scope: the only property that can change, the others
// identify the grant.
func (s *store) updateGrantScope(id, scope string, v view) error {
	if len(scope) > maxGrantScope {
		return errInvalidValue("scope", "OAuth2PermissionGrant")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.grants[id]
	if g == nil || !v.sees(g.visibleAt) {
		return errObjectNotFound(id)
	}
	g.Scope = scope
	return nil
}

func (s *store) deleteGrant(id string, v view) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.grants[id]
	if g == nil || !v.sees(g.visibleAt) {
		return errObjectNotFound(id)
	}
	delete(s.grants, id)
	return nil
}
