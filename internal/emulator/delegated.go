package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Delegated sign-in: a person signs in to a public client (device code, authorization code
// with PKCE, username and password, refresh token) and gets a token that carries the scopes
// consented for that client (scp) and the person's directory roles (wids).

// First-party public clients every tenant can sign in to. Their applications live in
// Microsoft's tenant; their service principals are seeded, as a tenant that has used them has.
const (
	AzureCLIClientID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
	GraphCLIClientID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
)

// azureCLIARMScopes are the Azure Resource Manager scopes of an Azure CLI token: its one
// delegated permission, user_impersonation, which az's ARM tokens carry.
var azureCLIARMScopes = []string{armUserImpersonation.Value}

// azureCLIGraphScopes are the Microsoft Graph scopes of an Azure CLI token. Microsoft
// pre-authorizes them for its client; users cannot add to them. No primary source lists them
// (sign-in.md, open question 1): this set is the emulator's assumption, enough to register an
// application and grant consent, as the azuread provider's CLI users do.
var azureCLIGraphScopes = []string{"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "AuditLog.Read.All",
	"DelegatedPermissionGrant.ReadWrite.All", "Directory.AccessAsUser.All", "Group.ReadWrite.All", "User.ReadWrite.All"}

// publicClient is a client a person signs in to without a client secret.
type publicClient struct {
	appID, name string
	sp          *servicePrincipal
	// preauthorized scopes by resource appId (Azure CLI); nil means consent: per person or
	// for all.
	preauthorized map[string][]string
}

// firstPartyPublicClients are the Microsoft clients the emulator knows.
var firstPartyPublicClients = []*servicePrincipal{
	{appID: AzureCLIClientID, displayName: "Microsoft Azure CLI", appDisplayName: "Microsoft Azure CLI", ownerTenant: microsoftServicesTenantID},
	{appID: GraphCLIClientID, displayName: "Microsoft Graph Command Line Tools", appDisplayName: "Microsoft Graph Command Line Tools", ownerTenant: microsoftServicesTenantID},
}

// publicClientFor finds the public client clientID: a first-party one, or an application of
// the tenant that allows public client flows (isFallbackPublicClient). The caller holds the
// store lock.
func (s *store) publicClientFor(clientID, tenant string, v view) (publicClient, *aadError) {
	sp := s.spByAppID(clientID, v)
	if sp != nil && sp.ownerTenant == microsoftServicesTenantID {
		pc := publicClient{appID: sp.appID, name: sp.displayName, sp: sp}
		if strings.EqualFold(clientID, AzureCLIClientID) {
			pc.preauthorized = map[string][]string{GraphAppID: azureCLIGraphScopes, AzureServiceManagementAppID: azureCLIARMScopes}
		}
		return pc, nil
	}
	app := s.appByAppID(clientID, v)
	if app == nil {
		return publicClient{}, errAppNotFound(clientID, tenant)
	}
	if string(app.props["isFallbackPublicClient"]) != "true" {
		return publicClient{}, errNoCredential()
	}
	if sp == nil {
		return publicClient{}, errNoServicePrincipal(app.appID, s.tenantID)
	}
	return publicClient{appID: app.appID, name: app.displayName, sp: sp}, nil
}

// scopeRequest is what a delegated token request asks for: one resource, and either its
// .default (everything consented) or named scopes.
type scopeRequest struct {
	resource  *servicePrincipal
	values    []string // scope values, e.g. Application.ReadWrite.All
	isDefault bool
	requested []string // as sent, for the response's scope field
	wantsOIDC []string
	aud       string // the aud claim of its token (store.audienceFor)
}

// parseUserScopes reads a delegated scope list: "https://graph.microsoft.com/X" or "X" (a
// bare name is Microsoft Graph's, in the tenant's cloud), "<resource>/.default", plus OpenID
// scopes. The caller holds the store lock.
func (s *store) parseUserScopes(scope string, v view) (scopeRequest, *aadError) {
	var req scopeRequest
	resource := ""
	for _, sc := range strings.Fields(scope) {
		if oidcScopes[strings.ToLower(sc)] {
			req.wantsOIDC = append(req.wantsOIDC, sc)
			continue
		}
		res, value := s.graphResource(), sc
		if i := strings.LastIndex(sc, "/"); i > 0 && strings.Contains(sc, "://") {
			res, value = sc[:i], sc[i+1:]
		}
		if resource != "" && !strings.EqualFold(resource, res) {
			return req, errMultipleResources()
		}
		resource = res
		req.requested = append(req.requested, sc)
		if value == ".default" {
			req.isDefault = true
			continue
		}
		req.values = append(req.values, value)
	}
	if resource == "" {
		resource = s.graphResource() // only OpenID scopes: a sign-in to Graph's User.Read
		req.values = append(req.values, "User.Read")
	}
	if req.isDefault && len(req.values) > 0 {
		return req, errScopeInvalid(scope)
	}
	if req.resource = s.resourceSP(resource, v); req.resource == nil {
		return req, errResourceNotFound(resource, s.displayName)
	}
	req.aud = s.audienceFor(req.resource, resource)
	for _, val := range req.values {
		if req.resource.scope(val) == nil {
			return req, errScopeNotOnResource(val, req.resource.displayName)
		}
	}
	return req, nil
}

func (sp *servicePrincipal) scope(value string) *PermissionScope {
	for i := range sp.scopes {
		if strings.EqualFold(sp.scopes[i].Value, value) {
			return &sp.scopes[i]
		}
	}
	return nil
}

// grantedScopes is what client may act as u on the resource with: Microsoft's
// pre-authorization, or the delegated grants for all users and for u. The caller holds the
// lock.
func (s *store) grantedScopes(pc publicClient, u *user, res *servicePrincipal) map[string]bool {
	out := map[string]bool{}
	if pc.preauthorized != nil {
		for _, sc := range pc.preauthorized[res.appID] {
			out[sc] = true
		}
		return out
	}
	for _, g := range s.grants {
		if g.ClientID != pc.sp.id || g.ResourceID != res.id {
			continue
		}
		if g.ConsentType == "AllPrincipals" || strings.EqualFold(g.PrincipalID, u.id) {
			for _, sc := range strings.Fields(g.Scope) {
				out[sc] = true
			}
		}
	}
	return out
}

// consentFor grants u's consent to the requested scopes that are missing, when u may: anyone
// for "User" scopes, an administrator for "Admin" ones. interactive is false for flows where
// nobody sees a consent prompt (username and password, refresh). The caller holds the lock.
func (s *store) consentFor(pc publicClient, u *user, req scopeRequest, interactive bool, v view) *aadError {
	granted := s.grantedScopes(pc, u, req.resource)
	var missing []string
	for _, val := range req.values {
		if !granted[val] {
			missing = append(missing, val)
		}
	}
	switch {
	case len(missing) == 0:
		return nil
	case pc.preauthorized != nil:
		return errPreauthorizationRequired()
	case !interactive:
		return errConsentRequired(pc.appID, missing)
	}
	for _, val := range missing {
		if req.resource.scope(val).Type == "Admin" && !holdsAny(roleSet(s.rolesHeldBy(u.id, v)), rolesGrantDelegated) {
			return errAdminApprovalRequired(pc.name, val)
		}
	}
	id := grantID(pc.sp.id, req.resource.id, u.id)
	if g := s.grants[id]; g != nil {
		g.Scope = strings.TrimSpace(g.Scope + " " + strings.Join(missing, " "))
		return nil
	}
	s.grants[id] = &grant{DelegatedGrant: DelegatedGrant{ID: id, ClientID: pc.sp.id, ResourceID: req.resource.id, ConsentType: "Principal", PrincipalID: u.id, Scope: strings.Join(missing, " ")}, visibleAt: v.visibleAt}
	return nil
}

func roleSet(roles []string) map[string]bool {
	m := make(map[string]bool, len(roles))
	for _, r := range roles {
		m[r] = true
	}
	return m
}

// userSignIn is a person signed in to a client for some scopes: what a device code, an
// authorization code and a refresh token each stand for.
type userSignIn struct {
	clientID string
	userID   string
	scope    string // as requested
}

// sessions holds the sign-ins under way and done: device codes waiting for their person,
// authorization codes waiting to be redeemed, and refresh tokens.
type sessions struct {
	mu       sync.Mutex
	devices  map[string]*deviceAuth // by device_code
	byUser   map[string]*deviceAuth // by user_code
	codes    map[string]*authCode
	refreshs map[string]userSignIn
}

type deviceAuth struct {
	userSignIn
	tenant   string
	userCode string
	expires  time.Time
	approved bool
	declined *aadError // why the person's sign-in was refused, ending the flow
}

type authCode struct {
	userSignIn
	redirectURI, challenge string
	expires                time.Time
	redeemed               bool
}

func newSessions() *sessions {
	return &sessions{devices: map[string]*deviceAuth{}, byUser: map[string]*deviceAuth{}, codes: map[string]*authCode{}, refreshs: map[string]userSignIn{}}
}

const (
	deviceCodeLifetime = 15 * time.Minute
	authCodeLifetime   = 10 * time.Minute
)

// issueDelegated answers the grants of a person's sign-in.
func (e *Emulator) issueDelegated(r *http.Request, tenant, grant string, form url.Values) (map[string]any, *aadError) {
	clientID := form.Get("client_id")
	if clientID == "" {
		return nil, errMissingParameter("client_id")
	}
	var in userSignIn
	var aerr *aadError
	switch grant {
	case "device_code", "urn:ietf:params:oauth:grant-type:device_code":
		in, aerr = e.sessions.redeemDevice(form.Get("device_code"), clientID)
	case "authorization_code":
		in, aerr = e.sessions.redeemCode(form.Get("code"), clientID, form.Get("redirect_uri"), form.Get("code_verifier"))
	case "refresh_token":
		in, aerr = e.sessions.refresh(form.Get("refresh_token"), clientID)
		if aerr == nil && form.Get("scope") != "" {
			in.scope = form.Get("scope")
		}
	default: // password
		in, aerr = e.passwordSignIn(form, clientID, isCommonTenant(tenant))
	}
	if aerr != nil {
		return nil, aerr
	}
	te := e
	if isCommonTenant(tenant) {
		// organizations and common find the tenant from the account (tenants.go).
		te, _ = e.tenantOfUser(in.userID)
	}
	return te.userTokenResponse(r, tenant, in, grant == "password" || grant == "refresh_token")
}

// passwordSignIn checks a username and password; anyTenant: in whichever tenant has the
// account (a multi-tenant alias), else in this one.
func (e *Emulator) passwordSignIn(form url.Values, clientID string, anyTenant bool) (userSignIn, *aadError) {
	var u *user
	if anyTenant {
		_, u = e.tenantOfUser(form.Get("username"))
	} else {
		e.store.mu.Lock()
		u = e.store.userByIDOrUPN(form.Get("username"))
		e.store.mu.Unlock()
	}
	if u == nil || u.password != form.Get("password") {
		return userSignIn{}, errBadPassword()
	}
	return userSignIn{clientID: clientID, userID: u.id, scope: form.Get("scope")}, nil
}

// userTokenResponse mints the token response of a person's sign-in: access, refresh and ID
// tokens and client_info, as MSAL needs them to build and cache an account.
func (e *Emulator) userTokenResponse(r *http.Request, tenant string, in userSignIn, silent bool) (map[string]any, *aadError) {
	now := time.Now().UTC()
	v := view{now: now, visibleAt: e.visibleAt(now)}
	s := e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	pc, aerr := s.publicClientFor(in.clientID, tenant, v)
	if aerr != nil {
		return nil, aerr
	}
	u := s.userByIDOrUPN(in.userID)
	if u == nil {
		return nil, errBadPassword()
	}
	req, aerr := s.parseUserScopes(in.scope, v)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.consentFor(pc, u, req, !silent, v); aerr != nil {
		return nil, aerr
	}
	granted := s.grantedScopes(pc, u, req.resource)
	access, err := e.signUserToken(pc, u, req.aud, granted, now)
	if err != nil {
		return nil, errTokenIssuance()
	}
	idToken, err := e.signIDToken(r, pc, u, now)
	if err != nil {
		return nil, errTokenIssuance()
	}
	refresh := randomToken(32)
	e.sessions.mu.Lock()
	e.sessions.refreshs[refresh] = userSignIn{clientID: pc.appID, userID: u.id, scope: in.scope}
	e.sessions.mu.Unlock()
	clientInfo, _ := json.Marshal(map[string]string{"uid": u.id, "utid": s.tenantID})
	return map[string]any{
		"token_type":     "Bearer",
		"scope":          responseScope(req, granted),
		"expires_in":     int(tokenLifetime / time.Second),
		"ext_expires_in": int(tokenLifetime / time.Second),
		"access_token":   access,
		"refresh_token":  refresh,
		"id_token":       idToken,
		"client_info":    base64.RawURLEncoding.EncodeToString(clientInfo),
	}, nil
}

// responseScope lists what was granted, resource-qualified, plus what was asked for, so that
// MSAL finds no requested scope declined.
func responseScope(req scopeRequest, granted map[string]bool) string {
	prefix := strings.TrimSuffix(req.aud, "/")
	if prefix == "" {
		prefix = req.resource.appID
	}
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[strings.ToLower(s)] {
			seen[strings.ToLower(s)] = true
			out = append(out, s)
		}
	}
	for _, s := range req.requested {
		add(s)
	}
	var values []string
	for s := range granted {
		values = append(values, s)
	}
	sort.Strings(values)
	for _, s := range values {
		add(prefix + "/" + s)
	}
	for _, s := range req.wantsOIDC {
		add(s)
	}
	return strings.Join(out, " ")
}

// signUserToken mints a v1.0 delegated access token: scp, wids, the person's ids.
func (e *Emulator) signUserToken(pc publicClient, u *user, aud string, granted map[string]bool, now time.Time) (string, error) {
	s := e.store
	var scp []string
	for sc := range granted {
		scp = append(scp, sc)
	}
	sort.Strings(scp)
	wids := s.userWids(u.id, view{now: now}) // the caller holds the store lock
	issuer := "https://sts.windows.net/" + s.tenantID + "/"
	claims := map[string]any{
		"aud": aud, "iss": issuer, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(tokenLifetime).Unix(),
		"acr": "1", "amr": []string{"pwd"}, "app_displayname": pc.name, "appid": pc.appID, "appidacr": "0",
		"family_name": u.surname, "given_name": u.givenName, "idp": issuer, "idtyp": "user", "ipaddr": "127.0.0.1",
		"name": u.displayName, "oid": u.id, "scp": strings.Join(scp, " "), "sub": pairwiseSubject(u.id, pc.appID),
		"tid": s.tenantID, "unique_name": u.upn, "upn": u.upn, "uti": randomToken(16), "ver": "1.0", "wids": wids,
	}
	return signRS256(e.signer.key, map[string]any{"typ": "JWT", "alg": "RS256", "x5t": e.signer.kid, "kid": e.signer.kid}, claims)
}

// signIDToken mints the v2.0 ID token MSAL reads the account from.
func (e *Emulator) signIDToken(r *http.Request, pc publicClient, u *user, now time.Time) (string, error) {
	tid := e.store.tenantID
	claims := map[string]any{
		"aud": pc.appID, "iss": e.baseURL(r) + "/" + tid + "/v2.0", "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(tokenLifetime).Unix(),
		"name": u.displayName, "oid": u.id, "preferred_username": u.upn, "sub": pairwiseSubject(u.id, pc.appID), "tid": tid, "ver": "2.0",
	}
	if nonce := r.FormValue("nonce"); nonce != "" {
		claims["nonce"] = nonce
	}
	return signRS256(e.signer.key, map[string]any{"typ": "JWT", "alg": "RS256", "kid": e.signer.kid}, claims)
}

// pairwiseSubject is the sub claim: per person and client, as Entra's pairwise subjects are.
func pairwiseSubject(userID, clientID string) string {
	h := sha256.Sum256([]byte(userID + "|" + clientID))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// startDevice begins a device-code sign-in.
func (ss *sessions) startDevice(tenant, clientID, scope string, now time.Time) *deviceAuth {
	d := &deviceAuth{userSignIn: userSignIn{clientID: clientID, scope: scope}, tenant: tenant, userCode: newUserCode(), expires: now.Add(deviceCodeLifetime)}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.devices[randomToken(32)] = d
	ss.byUser[d.userCode] = d
	return d
}

func (ss *sessions) deviceCodeOf(d *deviceAuth) string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for code, x := range ss.devices {
		if x == d {
			return code
		}
	}
	return ""
}

// approveDevice records that the person userID signed in with the code the device showed.
func (ss *sessions) approveDevice(userCode, userID string, now time.Time) (*deviceAuth, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	d := ss.byUser[strings.ToUpper(strings.TrimSpace(userCode))]
	if d == nil || now.After(d.expires) || d.approved {
		return nil, false
	}
	d.approved, d.userID = true, userID
	return d, true
}

// redeemDevice answers a device's poll: pending until its person signs in, then once the
// sign-in.
func (ss *sessions) redeemDevice(code, clientID string) (userSignIn, *aadError) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	d := ss.devices[code]
	switch {
	case code == "":
		return userSignIn{}, errMissingParameter("device_code")
	case d == nil || !strings.EqualFold(d.clientID, clientID):
		return userSignIn{}, errDeviceCodeInvalid()
	case time.Now().After(d.expires):
		return userSignIn{}, errDeviceCodeExpired()
	case d.declined != nil:
		delete(ss.devices, code)
		delete(ss.byUser, d.userCode)
		return userSignIn{}, errDeclined(d.declined)
	case !d.approved:
		return userSignIn{}, errAuthorizationPending()
	}
	delete(ss.devices, code)
	delete(ss.byUser, d.userCode)
	return d.userSignIn, nil
}

func (ss *sessions) newCode(in userSignIn, redirectURI, challenge string, now time.Time) string {
	code := randomToken(32)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.codes[code] = &authCode{userSignIn: in, redirectURI: redirectURI, challenge: challenge, expires: now.Add(authCodeLifetime)}
	return code
}

// redeemCode exchanges an authorization code, once, checking the PKCE verifier (S256).
func (ss *sessions) redeemCode(code, clientID, redirectURI, verifier string) (userSignIn, *aadError) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	c := ss.codes[code]
	switch {
	case code == "":
		return userSignIn{}, errMissingParameter("code")
	case c == nil || time.Now().After(c.expires) || !strings.EqualFold(c.clientID, clientID):
		return userSignIn{}, errCodeInvalid()
	case c.redeemed:
		return userSignIn{}, errCodeRedeemed()
	case c.redirectURI != redirectURI:
		return userSignIn{}, errRedirectMismatch()
	case c.challenge != "" && s256(verifier) != c.challenge:
		return userSignIn{}, errPKCEMismatch()
	}
	c.redeemed = true
	return c.userSignIn, nil
}

func (ss *sessions) refresh(token, clientID string) (userSignIn, *aadError) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	in, ok := ss.refreshs[token]
	if !ok || !strings.EqualFold(in.clientID, clientID) {
		return userSignIn{}, errCodeInvalid()
	}
	return in, nil
}

// s256 is PKCE's code_challenge for a verifier (RFC 7636 4.2).
func s256(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// newUserCode is a code a person types: nine letters, as Entra's device codes have.
func newUserCode() string {
	const letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	b := []byte(randomToken(12))
	out := make([]byte, 9)
	for i := range out {
		out[i] = letters[int(b[i])%len(letters)]
	}
	return string(out)
}
