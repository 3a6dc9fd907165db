package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
)

// servicePrincipalProps are the writable servicePrincipal properties stored as sent.
var servicePrincipalProps = set("accountenabled", "approleassignmentrequired", "tags", "notes", "description",
	"homepage", "loginurl", "logouturl", "notificationemailaddresses", "preferredsinglesignonmode", "replyurls",
	"alternativenames", "samlsinglesignonsettings", "info", "preferredtokensigningkeythumbprint", "customsecurityattributes")

// servicePrincipalReadOnly are computed properties a client may echo back unchanged.
var servicePrincipalReadOnly = set("id", "appid", "appdisplayname", "appownerorganizationid", "serviceprincipaltype", "signinaudience", "deleteddatetime", "serviceprincipalnames", "approles", "oauth2permissionscopes")

// /servicePrincipals: enterprise applications (service principals) and what hangs off them.

func (g *graphReq) servicePrincipals() {
	segs := g.segs
	if len(segs) == 1 && segs[0].keyProp == "" {
		switch g.r.Method {
		case http.MethodPost:
			g.createServicePrincipal()
		case http.MethodGet:
			g.listServicePrincipals()
		default:
			g.methodNotAllowed()
		}
		return
	}
	var ref string
	var byAppID bool
	rest := segs[1:]
	switch {
	case strings.EqualFold(segs[0].keyProp, "appId"):
		ref, byAppID = segs[0].keyVal, true
	case strings.EqualFold(segs[0].keyProp, "id"):
		ref = segs[0].keyVal
	case segs[0].keyProp != "":
		g.badSegment(segs[0].name + "(" + segs[0].keyProp + ")")
		return
	default:
		ref, rest = segs[1].name, segs[2:]
	}
	if len(rest) == 0 {
		g.servicePrincipal(ref, byAppID)
		return
	}
	switch rest[0].name {
	case "appRoleAssignedTo":
		g.appRoleAssignmentsOf(ref, byAppID, rest[1:], true)
	case "appRoleAssignments":
		g.appRoleAssignmentsOf(ref, byAppID, rest[1:], false)
	case "oauth2PermissionGrants":
		g.grantsOfServicePrincipal(ref, byAppID, rest[1:])
	default:
		g.badSegment(rest[0].name)
	}
}

// findSP resolves a path reference; the caller holds the store lock.
func (g *graphReq) findSP(ref string, byAppID bool) *servicePrincipal {
	s := g.e.store
	if byAppID {
		return s.spByAppID(ref, g.now)
	}
	return s.spByID(ref, g.now)
}

func (g *graphReq) servicePrincipal(ref string, byAppID bool) {
	switch g.r.Method {
	case http.MethodGet:
		if !g.allowed(permAppRead) {
			return
		}
	case http.MethodDelete, http.MethodPatch:
		if !g.allowed(permAppWrite) {
			return
		}
	default:
		g.methodNotAllowed()
		return
	}
	s := g.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := g.findSP(ref, byAppID)
	if sp == nil {
		g.notFound(ref)
		return
	}
	switch g.r.Method {
	case http.MethodGet:
		g.entity(http.StatusOK, "servicePrincipals", g.e.renderServicePrincipal(sp))
	case http.MethodPatch:
		g.patchServicePrincipal(sp)
	default:
		s.removeSP(sp.id)
		g.noContent()
	}
}

// patchServicePrincipal updates the writable properties present in the body.
func (g *graphReq) patchServicePrincipal(sp *servicePrincipal) {
	obj, ok := g.readObject()
	if !ok {
		return
	}
	name, props := sp.displayName, map[string]json.RawMessage{}
	for k, v := range sp.props {
		props[k] = v
	}
	for key, raw := range obj {
		lk := strings.ToLower(key)
		switch {
		case lk == "displayname":
			v, ok := str(obj, key)
			if !ok || strings.TrimSpace(v) == "" {
				g.invalidValue("displayName", "ServicePrincipal")
				return
			}
			name = v
		case lk == "appid":
			if v, _ := str(obj, key); !strings.EqualFold(v, sp.appID) {
				g.badRequest("Property 'appId' is read-only and cannot be set.")
				return
			}
		case servicePrincipalReadOnly[lk]:
		case servicePrincipalProps[lk]:
			props[key] = raw
		default:
			g.fail(http.StatusBadRequest, "BadRequest", "The property '"+key+"' does not exist on type 'microsoft.graph.servicePrincipal'. Make sure to only use property names that are defined by the type or mark the type as open type.")
			return
		}
	}
	sp.displayName, sp.props = name, props
	g.noContent()
}

func (g *graphReq) createServicePrincipal() {
	if !g.allowed(permAppWrite) {
		return
	}
	obj, ok := g.readObject()
	if !ok {
		return
	}
	appID, ok := str(obj, "appId")
	if !ok || !isGUID(appID) {
		g.invalidValue("appId", "ServicePrincipal")
		return
	}
	s := g.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	// Uniqueness is enforced where the write lands, so a principal still replicating
	// conflicts too.
	if s.spByAppIDAny(appID) != nil {
		msg := "The service principal cannot be created, updated, or restored because the service principal name " + appID + " is already in use."
		g.fail(http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue", msg, graphDetail{Code: "ObjectConflict", Message: msg, Target: "servicePrincipalNames"})
		return
	}
	app := s.appByAppID(appID, g.now)
	if app == nil {
		// Both for an unknown appId and for an application that has not replicated yet:
		// Graph cannot tell them apart either.
		msg := "The appId '" + appID + "' of the service principal does not reference a valid application object."
		g.fail(http.StatusBadRequest, "Request_BadRequest", msg, graphDetail{Code: "NoBackingApplicationObject", Message: msg, Target: "appId"})
		return
	}
	sp := &servicePrincipal{
		id: newGUID(), appID: app.appID, displayName: app.displayName, appDisplayName: app.displayName,
		ownerTenant: s.tenantID, created: g.now, visibleAt: g.e.visibleAt(g.now),
	}
	s.sps[sp.id] = sp
	g.entity(http.StatusCreated, "servicePrincipals", g.e.renderServicePrincipal(sp))
}

func (g *graphReq) listServicePrincipals() {
	if !g.allowed(permAppRead) {
		return
	}
	s := g.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	var items []map[string]any
	for _, sp := range sortedSPs(s.sps) {
		if visible(sp.visibleAt, g.now) {
			items = append(items, g.e.renderServicePrincipal(sp))
		}
	}
	g.collection("servicePrincipals", "ServicePrincipal", items)
}

func (e *Emulator) renderServicePrincipal(sp *servicePrincipal) map[string]any {
	roles := make([]any, 0, len(sp.appRoles))
	for _, r := range sp.appRoles {
		members := r.AllowedMemberTypes
		if members == nil {
			members = []string{"Application"}
		}
		roles = append(roles, map[string]any{
			"allowedMemberTypes": members,
			"description":        r.Description,
			"displayName":        r.DisplayName,
			"id":                 r.ID,
			"isEnabled":          !r.Disabled,
			"origin":             "Application",
			"value":              r.Value,
		})
	}
	scopes := make([]any, 0, len(sp.scopes))
	for _, sc := range sp.scopes {
		scopes = append(scopes, map[string]any{
			"adminConsentDescription": sc.AdminConsentDescription,
			"adminConsentDisplayName": sc.AdminConsentDisplayName,
			"id":                      sc.ID,
			"isEnabled":               !sc.Disabled,
			"type":                    sc.Type,
			"userConsentDescription":  sc.AdminConsentDescription,
			"userConsentDisplayName":  sc.AdminConsentDisplayName,
			"value":                   sc.Value,
		})
	}
	names := append([]string{sp.appID}, sp.resourceURIs...)
	v := map[string]any{
		"@odata.type":                            "#microsoft.graph.servicePrincipal",
		"id":                                     sp.id,
		"deletedDateTime":                        nil,
		"accountEnabled":                         true,
		"alternativeNames":                       []any{},
		"appDisplayName":                         sp.appDisplayName,
		"appDescription":                         nil,
		"appId":                                  sp.appID,
		"applicationTemplateId":                  nil,
		"appOwnerOrganizationId":                 sp.ownerTenant,
		"appRoleAssignmentRequired":              false,
		"description":                            nil,
		"disabledByMicrosoftStatus":              nil,
		"displayName":                            sp.displayName,
		"homepage":                               nil,
		"loginUrl":                               nil,
		"logoutUrl":                              nil,
		"notes":                                  nil,
		"notificationEmailAddresses":             []any{},
		"preferredSingleSignOnMode":              nil,
		"preferredTokenSigningKeyThumbprint":     nil,
		"replyUrls":                              []any{},
		"servicePrincipalNames":                  names,
		"servicePrincipalType":                   "Application",
		"signInAudience":                         "AzureADMyOrg",
		"tags":                                   []any{},
		"tokenEncryptionKeyId":                   nil,
		"samlSingleSignOnSettings":               nil,
		"addIns":                                 []any{},
		"appRoles":                               roles,
		"info":                                   map[string]any{"logoUrl": nil, "marketingUrl": nil, "privacyStatementUrl": nil, "supportUrl": nil, "termsOfServiceUrl": nil},
		"keyCredentials":                         []any{},
		"oauth2PermissionScopes":                 scopes,
		"passwordCredentials":                    []any{},
		"resourceSpecificApplicationPermissions": []any{},
		"verifiedPublisher":                      map[string]any{"displayName": nil, "verifiedPublisherId": nil, "addedDateTime": nil},
	}
	overlayProps(v, sp.props)
	return v
}
