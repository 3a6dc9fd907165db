package emulator

import (
	"net/http"
	"strings"
)

// /oauth2PermissionGrants: delegated permissions consented for a client (admin consent for
// all users, or one user's consent).

func (g *graphReq) oauth2PermissionGrants() {
	segs := g.segs
	if segs[0].keyProp != "" {
		g.badSegment(segs[0].name + "(" + segs[0].keyProp + ")")
		return
	}
	if len(segs) > 2 {
		g.badSegment(segs[2].name)
		return
	}
	if len(segs) == 1 {
		switch g.r.Method {
		case http.MethodGet:
			if g.allowed(permGrantRead) {
				g.listGrants(func(*grant) bool { return true }, "oauth2PermissionGrants")
			}
		case http.MethodPost:
			if g.allowed(permGrantWrite) {
				g.createGrant()
			}
		default:
			g.methodNotAllowed()
		}
		return
	}
	id := segs[1].name
	switch g.r.Method {
	case http.MethodGet:
		if !g.allowed(permGrantRead) {
			return
		}
	case http.MethodPatch, http.MethodDelete:
		if !g.allowed(permGrantWrite) {
			return
		}
	default:
		g.methodNotAllowed()
		return
	}
	s := g.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	gr := s.grants[id]
	if gr == nil || !visible(gr.visibleAt, g.now) {
		g.notFound(id)
		return
	}
	switch g.r.Method {
	case http.MethodGet:
		g.entity(http.StatusOK, "oauth2PermissionGrants", renderGrant(gr))
	case http.MethodDelete:
		delete(s.grants, id)
		g.noContent()
	case http.MethodPatch:
		obj, ok := g.readObject()
		if !ok {
			return
		}
		for k := range obj {
			if k != "scope" {
				// Only scope can change; the other properties identify the grant.
				g.badRequest("Property '" + k + "' is read-only and cannot be set.")
				return
			}
		}
		if scope, ok := str(obj, "scope"); ok {
			if len(scope) > 3850 {
				g.invalidValue("scope", "OAuth2PermissionGrant")
				return
			}
			gr.Scope = scope
		}
		g.noContent()
	}
}

// grantsOfServicePrincipal serves /servicePrincipals/{id}/oauth2PermissionGrants.
func (g *graphReq) grantsOfServicePrincipal(ref string, byAppID bool, rest []segment) {
	if len(rest) > 0 {
		g.badSegment(rest[0].name)
		return
	}
	if g.r.Method != http.MethodGet {
		g.methodNotAllowed()
		return
	}
	if !g.allowed(permGrantRead) {
		return
	}
	g.e.store.mu.Lock()
	sp := g.findSP(ref, byAppID)
	g.e.store.mu.Unlock()
	if sp == nil {
		g.notFound(ref)
		return
	}
	g.listGrants(func(gr *grant) bool { return gr.ClientID == sp.id }, "servicePrincipals('"+sp.id+"')/oauth2PermissionGrants")
}

func (g *graphReq) listGrants(keep func(*grant) bool, context string) {
	s := g.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	var items []map[string]any
	for _, gr := range sortedGrants(s.grants) {
		if keep(gr) && visible(gr.visibleAt, g.now) {
			items = append(items, renderGrant(gr))
		}
	}
	g.collection(context, "OAuth2PermissionGrant", items)
}

func (g *graphReq) createGrant() {
	obj, ok := g.readObject()
	if !ok {
		return
	}
	clientID, _ := str(obj, "clientId")
	resourceID, _ := str(obj, "resourceId")
	consentType, _ := str(obj, "consentType")
	principalID, _ := str(obj, "principalId")
	scope, _ := str(obj, "scope")
	switch {
	case !isGUID(clientID):
		g.invalidValue("clientId", "OAuth2PermissionGrant")
		return
	case !isGUID(resourceID):
		g.invalidValue("resourceId", "OAuth2PermissionGrant")
		return
	case consentType != "AllPrincipals" && consentType != "Principal":
		g.invalidValue("consentType", "OAuth2PermissionGrant")
		return
	case consentType == "AllPrincipals" && principalID != "":
		g.invalidValue("principalId", "OAuth2PermissionGrant")
		return
	case consentType == "Principal" && !isGUID(principalID):
		g.invalidValue("principalId", "OAuth2PermissionGrant")
		return
	case len(scope) > 3850:
		g.invalidValue("scope", "OAuth2PermissionGrant")
		return
	}
	s := g.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	// While either principal replicates (or if it does not exist), Graph answers
	// Directory_ObjectNotFound, as deployment scripts that retry on it record.
	if s.spByID(clientID, g.now) == nil || s.spByID(resourceID, g.now) == nil {
		g.fail(http.StatusNotFound, "Directory_ObjectNotFound", "Unable to read the company information from the directory.")
		return
	}
	if consentType == "Principal" && s.userByIDOrUPN(principalID) == nil {
		g.notFound(principalID)
		return
	}
	id := grantID(strings.ToLower(clientID), strings.ToLower(resourceID), strings.ToLower(principalID))
	if _, dup := s.grants[id]; dup {
		g.badRequest("Permission entry already exists.")
		return
	}
	gr := &grant{
		DelegatedGrant: DelegatedGrant{ID: id, ClientID: strings.ToLower(clientID), ResourceID: strings.ToLower(resourceID), ConsentType: consentType, PrincipalID: strings.ToLower(principalID), Scope: scope},
		visibleAt:      g.e.visibleAt(g.now),
	}
	s.grants[id] = gr
	g.entity(http.StatusCreated, "oauth2PermissionGrants", renderGrant(gr))
}

func renderGrant(gr *grant) map[string]any {
	return map[string]any{
		"id":          gr.ID,
		"clientId":    gr.ClientID,
		"consentType": gr.ConsentType,
		"principalId": nullIfEmpty(gr.PrincipalID),
		"resourceId":  gr.ResourceID,
		"scope":       gr.Scope,
	}
}
