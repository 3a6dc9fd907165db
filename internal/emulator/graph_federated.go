package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
)

// /applications/{app}/federatedIdentityCredentials: the external tokens an application trusts.
// A credential is addressed by its id or its name; the directory (directory_federated.go)
// holds the rules.

// federatedType names the resource in Graph's messages and the $filter table.
const federatedType = "FederatedIdentityCredential"

func (g *graphReq) federatedKey() string { return g.refs["{fic}"].value }

// federatedContext is the @odata.context path Graph gives: the application by object id.
func federatedContext(appObjectID string) string {
	return "applications('" + appObjectID + "')/federatedIdentityCredentials"
}

func (g *graphReq) listFederatedCredentials() (reply, error) {
	appObjectID, list, err := g.e.store.federatedCredentials(g.app(), g.view)
	if err != nil {
		return reply{}, err
	}
	items := make([]map[string]any, 0, len(list))
	for _, fc := range list {
		items = append(items, renderFederatedCredential(fc))
	}
	return g.collection(federatedContext(appObjectID), federatedType, items)
}

func (g *graphReq) getFederatedCredential() (reply, error) {
	appObjectID, fc, err := g.e.store.federatedCredential(g.app(), g.federatedKey(), g.view)
	if err != nil {
		return reply{}, err
	}
	return g.entity(http.StatusOK, federatedContext(appObjectID), renderFederatedCredential(fc))
}

func (g *graphReq) createFederatedCredential() (reply, error) {
	c, err := g.readFederatedChange()
	if err != nil {
		return reply{}, err
	}
	var in FederatedCredential
	if c.name != nil {
		in.Name = *c.name
	}
	c.apply(&in)
	appObjectID, fc, err := g.e.store.addFederatedCredential(g.app(), in, g.view)
	if err != nil {
		return reply{}, err
	}
	return g.entity(http.StatusCreated, federatedContext(appObjectID), renderFederatedCredential(fc))
}

// updateFederatedCredential sets the properties present in the body. With Prefer:
// create-if-missing it is Graph's upsert: a credential of that name is created (201) when
// the application has none (federatedidentitycredential-upsert.md).
func (g *graphReq) updateFederatedCredential() (reply, error) {
	c, err := g.readFederatedChange()
	if err != nil {
		return reply{}, err
	}
	upsert := strings.Contains(strings.ToLower(g.r.Header.Get("Prefer")), "create-if-missing")
	appObjectID, created, err := g.e.store.updateFederatedCredential(g.app(), g.federatedKey(), c, upsert, g.view)
	if err != nil {
		return reply{}, err
	}
	if created != nil {
		return g.entity(http.StatusCreated, federatedContext(appObjectID), renderFederatedCredential(*created))
	}
	return noContent()
}

func (g *graphReq) deleteFederatedCredential() (reply, error) {
	if err := g.e.store.removeFederatedCredential(g.app(), g.federatedKey(), g.view); err != nil {
		return reply{}, err
	}
	return noContent()
}

// readFederatedChange decodes a federatedIdentityCredential body, rejecting what is not one
// of its properties. Graph matches property names case-insensitively.
func (g *graphReq) readFederatedChange() (federatedChange, error) {
	obj, err := g.readObject()
	if err != nil {
		return federatedChange{}, err
	}
	var c federatedChange
	for key, raw := range obj {
		if err := c.set(key, raw); err != nil {
			return federatedChange{}, err
		}
	}
	return c, nil
}

func (c *federatedChange) set(key string, raw json.RawMessage) error {
	var err error
	switch strings.ToLower(key) {
	case "name":
		c.name, err = federatedString(raw, "name")
	case "issuer":
		c.issuer, err = federatedString(raw, "issuer")
	case "subject":
		c.subject, err = federatedString(raw, "subject")
	case "description":
		c.description, err = federatedString(raw, "description")
	case "audiences":
		var aud []string
		if json.Unmarshal(raw, &aud) != nil {
			return errFederatedValue("audiences")
		}
		c.audiences = &aud
	case "id":
		// Read-only; a client echoing it back is ignored.
	default:
		return errUnknownProperty(key, "microsoft.graph.federatedIdentityCredential")
	}
	return err
}

// federatedString decodes a string property; null sets it empty, which the directory rejects
// for the required ones.
func federatedString(raw json.RawMessage, prop string) (*string, error) {
	var s *string
	if json.Unmarshal(raw, &s) != nil {
		return nil, errFederatedValue(prop)
	}
	if s == nil {
		s = new(string)
	}
	return s, nil
}

// renderFederatedCredential is the credential's Graph representation.
func renderFederatedCredential(fc FederatedCredential) map[string]any {
	aud := append([]string{}, fc.Audiences...)
	return map[string]any{
		"id":          fc.ID,
		"name":        fc.Name,
		"issuer":      fc.Issuer,
		"subject":     fc.Subject,
		"description": nullIfEmpty(fc.Description),
		"audiences":   aud,
	}
}
