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

const (
	maxRequiredResources   = 50  // APIs in requiredResourceAccess (application-update.md)
	maxRequiredPermissions = 400 // permissions across all of them
)

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

func (g *graphReq) applications() {
	segs := g.segs
	if len(segs) == 1 && segs[0].keyProp == "" {
		switch g.r.Method {
		case http.MethodPost:
			g.createApplication()
		case http.MethodGet:
			g.listApplications()
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
	if len(rest) > 1 {
		g.badSegment(rest[1].name)
		return
	}
	action := ""
	if len(rest) == 1 {
		action = strings.TrimPrefix(strings.TrimPrefix(rest[0].name, "microsoft."), "graph.")
	}

	// Permissions are checked before the object is looked up, as Graph does.
	switch {
	case action == "" && g.r.Method == http.MethodGet:
		if !g.allowed(permAppRead) {
			return
		}
	case action == "" && (g.r.Method == http.MethodPatch || g.r.Method == http.MethodDelete):
		if !g.allowed(permAppWrite) {
			return
		}
	case (action == "addPassword" || action == "removePassword") && g.r.Method == http.MethodPost:
		if !g.allowed(permAppWrite) {
			return
		}
	case action == "addPassword" || action == "removePassword" || action == "":
		g.methodNotAllowed()
		return
	default:
		g.badSegment(rest[0].name)
		return
	}

	s := g.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	var app *application
	if byAppID {
		app = s.appByAppID(ref, g.now)
	} else {
		app = s.appByID(ref, g.now)
	}
	if app == nil {
		g.notFound(ref)
		return
	}
	switch {
	case action == "addPassword":
		g.addPassword(app)
	case action == "removePassword":
		g.removePassword(app)
	case g.r.Method == http.MethodGet:
		g.entity(http.StatusOK, "applications", g.e.renderApplication(app))
	case g.r.Method == http.MethodPatch:
		g.patchApplication(app)
	case g.r.Method == http.MethodDelete:
		s.softDeleteApp(app, g.now)
		g.noContent()
	}
}

func (g *graphReq) createApplication() {
	if !g.allowed(permAppWrite) {
		return
	}
	obj, ok := g.readObject()
	if !ok {
		return
	}
	name, ok := str(obj, "displayName")
	if !ok || strings.TrimSpace(name) == "" {
		g.invalidValue("displayName", "Application")
		return
	}
	app := &application{id: newGUID(), appID: newGUID(), displayName: name, signInAudience: "AzureADMyOrg", props: map[string]json.RawMessage{}}
	if !g.applyApplication(app, obj, true) {
		return
	}
	s := g.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	app.created = g.now
	app.visibleAt = g.e.visibleAt(g.now)
	for _, k := range app.keys {
		k.visibleAt = app.visibleAt
	}
	s.apps[app.id] = app
	g.entity(http.StatusCreated, "applications", g.e.renderApplication(app))
}

func (g *graphReq) listApplications() {
	if !g.allowed(permAppRead) {
		return
	}
	s := g.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	var items []map[string]any
	for _, a := range sortedApps(s.apps) {
		if visible(a.visibleAt, g.now) {
			items = append(items, g.e.renderApplication(a))
		}
	}
	g.collection("applications", "Application", items)
}

// patchApplication updates the properties present in the body; collections such as
// requiredResourceAccess are replaced whole.
func (g *graphReq) patchApplication(app *application) {
	obj, ok := g.readObject()
	if !ok {
		return
	}
	// Validate into a copy so a rejected PATCH changes nothing.
	cp := *app
	cp.props = map[string]json.RawMessage{}
	for k, v := range app.props {
		cp.props[k] = v
	}
	if !g.applyApplication(&cp, obj, false) {
		return
	}
	*app = cp
	g.noContent()
}

// applyApplication sets the body's properties on app, answering 400 for invalid ones.
func (g *graphReq) applyApplication(app *application, obj map[string]json.RawMessage, create bool) bool {
	for key, raw := range obj {
		lk := strings.ToLower(key)
		switch lk {
		case "displayname":
			name, ok := str(obj, key)
			if !ok || strings.TrimSpace(name) == "" {
				g.invalidValue("displayName", "Application")
				return false
			}
			app.displayName = name
		case "signinaudience":
			v, _ := str(obj, key)
			switch v {
			case "AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount":
				app.signInAudience = v
			default:
				g.invalidValue("signInAudience", "Application")
				return false
			}
		case "requiredresourceaccess":
			rra, ok := g.parseRRA(raw)
			if !ok {
				return false
			}
			app.rra = rra
		case "keycredentials":
			keys, ok := g.parseKeyCredentials(app, raw)
			if !ok {
				return false
			}
			app.keys = keys
		case "passwordcredentials":
			if isNull(obj, key) || strings.TrimSpace(string(raw)) == "[]" {
				continue
			}
			// Emulator's wording. Graph documents that secrets are added with addPassword
			// and removed with removePassword, not set through the application.
			g.badRequest("Updates to passwordCredentials are not supported; use addPassword and removePassword.")
			return false
		default:
			switch {
			case applicationReadOnly[lk]:
				if lk == "appid" && !create {
					if v, _ := str(obj, key); v != "" && !strings.EqualFold(v, app.appID) {
						g.badRequest("Property 'appId' is read-only and cannot be set.")
						return false
					}
				}
			case applicationProps[lk]:
				app.props[key] = raw
			default:
				g.fail(http.StatusBadRequest, "BadRequest", "The property '"+key+"' does not exist on type 'microsoft.graph.application'. Make sure to only use property names that are defined by the type or mark the type as open type.")
				return false
			}
		}
	}
	return true
}

// parseRRA validates requiredResourceAccess. Graph checks its shape and its limits, not
// whether the permission ids exist on the resource (the resource may live in another tenant).
func (g *graphReq) parseRRA(raw json.RawMessage) ([]RequiredResourceAccess, bool) {
	var in []struct {
		ResourceAppID  *string `json:"resourceAppId"`
		ResourceAccess []struct {
			ID   *string `json:"id"`
			Type *string `json:"type"`
		} `json:"resourceAccess"`
	}
	if strings.TrimSpace(string(raw)) == "null" {
		return []RequiredResourceAccess{}, true
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		g.fail(http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
		return nil, false
	}
	if len(in) > maxRequiredResources {
		// Emulator's wording for the documented limit of 50 resource APIs.
		g.badRequest("The number of resources in requiredResourceAccess exceeds the limit of 50.")
		return nil, false
	}
	total := 0
	out := make([]RequiredResourceAccess, 0, len(in))
	for _, r := range in {
		if r.ResourceAppID == nil || !isGUID(*r.ResourceAppID) {
			g.invalidValue("resourceAppId", "RequiredResourceAccess")
			return nil, false
		}
		rr := RequiredResourceAccess{ResourceAppID: strings.ToLower(*r.ResourceAppID)}
		for _, a := range r.ResourceAccess {
			if a.ID == nil || !isGUID(*a.ID) {
				g.invalidValue("id", "ResourceAccess")
				return nil, false
			}
			if a.Type == nil || (*a.Type != "Role" && *a.Type != "Scope") {
				g.invalidValue("type", "ResourceAccess")
				return nil, false
			}
			rr.ResourceAccess = append(rr.ResourceAccess, ResourceAccess{ID: strings.ToLower(*a.ID), Type: *a.Type})
		}
		total += len(rr.ResourceAccess)
		out = append(out, rr)
	}
	if total > maxRequiredPermissions {
		// Emulator's wording for the documented limit of 400 permissions.
		g.badRequest("The number of permissions in requiredResourceAccess exceeds the limit of 400.")
		return nil, false
	}
	return out, true
}

// parseKeyCredentials replaces the certificate credentials. An entry without "key" keeps the
// existing credential with that keyId, since Graph never returns key material to re-send.
func (g *graphReq) parseKeyCredentials(app *application, raw json.RawMessage) ([]*keyCredential, bool) {
	var in []struct {
		KeyID       *string `json:"keyId"`
		Key         *string `json:"key"`
		DisplayName *string `json:"displayName"`
		Type        *string `json:"type"`
		Usage       *string `json:"usage"`
	}
	if strings.TrimSpace(string(raw)) == "null" {
		return nil, true
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		g.fail(http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
		return nil, false
	}
	var out []*keyCredential
	for _, k := range in {
		if k.Key == nil || *k.Key == "" {
			var kept *keyCredential
			for _, old := range app.keys {
				if k.KeyID != nil && strings.EqualFold(old.keyID, *k.KeyID) {
					kept = old
				}
			}
			if kept == nil {
				g.invalidValue("key", "KeyCredential")
				return nil, false
			}
			out = append(out, kept)
			continue
		}
		if k.Type != nil && *k.Type != "AsymmetricX509Cert" || k.Usage != nil && *k.Usage != "Verify" {
			g.invalidValue("type", "KeyCredential")
			return nil, false
		}
		der, err := base64.StdEncoding.DecodeString(*k.Key)
		if err != nil {
			g.invalidValue("key", "KeyCredential")
			return nil, false
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			g.invalidValue("key", "KeyCredential")
			return nil, false
		}
		name := ""
		if k.DisplayName != nil {
			name = *k.DisplayName
		}
		kc := newKeyCredential(cert, name, g.e.visibleAt(g.now))
		if k.KeyID != nil && isGUID(*k.KeyID) {
			kc.keyID = strings.ToLower(*k.KeyID)
		}
		out = append(out, kc)
	}
	return out, true
}

// addPassword creates a client secret: 200 (not 201) with the only copy of secretText.
func (g *graphReq) addPassword(app *application) {
	obj, ok := g.readObject()
	if !ok {
		return
	}
	start := g.now
	var end time.Time
	displayName := ""
	if raw, ok := obj["passwordCredential"]; ok && strings.TrimSpace(string(raw)) != "null" {
		var pc struct {
			DisplayName   *string `json:"displayName"`
			StartDateTime *string `json:"startDateTime"`
			EndDateTime   *string `json:"endDateTime"`
		}
		if err := json.Unmarshal(raw, &pc); err != nil {
			g.fail(http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
			return
		}
		if pc.DisplayName != nil {
			displayName = *pc.DisplayName
		}
		if pc.StartDateTime != nil {
			t, err := time.Parse(time.RFC3339Nano, *pc.StartDateTime)
			if err != nil {
				g.invalidValue("startDateTime", "PasswordCredential")
				return
			}
			start = t.UTC()
		}
		if pc.EndDateTime != nil {
			t, err := time.Parse(time.RFC3339Nano, *pc.EndDateTime)
			if err != nil {
				g.invalidValue("endDateTime", "PasswordCredential")
				return
			}
			end = t.UTC()
		}
	}
	if end.IsZero() {
		end = start.AddDate(2, 0, 0) // Graph's default lifetime
	}
	if !end.After(start) {
		g.invalidValue("endDateTime", "PasswordCredential")
		return
	}
	secret := newSecret()
	p := &password{keyID: newGUID(), displayName: displayName, secret: secret, hint: hint(secret), start: start, end: end, visibleAt: g.e.visibleAt(g.now)}
	app.passwords = append(app.passwords, p)
	body := renderPassword(p)
	body["secretText"] = secret
	body["@odata.context"] = graphMetadata + "microsoft.graph.passwordCredential"
	g.ok(http.StatusOK, body)
}

func (g *graphReq) removePassword(app *application) {
	obj, ok := g.readObject()
	if !ok {
		return
	}
	keyID, ok := str(obj, "keyId")
	if !ok || !isGUID(keyID) {
		g.invalidValue("keyId", "PasswordCredential")
		return
	}
	for i, p := range app.passwords {
		if strings.EqualFold(p.keyID, keyID) {
			app.passwords = append(app.passwords[:i], app.passwords[i+1:]...)
			g.noContent()
			return
		}
	}
	// Emulator's wording: Graph answers 400 for a keyId the application does not have.
	g.badRequest("No password credential found with keyId '" + keyID + "'.")
}

// renderApplication is the application's default Graph representation.
func (e *Emulator) renderApplication(a *application) map[string]any {
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
			"endDateTime":         k.end.Format(graphTimeFormat),
			"key":                 nil,
			"keyId":               k.keyID,
			"startDateTime":       k.start.Format(graphTimeFormat),
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
		"endDateTime":         p.end.Format(graphTimeFormat),
		"hint":                p.hint,
		"keyId":               p.keyID,
		"secretText":          nil,
		"startDateTime":       p.start.Format(graphTimeFormat),
	}
}
