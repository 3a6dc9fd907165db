package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Microsoft Graph beta, for the few reads and writes clients make there because v1.0 lacks a
// property: azuread reads an application's oauth2RequirePostResponse and a service
// principal's samlMetadataUrl from /beta with $select, and sets the former there. The
// emulator serves the v1.0 object under /beta, with the same authentication and permission
// checks, plus those properties; other beta-only properties it does not know ($select of one
// answers as Graph does for a property a type lacks).

// applicationBetaOnly and servicePrincipalBetaOnly are the beta-only properties served, with
// the values a new object has (application.md and serviceprincipal.md of the beta reference).
var (
	applicationBetaOnly      = map[string]any{"oauth2RequirePostResponse": false}
	servicePrincipalBetaOnly = map[string]any{"samlMetadataUrl": nil}
)

// isGraphPath reports whether a path is Graph's: under /v1.0 or /beta.
func isGraphPath(p string) bool {
	for _, v := range []string{"/v1.0", "/beta"} {
		if p == v || strings.HasPrefix(p, v+"/") {
			return true
		}
	}
	return false
}

// metadataURL is the base of @odata.context for the version the request addressed.
func (g *graphReq) metadataURL() string {
	base := g.e.graphMetadataURL()
	if p := g.r.URL.Path; p == "/beta" || strings.HasPrefix(p, "/beta/") {
		return strings.Replace(base, "/v1.0/", "/beta/", 1)
	}
	return base
}

func (g *graphReq) getApplicationBeta() (reply, error) {
	a, err := g.e.store.application(g.app(), g.view)
	if err != nil {
		return reply{}, err
	}
	v := renderApplication(a)
	withBetaProps(v, a.props, applicationBetaOnly)
	return g.entity(http.StatusOK, "applications", v)
}

// updateApplicationBeta is the v1.0 update that also takes the beta-only properties.
func (g *graphReq) updateApplicationBeta() (reply, error) {
	obj, err := g.readObject()
	if err != nil {
		return reply{}, err
	}
	beta := map[string]json.RawMessage{}
	for key, raw := range obj {
		name, ok := betaName(key, applicationBetaOnly)
		if !ok {
			continue
		}
		var b *bool // oauth2RequirePostResponse is Edm.Boolean
		if json.Unmarshal(raw, &b) != nil {
			return reply{}, errInvalidValue(name, "Application")
		}
		beta[name] = raw
		delete(obj, key)
	}
	c, err := decodeApplicationChange(obj, false)
	if err != nil {
		return reply{}, err
	}
	for name, raw := range beta {
		c.props[name] = raw // stored under the property's own spelling, for renderApplication
	}
	if err := g.e.store.updateApplication(g.app(), c, g.view); err != nil {
		return reply{}, err
	}
	return noContent()
}

func (g *graphReq) getServicePrincipalBeta() (reply, error) {
	sp, err := g.e.store.servicePrincipal(g.sp(), g.view)
	if err != nil {
		return reply{}, err
	}
	v := renderServicePrincipal(sp)
	withBetaProps(v, sp.props, servicePrincipalBetaOnly)
	return g.entity(http.StatusOK, "servicePrincipals", v)
}

// withBetaProps adds the beta-only properties to a v1.0 rendering: the values stored, else
// the defaults.
func withBetaProps(v map[string]any, props map[string]json.RawMessage, defaults map[string]any) {
	for name, def := range defaults {
		v[name] = def
		var x any
		if raw, ok := props[name]; ok && json.Unmarshal(raw, &x) == nil {
			v[name] = x
		}
	}
}

// betaName finds key among the beta-only properties, case-insensitively as Graph does.
func betaName(key string, props map[string]any) (string, bool) {
	for name := range props {
		if strings.EqualFold(name, key) {
			return name, true
		}
	}
	return "", false
}
