package emulator

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// /applications: application registrations and their client secrets.

// applicationProps are the writable application properties the emulator stores without
// interpreting; anything else in a body is not a property of microsoft.graph.application.
var applicationProps = set("description", "notes", "tags", "identifieruris", "isfallbackpublicclient",
	"web", "spa", "publicclient", "api", "approles", "info", "optionalclaims", "groupmembershipclaims",
	"servicemanagementreference", "parentalcontrolsettings", "tokenencryptionkeyid", "defaultredirecturi",
	"isdeviceonlyauthsupported", "certification", "addins", "samlmetadataurl",
	"logo", "nativeauthenticationapisenabled", "serviceprincipallockconfiguration", "requestsignatureverification",
	"authenticationbehaviors", "uniquename")

// applicationReadOnly are properties Graph computes; a client echoing them back is ignored.
var applicationReadOnly = set("id", "appid", "createddatetime", "deleteddatetime", "publisherdomain", "applicationtemplateid", "disabledbymicrosoftstatus", "verifiedpublisher")

func (g *graphReq) app() ref { return g.refs["{app}"] }

func (g *graphReq) listApplications() (reply, error) {
	var items []map[string]any
	for _, a := range g.e.store.applications(g.view) {
		items = append(items, renderApplication(a))
	}
	return g.collection("applications", "Application", items)
}

func (g *graphReq) getApplication() (reply, error) {
	a, err := g.e.store.application(g.app(), g.view)
	if err != nil {
		return reply{}, err
	}
	return g.entity(http.StatusOK, "applications", renderApplication(a))
}

func (g *graphReq) createApplication() (reply, error) {
	c, err := g.readApplicationChange(true)
	if err != nil {
		return reply{}, err
	}
	if err := g.mayReferenceOwners(c.bound); err != nil {
		return reply{}, err
	}
	if g.caller.delegated && !g.caller.isAdmin() {
		c.owner = g.caller.userID
	}
	a, err := g.e.store.createApplication("", c, g.view)
	if err != nil {
		return reply{}, err
	}
	return g.entity(http.StatusCreated, "applications", renderApplication(a))
}

// updateApplication sets the properties present in the body; collections such as
// requiredResourceAccess are replaced whole.
func (g *graphReq) updateApplication() (reply, error) {
	c, err := g.readApplicationChange(false)
	if err != nil {
		return reply{}, err
	}
	if err := g.e.store.updateApplication(g.app(), c, g.view); err != nil {
		return reply{}, err
	}
	return noContent()
}

func (g *graphReq) deleteApplication() (reply, error) {
	if err := g.e.store.deleteApplication(g.app(), g.view); err != nil {
		return reply{}, err
	}
	return noContent()
}

// readApplicationChange decodes an application body into the change it asks for, rejecting
// what is not a writable property of microsoft.graph.application.
func (g *graphReq) readApplicationChange(create bool) (applicationChange, error) {
	obj, err := g.readObject()
	if err != nil {
		return applicationChange{}, err
	}
	return decodeApplicationChange(obj, create)
}

// decodeApplicationChange is readApplicationChange on a body already read.
func decodeApplicationChange(obj map[string]json.RawMessage, create bool) (applicationChange, error) {
	c := applicationChange{props: map[string]json.RawMessage{}}
	if create {
		name, ok := str(obj, "displayName")
		if !ok || strings.TrimSpace(name) == "" {
			return c, errInvalidValue("displayName", "Application")
		}
	}
	for key, raw := range obj {
		if err := c.set(key, raw, obj, create); err != nil {
			return c, err
		}
	}
	return c, nil
}

// set decodes one body property into the change.
func (c *applicationChange) set(key string, raw json.RawMessage, obj map[string]json.RawMessage, create bool) error {
	lk := strings.ToLower(key)
	switch {
	case lk == "displayname":
		name, ok := str(obj, key)
		if !ok {
			return errInvalidValue("displayName", "Application")
		}
		c.displayName = &name
	case lk == "signinaudience":
		v, _ := str(obj, key)
		c.signInAudience = &v
	case lk == "requiredresourceaccess" || lk == "keycredentials" || lk == "passwordcredentials":
		return c.setCredentialsOrAccess(lk, raw)
	case lk == "owners@odata.bind":
		ids, err := parseOwnerBinds(raw, create)
		if err != nil {
			return err
		}
		c.bound = ids
	case lk == "appid":
		if v, _ := str(obj, key); v != "" && !create {
			c.appID = &v
		}
	case applicationReadOnly[lk]:
		// Computed by Graph; a client echoing it back is ignored.
	case applicationProps[lk]:
		c.props[key] = raw
	default:
		return errUnknownProperty(key, "microsoft.graph.application")
	}
	return nil
}

// setCredentialsOrAccess decodes the collections whose entries Graph checks one by one.
func (c *applicationChange) setCredentialsOrAccess(lowerKey string, raw json.RawMessage) error {
	switch lowerKey {
	case "requiredresourceaccess":
		rra, err := parseRRA(raw)
		if err != nil {
			return err
		}
		c.rra = &rra
	case "keycredentials":
		keys, err := parseKeyCredentials(raw)
		if err != nil {
			return err
		}
		c.keys = &keys
	default: // passwordcredentials
		if v := strings.TrimSpace(string(raw)); v == "null" || v == "[]" {
			return nil
		}
		// Emulator's wording. Graph documents that secrets are added with addPassword
		// and removed with removePassword, not set through the application.
		return errBadRequest("Updates to passwordCredentials are not supported; use addPassword and removePassword.")
	}
	return nil
}

// parseRRA decodes requiredResourceAccess and checks its shape; the directory checks its
// limits.
func parseRRA(raw json.RawMessage) ([]RequiredResourceAccess, error) {
	var in []struct {
		ResourceAppID  *string `json:"resourceAppId"`
		ResourceAccess []struct {
			ID   *string `json:"id"`
			Type *string `json:"type"`
		} `json:"resourceAccess"`
	}
	if strings.TrimSpace(string(raw)) == "null" {
		return []RequiredResourceAccess{}, nil
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, errPayload()
	}
	out := make([]RequiredResourceAccess, 0, len(in))
	for _, r := range in {
		if r.ResourceAppID == nil || !isGUID(*r.ResourceAppID) {
			return nil, errInvalidValue("resourceAppId", "RequiredResourceAccess")
		}
		rr := RequiredResourceAccess{ResourceAppID: strings.ToLower(*r.ResourceAppID)}
		for _, a := range r.ResourceAccess {
			if a.ID == nil || !isGUID(*a.ID) {
				return nil, errInvalidValue("id", "ResourceAccess")
			}
			if a.Type == nil || (*a.Type != "Role" && *a.Type != "Scope") {
				return nil, errInvalidValue("type", "ResourceAccess")
			}
			rr.ResourceAccess = append(rr.ResourceAccess, ResourceAccess{ID: strings.ToLower(*a.ID), Type: *a.Type})
		}
		out = append(out, rr)
	}
	return out, nil
}

// parseKeyCredentials decodes keyCredentials: new certificates, and entries without "key"
// that keep an existing credential by keyId.
func parseKeyCredentials(raw json.RawMessage) ([]keyCredentialChange, error) {
	var in []struct {
		KeyID       *string `json:"keyId"`
		Key         *string `json:"key"`
		DisplayName *string `json:"displayName"`
		Type        *string `json:"type"`
		Usage       *string `json:"usage"`
	}
	if strings.TrimSpace(string(raw)) == "null" {
		return nil, nil
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, errPayload()
	}
	out := make([]keyCredentialChange, 0, len(in))
	for _, k := range in {
		var kc keyCredentialChange
		if k.KeyID != nil && isGUID(*k.KeyID) {
			kc.keyID = *k.KeyID
		}
		if k.DisplayName != nil {
			kc.displayName = *k.DisplayName
		}
		if k.Key == nil || *k.Key == "" {
			if kc.keyID == "" {
				return nil, errInvalidValue("key", "KeyCredential")
			}
			out = append(out, kc)
			continue
		}
		if k.Type != nil && *k.Type != "AsymmetricX509Cert" || k.Usage != nil && *k.Usage != "Verify" {
			return nil, errInvalidValue("type", "KeyCredential")
		}
		cert, err := parseCertificate(*k.Key)
		if err != nil {
			return nil, errInvalidValue("key", "KeyCredential")
		}
		kc.cert = cert
		out = append(out, kc)
	}
	return out, nil
}

func parseCertificate(b64DER string) (*x509.Certificate, error) {
	der, err := base64.StdEncoding.DecodeString(b64DER)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// addPassword creates a client secret: 200 (not 201) with the only copy of secretText.
func (g *graphReq) addPassword() (reply, error) {
	obj, err := g.readObject()
	if err != nil {
		return reply{}, err
	}
	req, err := parsePasswordRequest(obj)
	if err != nil {
		return reply{}, err
	}
	p, err := g.e.store.addPassword(g.app(), req, g.view)
	if err != nil {
		return reply{}, err
	}
	body := renderPassword(&p)
	body["secretText"] = p.secret
	body["@odata.context"] = g.e.graphMetadataURL() + "microsoft.graph.passwordCredential"
	return reply{status: http.StatusOK, body: body}, nil
}

func parsePasswordRequest(obj map[string]json.RawMessage) (passwordRequest, error) {
	var req passwordRequest
	raw, ok := obj["passwordCredential"]
	if !ok || strings.TrimSpace(string(raw)) == "null" {
		return req, nil
	}
	var pc struct {
		DisplayName   *string `json:"displayName"`
		StartDateTime *string `json:"startDateTime"`
		EndDateTime   *string `json:"endDateTime"`
	}
	if err := json.Unmarshal(raw, &pc); err != nil {
		return req, errPayload()
	}
	if pc.DisplayName != nil {
		req.displayName = *pc.DisplayName
	}
	var err error
	if req.start, err = parseGraphTime(pc.StartDateTime, "startDateTime"); err != nil {
		return req, err
	}
	req.end, err = parseGraphTime(pc.EndDateTime, "endDateTime")
	return req, err
}

// parseGraphTime decodes an optional PasswordCredential timestamp; nil gives the zero time.
func parseGraphTime(s *string, prop string) (time.Time, error) {
	if s == nil {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return time.Time{}, errInvalidValue(prop, "PasswordCredential")
	}
	return t.UTC(), nil
}

func (g *graphReq) removePassword() (reply, error) {
	obj, err := g.readObject()
	if err != nil {
		return reply{}, err
	}
	keyID, ok := str(obj, "keyId")
	if !ok || !isGUID(keyID) {
		return reply{}, errInvalidValue("keyId", "PasswordCredential")
	}
	if err := g.e.store.removePassword(g.app(), keyID, g.view); err != nil {
		return reply{}, err
	}
	return noContent()
}

// renderApplication is the application's default Graph representation.
func renderApplication(a *application) map[string]any {
	rra := make([]any, 0, len(a.rra))
	for _, r := range a.rra {
		ra := make([]any, 0, len(r.ResourceAccess))
		for _, x := range r.ResourceAccess {
			ra = append(ra, map[string]any{"id": x.ID, "type": x.Type})
		}
		rra = append(rra, map[string]any{"resourceAppId": r.ResourceAppID, "resourceAccess": ra})
	}
	pw := make([]any, 0, len(a.passwords))
	for _, p := range a.passwords {
		pw = append(pw, renderPassword(p))
	}
	keys := make([]any, 0, len(a.keys))
	for _, k := range a.keys {
		keys = append(keys, map[string]any{
			"customKeyIdentifier": base64.StdEncoding.EncodeToString(k.sha1),
			"displayName":         k.displayName,
			"endDateTime":         k.end.UTC().Format(credentialTimeFormat),
			"key":                 nil,
			"keyId":               k.keyID,
			"startDateTime":       k.start.UTC().Format(credentialTimeFormat),
			"type":                "AsymmetricX509Cert",
			"usage":               "Verify",
		})
	}
	v := map[string]any{
		"@odata.type":                "#microsoft.graph.application",
		"id":                         a.id,
		"deletedDateTime":            timeOrNull(a.deleted),
		"appId":                      a.appID,
		"applicationTemplateId":      nil,
		"disabledByMicrosoftStatus":  nil,
		"createdDateTime":            timeOrNull(a.created),
		"displayName":                a.displayName,
		"description":                nil,
		"groupMembershipClaims":      nil,
		"identifierUris":             []any{},
		"isDeviceOnlyAuthSupported":  nil,
		"isFallbackPublicClient":     nil,
		"notes":                      nil,
		"publisherDomain":            SeedInitialDomain,
		"serviceManagementReference": nil,
		"signInAudience":             a.signInAudience,
		"tags":                       []any{},
		"tokenEncryptionKeyId":       nil,
		"defaultRedirectUri":         nil,
		"certification":              nil,
		"optionalClaims":             nil,
		"addIns":                     []any{},
		"api":                        map[string]any{"acceptMappedClaims": nil, "knownClientApplications": []any{}, "requestedAccessTokenVersion": nil, "oauth2PermissionScopes": []any{}, "preAuthorizedApplications": []any{}},
		"appRoles":                   []any{},
		"info":                       map[string]any{"logoUrl": nil, "marketingUrl": nil, "privacyStatementUrl": nil, "supportUrl": nil, "termsOfServiceUrl": nil},
		"keyCredentials":             keys,
		"parentalControlSettings":    map[string]any{"countriesBlockedForMinors": []any{}, "legalAgeGroupRule": "Allow"},
		"passwordCredentials":        pw,
		"publicClient":               map[string]any{"redirectUris": []any{}},
		"requiredResourceAccess":     rra,
		"verifiedPublisher":          map[string]any{"displayName": nil, "verifiedPublisherId": nil, "addedDateTime": nil},
		"web":                        map[string]any{"homePageUrl": nil, "logoutUrl": nil, "redirectUris": []any{}, "implicitGrantSettings": map[string]any{"enableAccessTokenIssuance": false, "enableIdTokenIssuance": false}, "redirectUriSettings": []any{}},
		"spa":                        map[string]any{"redirectUris": []any{}},
	}
	overlayProps(v, a.props)
	for k := range applicationBetaOnly {
		delete(v, k) // set through /beta, shown only there
	}
	return v
}

// overlayProps puts stored client-set properties over an entity's defaults, under the
// entity's own spelling of each name.
func overlayProps(v map[string]any, props map[string]json.RawMessage) {
	for k, raw := range props {
		var x any
		if json.Unmarshal(raw, &x) == nil {
			if ck, ok := lookupKey(v, k); ok {
				v[ck] = x
			} else {
				v[k] = x
			}
		}
	}
}

func renderPassword(p *password) map[string]any {
	return map[string]any{
		"customKeyIdentifier": nil,
		"displayName":         nullIfEmpty(p.displayName),
		"endDateTime":         p.end.UTC().Format(credentialTimeFormat),
		"hint":                p.hint,
		"keyId":               p.keyID,
		"secretText":          nil,
		"startDateTime":       p.start.UTC().Format(credentialTimeFormat),
	}
}
