package emulator

import (
	"net/http"
)

// /oauth2PermissionGrants: delegated permissions consented for a client (admin consent for
// all users, or one user's consent).

func (g *graphReq) listGrants() (reply, error) {
	_, list, err := g.e.store.grantsOf(nil, g.view)
	if err != nil {
		return reply{}, err
	}
	return g.collection("oauth2PermissionGrants", "OAuth2PermissionGrant", renderGrants(list))
}

// listGrantsOfClient serves /servicePrincipals/{id}/oauth2PermissionGrants.
func (g *graphReq) listGrantsOfClient() (reply, error) {
	client := g.sp()
	sp, list, err := g.e.store.grantsOf(&client, g.view)
	if err != nil {
		return reply{}, err
	}
	return g.collection("servicePrincipals('"+sp.id+"')/oauth2PermissionGrants", "OAuth2PermissionGrant", renderGrants(list))
}

func (g *graphReq) getGrant() (reply, error) {
	gr, err := g.e.store.grant(g.refs["{id}"].value, g.view)
	if err != nil {
		return reply{}, err
	}
	return g.entity(http.StatusOK, "oauth2PermissionGrants", renderGrant(gr))
}

func (g *graphReq) createGrant() (reply, error) {
	obj, err := g.readObject()
	if err != nil {
		return reply{}, err
	}
	var in DelegatedGrant
	in.ClientID, _ = str(obj, "clientId")
	in.ResourceID, _ = str(obj, "resourceId")
	in.ConsentType, _ = str(obj, "consentType")
	in.PrincipalID, _ = str(obj, "principalId")
	in.Scope, _ = str(obj, "scope")
	if err := checkGrantShape(in); err != nil {
		return reply{}, err
	}
	gr, err := g.e.store.createGrant(in, g.view)
	if err != nil {
		return reply{}, err
	}
	return g.entity(http.StatusCreated, "oauth2PermissionGrants", renderGrant(gr))
}

func checkGrantShape(in DelegatedGrant) error {
	switch {
	case !isGUID(in.ClientID):
		return errInvalidValue("clientId", "OAuth2PermissionGrant")
	case !isGUID(in.ResourceID):
		return errInvalidValue("resourceId", "OAuth2PermissionGrant")
	case in.ConsentType != "AllPrincipals" && in.ConsentType != "Principal":
		return errInvalidValue("consentType", "OAuth2PermissionGrant")
	case in.ConsentType == "AllPrincipals" && in.PrincipalID != "":
		return errInvalidValue("principalId", "OAuth2PermissionGrant")
	case in.ConsentType == "Principal" && !isGUID(in.PrincipalID):
		return errInvalidValue("principalId", "OAuth2PermissionGrant")
	}
	return nil
}

// updateGrant changes a grant's scope, the only property that can change.
func (g *graphReq) updateGrant() (reply, error) {
	id := g.refs["{id}"].value
	if _, err := g.e.store.grant(id, g.view); err != nil {
		return reply{}, err
	}
	obj, err := g.readObject()
	if err != nil {
		return reply{}, err
	}
	for k := range obj {
		if k != "scope" {
			return reply{}, errReadOnly(k)
		}
	}
	scope, ok := str(obj, "scope")
	if !ok {
		return noContent()
	}
	if err := g.e.store.updateGrantScope(id, scope, g.view); err != nil {
		return reply{}, err
	}
	return noContent()
}

func (g *graphReq) deleteGrant() (reply, error) {
	if err := g.e.store.deleteGrant(g.refs["{id}"].value, g.view); err != nil {
		return reply{}, err
	}
	return noContent()
}

func renderGrants(list []DelegatedGrant) []map[string]any {
	items := make([]map[string]any, 0, len(list))
	for _, gr := range list {
		items = append(items, renderGrant(gr))
	}
	return items
}

func renderGrant(gr DelegatedGrant) map[string]any {
	return map[string]any{
		"id":          gr.ID,
		"clientId":    gr.ClientID,
		"consentType": gr.ConsentType,
		"principalId": nullIfEmpty(gr.PrincipalID),
		"resourceId":  gr.ResourceID,
		"scope":       gr.Scope,
	}
}
