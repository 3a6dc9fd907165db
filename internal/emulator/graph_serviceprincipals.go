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

// /servicePrincipals: enterprise applications (service principals).

func (g *graphReq) sp() ref { return g.refs["{sp}"] }

func (g *graphReq) listServicePrincipals() (reply, error) {
	var items []map[string]any
	for _, sp := range g.e.store.servicePrincipals(g.view) {
		items = append(items, renderServicePrincipal(sp))
	}
	return g.collection("servicePrincipals", "ServicePrincipal", items)
}

func (g *graphReq) getServicePrincipal() (reply, error) {
	sp, err := g.e.store.servicePrincipal(g.sp(), g.view)
	if err != nil {
		return reply{}, err
	}
	return g.entity(http.StatusOK, "servicePrincipals", renderServicePrincipal(sp))
}

func (g *graphReq) createServicePrincipal() (reply, error) {
	obj, err := g.readObject()
	if err != nil {
		return reply{}, err
	}
	appID, ok := str(obj, "appId")
	if !ok || !isGUID(appID) {
		return reply{}, errInvalidValue("appId", "ServicePrincipal")
	}
	c, err := readServicePrincipalChange(obj, true)
	if err != nil {
		return reply{}, err
	}
	if err := g.mayReferenceOwners(c.bound); err != nil {
		return reply{}, err
	}
	owner := ""
	if g.caller.delegated && !g.caller.isAdmin() {
		// Without a role, a person may create the principal of an application they own.
		app, err := g.e.store.application(ref{value: appID, byAppID: true}, g.view)
		if err == nil && !ownedBy(app.owners, g.caller.userID) {
			return reply{}, errRoleRequired()
		}
		owner = g.caller.userID
	}
	sp, err := g.e.store.createServicePrincipalWith(appID, owner, c, g.view)
	if err != nil {
		return reply{}, err
	}
	return g.entity(http.StatusCreated, "servicePrincipals", renderServicePrincipal(sp))
}

// updateServicePrincipal sets the writable properties present in the body.
func (g *graphReq) updateServicePrincipal() (reply, error) {
	obj, err := g.readObject()
	if err != nil {
		return reply{}, err
	}
	c, err := readServicePrincipalChange(obj, false)
	if err != nil {
		return reply{}, err
	}
	if err := g.e.store.updateServicePrincipal(g.sp(), c, g.view); err != nil {
		return reply{}, err
	}
	return noContent()
}

// readServicePrincipalChange decodes a service principal body, rejecting what is not a
// writable property of microsoft.graph.servicePrincipal. A create's appId is the caller's
// to read.
func readServicePrincipalChange(obj map[string]json.RawMessage, create bool) (servicePrincipalChange, error) {
	c := servicePrincipalChange{props: map[string]json.RawMessage{}}
	for key, raw := range obj {
		lk := strings.ToLower(key)
		switch {
		case lk == "displayname":
			v, ok := str(obj, key)
			if !ok {
				return c, errInvalidValue("displayName", "ServicePrincipal")
			}
			c.displayName = &v
		case lk == "appid":
			if !create {
				v, _ := str(obj, key)
				c.appID = &v
			}
		case lk == "owners@odata.bind":
			ids, err := parseOwnerBinds(raw, create)
			if err != nil {
				return c, err
			}
			c.bound = ids
		case servicePrincipalReadOnly[lk]:
		case servicePrincipalProps[lk]:
			c.props[key] = raw
		default:
			return c, errUnknownProperty(key, "microsoft.graph.servicePrincipal")
		}
	}
	return c, nil
}

func (g *graphReq) deleteServicePrincipal() (reply, error) {
	if err := g.e.store.deleteServicePrincipal(g.sp(), g.view); err != nil {
		return reply{}, err
	}
	return noContent()
}

func renderServicePrincipal(sp *servicePrincipal) map[string]any {
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
		"deletedDateTime":                        timeOrNull(sp.deleted),
		"accountEnabled":                         true,
		"alternativeNames":                       sp.alternativeNames(),
		"appDisplayName":                         nullIfEmpty(sp.appDisplayName), // null for a managed identity
		"appDescription":                         nil,
		"appId":                                  sp.appID,
		"applicationTemplateId":                  nil,
		"appOwnerOrganizationId":                 nullIfEmpty(sp.ownerTenant),
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
		"servicePrincipalType":                   sp.servicePrincipalType(),
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
