package emulator

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The pages a person signs in on: the device login page, the authorize endpoint's sign-in and
// the admin consent endpoint. Each is a plain HTML form, so a test or a CI job completes a
// sign-in as a given person by posting the form (fields below) instead of a browser.

// serveDeviceCode starts a device-code sign-in (RFC 8628), as MSAL's
// AcquireTokenByDeviceCode calls it.
func (e *Emulator) serveDeviceCode(w http.ResponseWriter, r *http.Request, tenant string) {
	if !isCommonTenant(tenant) && !e.resolveTenant(tenant) {
		writeAADError(w, r, errTenantNotFound(tenant))
		return
	}
	form, err := readForm(r)
	if err != nil || form.Get("client_id") == "" {
		writeAADError(w, r, errMissingParameter("client_id"))
		return
	}
	now := time.Now().UTC()
	if aerr := e.checkPublicClient(form.Get("client_id"), tenant, form.Get("scope"), now); aerr != nil {
		writeAADError(w, r, aerr)
		return
	}
	d := e.sessions.startDevice(tenant, form.Get("client_id"), form.Get("scope"), now)
	verify := e.url + "/devicelogin"
	writeJSON(w, http.StatusOK, "application/json; charset=utf-8", map[string]any{
		"user_code":        d.userCode,
		"device_code":      e.sessions.deviceCodeOf(d),
		"verification_uri": verify,
		"expires_in":       int(deviceCodeLifetime / time.Second),
		"interval":         5,
		"message":          "To sign in, use a web browser to open the page " + verify + " and enter the code " + d.userCode + " to authenticate.",
	})
}

// checkPublicClient checks, before a sign-in starts, that the client and the scopes exist.
func (e *Emulator) checkPublicClient(clientID, tenant, scope string, now time.Time) *aadError {
	s := e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	v := view{now: now}
	if _, aerr := s.publicClientFor(clientID, tenant, v); aerr != nil {
		return aerr
	}
	_, aerr := s.parseUserScopes(scope, v)
	return aerr
}

// page is a sign-in form: Fields are posted back as hidden inputs.
type page struct {
	Title, Message, Error string
	Action                string
	Fields                map[string]string
	AskCode               bool
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html><head><title>{{.Title}}</title></head><body>
<h1>{{.Title}}</h1>
{{if .Message}}<p id="message">{{.Message}}</p>{{end}}
{{if .Error}}<p id="error">{{.Error}}</p>{{end}}
{{if .Action}}<form method="post" action="{{.Action}}">
{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}{{if .AskCode}}<label>Code <input name="otc"></label>
{{end}}<label>Email <input name="login"></label>
<label>Password <input name="passwd" type="password"></label>
<button type="submit">Sign in</button>
</form>{{end}}
</body></html>
`))

// formPostTemplate answers response_mode=form_post: the browser posts the result to the
// client's redirect URI, as MSAL's local server expects.
var formPostTemplate = template.Must(template.New("form_post").Parse(`<!DOCTYPE html>
<html><head><title>Working...</title></head><body onload="document.forms[0].submit()">
<form method="post" action="{{.Action}}">
{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<noscript><button type="submit">Continue</button></noscript>
</form></body></html>
`))

func writePage(w http.ResponseWriter, status int, t *template.Template, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = t.Execute(w, p) // the status line is out; a failed write has no one to go to
}

// signInUser checks a sign-in form's credentials.
func (e *Emulator) signInUser(r *http.Request) (*user, *aadError) {
	login, password := r.PostFormValue("login"), r.PostFormValue("passwd")
	e.store.mu.Lock()
	defer e.store.mu.Unlock()
	u := e.store.userByIDOrUPN(login)
	switch {
	case u == nil:
		return nil, errUnknownUser(login)
	case u.password != password:
		return nil, errBadPassword()
	}
	cp := *u
	return &cp, nil
}

// serveDeviceLogin is the page a person opens on another device: enter the code, sign in.
// Form fields: otc (the user code), login, passwd.
func (e *Emulator) serveDeviceLogin(w http.ResponseWriter, r *http.Request, _ string) {
	p := page{Title: "Enter code", Action: e.url + "/devicelogin", AskCode: true, Fields: map[string]string{}}
	if r.Method != http.MethodPost {
		writePage(w, http.StatusOK, pageTemplate, p)
		return
	}
	// The device's sign-in names its tenant; the person signs in there (tenants.go).
	te, u, aerr := e.signInFor(r, e.sessions.deviceTenant(r.PostFormValue("otc")))
	if aerr != nil {
		p.Error = aerr.Error()
		writePage(w, aerr.status, pageTemplate, p)
		return
	}
	now := time.Now().UTC()
	d, ok := e.sessions.approveDevice(r.PostFormValue("otc"), u.id, now)
	if !ok {
		p.Error = errDeviceCodeInvalid().Error()
		writePage(w, http.StatusBadRequest, pageTemplate, p)
		return
	}
	// Consent is given on this page, as the person would click Accept.
	if aerr := te.consentAtSignIn(d.userSignIn, d.tenant, now); aerr != nil {
		// The person could not consent: the device hears it at its next poll.
		e.sessions.mu.Lock()
		d.approved, d.declined = false, aerr
		e.sessions.mu.Unlock()
		p.Error = aerr.Error()
		writePage(w, aerr.status, pageTemplate, p)
		return
	}
	writePage(w, http.StatusOK, pageTemplate, page{Title: "Signed in", Message: "You have signed in as " + u.upn + ". You may now close this window."})
}

// consentAtSignIn records the person's consent to the scopes a sign-in asks for, when they
// may give it.
func (e *Emulator) consentAtSignIn(in userSignIn, tenant string, now time.Time) *aadError {
	v := view{now: now, visibleAt: e.visibleAt(now)}
	s := e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	pc, aerr := s.publicClientFor(in.clientID, tenant, v)
	if aerr != nil {
		return aerr
	}
	req, aerr := s.parseUserScopes(in.scope, v)
	if aerr != nil {
		return aerr
	}
	return s.consentFor(pc, s.userByIDOrUPN(in.userID), req, true, v)
}

// serveAuthorize is the authorization endpoint (authorization code with PKCE). GET shows the
// sign-in form, posting back the request's parameters with login and passwd; POST signs in
// and sends the code to the redirect URI: a form post (response_mode=form_post, as MSAL asks)
// or a redirect with the code in the query.
func (e *Emulator) serveAuthorize(w http.ResponseWriter, r *http.Request, tenant string) {
	if err := r.ParseForm(); err != nil {
		writeAADError(w, r, errMissingParameter("client_id"))
		return
	}
	q := r.Form
	if aerr := e.checkAuthorizeRequest(q, tenant); aerr != nil {
		writeAADError(w, r, aerr)
		return
	}
	fields := map[string]string{}
	for _, k := range []string{"client_id", "redirect_uri", "response_type", "response_mode", "scope", "state", "code_challenge", "code_challenge_method", "nonce", "prompt", "login_hint"} {
		if v := q.Get(k); v != "" {
			fields[k] = v
		}
	}
	p := page{Title: "Sign in to your account", Action: e.url + "/" + tenant + "/oauth2/v2.0/authorize", Fields: fields}
	if r.Method != http.MethodPost {
		writePage(w, http.StatusOK, pageTemplate, p)
		return
	}
	te, u, aerr := e.signInFor(r, tenant)
	if aerr != nil {
		p.Error = aerr.Error()
		writePage(w, aerr.status, pageTemplate, p)
		return
	}
	now := time.Now().UTC()
	in := userSignIn{clientID: q.Get("client_id"), userID: u.id, scope: q.Get("scope")}
	if aerr := te.consentAtSignIn(in, tenant, now); aerr != nil {
		e.redirectResult(w, r, q, map[string]string{"error": aerr.oauth, "error_description": aerr.Error()})
		return
	}
	code := e.sessions.newCode(in, q.Get("redirect_uri"), q.Get("code_challenge"), now)
	e.redirectResult(w, r, q, map[string]string{"code": code})
}

// checkAuthorizeRequest checks an authorization request before anyone signs in.
func (e *Emulator) checkAuthorizeRequest(q url.Values, tenant string) *aadError {
	switch {
	case q.Get("client_id") == "":
		return errMissingParameter("client_id")
	case q.Get("response_type") != "code":
		return errMissingParameter("response_type")
	case !isLoopbackRedirect(q.Get("redirect_uri")):
		// Public clients sign in to http://localhost; other reply URLs are the portal's to
		// configure, which the emulator does not model.
		return &aadError{http.StatusBadRequest, "invalid_request", 50011, "The redirect URI '" + q.Get("redirect_uri") + "' specified in the request does not match the redirect URIs configured for the application '" + q.Get("client_id") + "'."}
	case q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256":
		return &aadError{http.StatusBadRequest, "invalid_request", 501491, "Invalid size of Code_Challenge parameter."}
	}
	return e.checkPublicClient(q.Get("client_id"), tenant, q.Get("scope"), time.Now().UTC())
}

// isLoopbackRedirect: http://localhost or http://127.0.0.1 on any port, the redirect URI of
// public clients on a desktop.
func isLoopbackRedirect(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

// redirectResult delivers an authorization result to the client's redirect URI.
func (e *Emulator) redirectResult(w http.ResponseWriter, r *http.Request, q url.Values, result map[string]string) {
	fields := map[string]string{}
	for k, v := range result {
		if v != "" {
			fields[k] = v
		}
	}
	if st := q.Get("state"); st != "" {
		fields["state"] = st
	}
	if q.Get("response_mode") == "form_post" {
		writePage(w, http.StatusOK, formPostTemplate, page{Action: q.Get("redirect_uri"), Fields: fields})
		return
	}
	u, _ := url.Parse(q.Get("redirect_uri")) // checked by checkAuthorizeRequest
	vals := u.Query()
	for k, v := range fields {
		vals.Set(k, v)
	}
	u.RawQuery = vals.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// serveAdminConsent is the admin consent endpoint: an administrator signs in and grants, for
// the whole tenant, every permission the application asks for (its requiredResourceAccess):
// the service principal if missing, app role assignments for application permissions, an
// all-users grant for delegated ones. Form fields: login, passwd. With a redirect_uri the
// result goes there (admin_consent=True&tenant=...), as the v2.0 endpoint does; without,
// a page says it.
func (e *Emulator) serveAdminConsent(w http.ResponseWriter, r *http.Request, tenant string) {
	if err := r.ParseForm(); err != nil || r.Form.Get("client_id") == "" {
		writeAADError(w, r, errMissingParameter("client_id"))
		return
	}
	q := r.Form
	if q.Get("redirect_uri") != "" && !isLoopbackRedirect(q.Get("redirect_uri")) {
		writeAADError(w, r, &aadError{http.StatusBadRequest, "invalid_request", 50011, "The redirect URI '" + q.Get("redirect_uri") + "' specified in the request does not match the redirect URIs configured for the application '" + q.Get("client_id") + "'."})
		return
	}
	fields := map[string]string{}
	for _, k := range []string{"client_id", "redirect_uri", "scope", "state"} {
		if v := q.Get(k); v != "" {
			fields[k] = v
		}
	}
	p := page{Title: "Permissions requested", Message: "Sign in as an administrator to accept these permissions for your organization.", Action: e.url + r.URL.Path, Fields: fields}
	if r.Method != http.MethodPost {
		writePage(w, http.StatusOK, pageTemplate, p)
		return
	}
	te, u, aerr := e.signInFor(r, tenant)
	if aerr == nil {
		aerr = te.grantAdminConsent(q.Get("client_id"), u, tenant)
	}
	switch {
	case aerr != nil && q.Get("redirect_uri") == "":
		p.Error = aerr.Error()
		writePage(w, aerr.status, pageTemplate, p)
	case aerr != nil:
		e.redirectResult(w, r, q, map[string]string{"error": aerr.oauth, "error_description": aerr.Error()})
	case q.Get("redirect_uri") == "":
		writePage(w, http.StatusOK, pageTemplate, page{Title: "Permissions granted", Message: "Admin consent for " + q.Get("client_id") + " was granted by " + u.upn + "."})
	default:
		e.redirectResult(w, r, q, map[string]string{"admin_consent": "True", "tenant": te.store.tenantID, "scope": q.Get("scope")})
	}
}

// grantAdminConsent does what the portal's "Grant admin consent" does, through the
// directory's own operations and their rules: an administrator who may not consent to one of
// the permissions gets AADSTS90094 and nothing changes.
func (e *Emulator) grantAdminConsent(clientID string, u *user, tenant string) *aadError {
	now := time.Now().UTC()
	v := view{now: now, visibleAt: now}
	s := e.store
	app, err := s.application(ref{value: clientID, byAppID: true}, v)
	if err != nil {
		return errAppNotFound(clientID, tenant)
	}
	wids := roleSet(s.directoryRolesOf(u.id, v))
	plan, aerr := s.consentPlan(app, wids, v)
	if aerr != nil {
		return aerr
	}
	sp, err := s.servicePrincipal(ref{value: clientID, byAppID: true}, v)
	if err != nil {
		if sp, err = s.createServicePrincipal(clientID, v); err != nil {
			return errTokenIssuance()
		}
	}
	for _, p := range plan {
		if p.roleID != "" {
			in := AppRoleAssignment{PrincipalID: sp.id, ResourceID: p.resource.id, AppRoleID: p.roleID}
			_, _, _ = s.assignAppRole(byID(p.resource.id), onResource, in, v) // an existing one is fine
			continue
		}
		s.mu.Lock()
		id := grantID(sp.id, p.resource.id, "")
		if g := s.grants[id]; g != nil {
			if !strings.Contains(" "+g.Scope+" ", " "+p.scope+" ") {
				g.Scope = strings.TrimSpace(g.Scope + " " + p.scope)
			}
			s.mu.Unlock()
			continue
		}
		s.mu.Unlock()
		_, _ = s.createGrant(DelegatedGrant{ClientID: sp.id, ResourceID: p.resource.id, ConsentType: "AllPrincipals", Scope: p.scope}, v)
	}
	return nil
}

// consentItem is one permission admin consent grants: an app role or a delegated scope.
type consentItem struct {
	resource      *servicePrincipal
	roleID, scope string
}

// consentPlan resolves what admin consent for app grants and checks that the administrator
// may grant each of it.
func (s *store) consentPlan(app *application, wids map[string]bool, v view) ([]consentItem, *aadError) {
	var plan []consentItem
	for _, rra := range app.rra {
		res, err := s.servicePrincipal(ref{value: rra.ResourceAppID, byAppID: true}, v)
		if err != nil {
			continue // an API not in this tenant: nothing to consent to here
		}
		for _, ra := range rra.ResourceAccess {
			item := consentItem{resource: res}
			var need []string
			if ra.Type == "Role" {
				item.roleID, need = ra.ID, rolesAssignAppRoles
				if strings.EqualFold(res.appID, GraphAppID) {
					need = rolesConsentGraph
				}
			} else {
				for _, sc := range res.scopes {
					if strings.EqualFold(sc.ID, ra.ID) {
						item.scope = sc.Value
					}
				}
				need = rolesGrantDelegated
			}
			if !holdsAny(wids, need) {
				return nil, errAdminApprovalRequired(app.displayName, res.displayName)
			}
			if item.roleID != "" || item.scope != "" {
				plan = append(plan, item)
			}
		}
	}
	return plan, nil
}

// serveUserRealm answers MSAL's home realm discovery before a username and password sign-in.
func (e *Emulator) serveUserRealm(w http.ResponseWriter, r *http.Request, _ string) {
	name := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	domain := name[strings.LastIndex(name, "@")+1:]
	kind := "Unknown"
	if e.forTenant(domain).resolveTenant(domain) {
		kind = "Managed"
	}
	writeJSON(w, http.StatusOK, "application/json; charset=utf-8", map[string]any{
		"ver": "1.0", "account_type": kind, "domain_name": domain,
		"cloud_instance_name": e.cloud.instanceName, "cloud_audience_urn": "urn:federation:MicrosoftOnline",
	})
}
