package emulator

import (
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// The token endpoint: client credentials with a client secret (form or HTTP Basic) or a
// certificate-signed client assertion, answered with v1.0 access tokens like Entra issues for
// Microsoft Graph and Exchange Online.

const (
	tokenLifetime = 3599 * time.Second
	// clockSkew is the leeway Entra and Graph allow between clocks.
	clockSkew         = 5 * time.Minute
	assertionTypeJWT  = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	assertionTimeForm = "2006-01-02T15:04:05.0000000Z"
)

// MSAL appends these to every scope list; they ask for ID and refresh tokens, which the
// client-credentials grant never returns, so Entra ignores them there.
var oidcScopes = map[string]bool{"openid": true, "offline_access": true, "profile": true, "email": true}

func (e *Emulator) serveToken(w http.ResponseWriter, r *http.Request, tenant string) {
	if !isCommonTenant(tenant) && !e.resolveTenant(tenant) {
		writeAADError(w, r, errTenantNotFound(tenant))
		return
	}
	form, err := readForm(r)
	if err != nil {
		writeAADError(w, r, errMissingParameter("grant_type"))
		return
	}
	grant := form.Get("grant_type")
	if isCommonTenant(tenant) && !delegatedGrants[grant] {
		// A person's sign-in finds its tenant from the account; an application's cannot.
		writeAADError(w, r, errCommonEndpoint())
		return
	}
	if delegatedGrants[grant] {
		body, aerr := e.issueDelegated(r, tenant, grant, form)
		if aerr != nil {
			writeAADError(w, r, aerr)
			return
		}
		writeTokenResponse(w, r, body)
		return
	}
	tok, aerr := e.issue(r, tenant, form)
	if aerr != nil {
		writeAADError(w, r, aerr)
		return
	}
	// No "scope" field: for client credentials MSAL would treat every scope missing from it
	// (openid, profile, ...) as declined and fail.
	writeTokenResponse(w, r, map[string]any{
		"token_type":     "Bearer",
		"expires_in":     int(tokenLifetime / time.Second),
		"ext_expires_in": int(tokenLifetime / time.Second),
		"access_token":   tok,
	})
}

// delegatedGrants are the grant types by which a person signs in.
var delegatedGrants = map[string]bool{
	"device_code": true, "urn:ietf:params:oauth:grant-type:device_code": true,
	"authorization_code": true, "refresh_token": true, "password": true,
}

// writeTokenResponse sends a token response with Entra's no-cache headers.
func writeTokenResponse(w http.ResponseWriter, r *http.Request, body map[string]any) {
	h := w.Header()
	h.Set("Cache-Control", "no-store, no-cache")
	h.Set("Pragma", "no-cache")
	h.Set("x-ms-request-id", infoOf(r).requestID)
	writeJSON(w, http.StatusOK, "application/json; charset=utf-8", body)
}

// readForm parses an application/x-www-form-urlencoded body. Entra reads parameters from the
// body only: a grant_type in the query string does not count. A body of another media
// type, or under a Content-Type that does not parse, carries no parameters.
func readForm(r *http.Request) (url.Values, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !isFormMediaType(ct) {
		return url.Values{}, nil
	}
	body, err := readBody(r, 1<<20)
	if err != nil {
		return nil, err
	}
	return url.ParseQuery(string(body))
}

// isFormMediaType reports whether the Content-Type ct names a form-encoded body.
func isFormMediaType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// issue validates a token request and returns the access token, checking in the order Entra
// reports problems: request shape, client, credential, scope, service principal.
func (e *Emulator) issue(r *http.Request, tenant string, form url.Values) (string, *aadError) {
	grant := form.Get("grant_type")
	if grant == "" {
		return "", errMissingParameter("grant_type")
	}
	clientID, secret := clientCredentials(r, form)
	if grant != "client_credentials" {
		return "", errUnsupportedGrant(grant)
	}
	if clientID == "" {
		return "", errMissingParameter("client_id")
	}
	scope := form.Get("scope")
	if strings.TrimSpace(scope) == "" {
		return "", errMissingParameter("scope")
	}

	now := time.Now().UTC()
	v := view{now: now}
	s := e.store
	s.mu.Lock()
	defer s.mu.Unlock()

	app := s.appByAppID(clientID, v)
	if app == nil {
		return "", errAppNotFound(clientID, tenant)
	}
	acr, aerr := e.authenticateClient(app, secret, form, now)
	if aerr != nil {
		return "", aerr
	}
	resource, aerr := parseDefaultScope(scope)
	if aerr != nil {
		return "", aerr
	}
	res := s.resourceSP(resource, v)
	if res == nil {
		return "", errResourceNotFound(resource, s.displayName)
	}
	client := s.spByAppID(app.appID, v)
	if client == nil {
		return "", errNoServicePrincipal(app.appID, s.tenantID)
	}
	return e.appTokenFor(app, client, res, s.audienceFor(res, resource), acr, s.rolesOf(client, res, v), s.appWids(client, v), now)
}

// clientCredentials reads the client id and secret from the form or, for
// client_secret_basic, from HTTP Basic authentication (RFC 6749 2.3.1 form-encodes both
// before Basic encoding).
func clientCredentials(r *http.Request, form url.Values) (clientID, secret string) {
	clientID, secret = form.Get("client_id"), form.Get("client_secret")
	u, p, ok := r.BasicAuth()
	if !ok {
		return clientID, secret
	}
	if du, err := url.QueryUnescape(u); err == nil {
		u = du
	}
	if dp, err := url.QueryUnescape(p); err == nil {
		p = dp
	}
	if clientID == "" {
		clientID = u
	}
	if secret == "" {
		secret = p
	}
	return clientID, secret
}

// authenticateClient checks the client's secret or certificate assertion and returns the
// appidacr claim it earns: "1" for a secret, "2" for a certificate.
func (e *Emulator) authenticateClient(app *application, secret string, form url.Values, now time.Time) (string, *aadError) {
	assertion := form.Get("client_assertion")
	switch {
	case secret != "":
		p := app.checkSecret(secret, now)
		if p == nil || now.Before(p.start.Add(-clockSkew)) {
			return "", errInvalidSecret(app.appID)
		}
		if now.After(p.end) {
			return "", errExpiredSecret(app.appID)
		}
		return "1", nil
	case assertion != "":
		if at := form.Get("client_assertion_type"); at != assertionTypeJWT {
			return "", errMissingParameter("client_assertion_type")
		}
		if aerr := e.checkAssertion(app, assertion, now); aerr != nil {
			return "", aerr
		}
		return "2", nil
	default:
		return "", errNoCredential()
	}
}

// rolesOf is the roles claim of client's tokens for res: the values of the enabled app roles
// of res assigned to client, sorted. The caller holds the lock.
func (s *store) rolesOf(client, res *servicePrincipal, v view) []string {
	var roles []string
	for _, a := range s.assignments {
		if a.PrincipalID != client.id || a.ResourceID != res.id || !v.sees(a.visibleAt) {
			continue
		}
		if role := res.appRole(a.AppRoleID); role != nil && !role.Disabled {
			roles = append(roles, role.Value)
		}
	}
	sort.Strings(roles)
	return roles
}

// appToken mints a v1.0 app-only access token as Entra issues them for Graph and Exchange.
func (e *Emulator) appToken(app *application, client, res *servicePrincipal, acr string, roles []string, now time.Time) (string, *aadError) {
	aud := res.audience
	if aud == "" {
		aud = res.appID
	}
	e.store.mu.Lock()
	wids := e.store.appWids(client, view{now: now})
	e.store.mu.Unlock()
	return e.appTokenFor(app, client, res, aud, acr, roles, wids, now)
}

// appTokenFor is appToken with the audience the request earned (store.audienceFor) and the
// client's wids (store.appWids).
func (e *Emulator) appTokenFor(app *application, client, _ *servicePrincipal, aud, acr string, roles, wids []string, now time.Time) (string, *aadError) {
	s := e.store
	issuer := "https://sts.windows.net/" + s.tenantID + "/"
	claims := map[string]any{
		"aud":             aud,
		"iss":             issuer,
		"iat":             now.Unix(),
		"nbf":             now.Unix(),
		"exp":             now.Add(tokenLifetime).Unix(),
		"app_displayname": app.displayName,
		"appid":           app.appID,
		"appidacr":        acr,
		"azp":             app.appID,
		"idp":             issuer,
		"idtyp":           "app",
		"oid":             client.id,
		"sub":             client.id,
		"tid":             s.tenantID,
		"uti":             randomToken(16),
		"ver":             "1.0",
		"wids":            wids,
	}
	if len(roles) > 0 { // Entra omits the claim when the client holds no role
		claims["roles"] = roles
	}
	if client.managed != nil { // a managed identity's tokens name its Azure resource
		claims["xms_mirid"] = client.managed.resourceID
	}
	tok, err := signRS256(e.signer.key, map[string]any{"typ": "JWT", "alg": "RS256", "x5t": e.signer.kid, "kid": e.signer.kid}, claims)
	if err != nil {
		return "", &aadError{http.StatusInternalServerError, "server_error", 50000, "TokenIssuanceError - There's an issue with the sign-in service."}
	}
	return tok, nil
}

// parseDefaultScope returns the resource of a client-credentials scope list: exactly one
// "<resource>/.default", after dropping the OpenID scopes MSAL adds.
func parseDefaultScope(scope string) (string, *aadError) {
	var resources []string
	for _, sc := range strings.Fields(scope) {
		if oidcScopes[strings.ToLower(sc)] {
			continue
		}
		res, ok := strings.CutSuffix(sc, "/.default")
		if !ok {
			return "", errScopeNotDefault(sc)
		}
		if res == "" {
			return "", errScopeInvalid(sc)
		}
		resources = append(resources, res)
	}
	switch len(resources) {
	case 0:
		return "", errScopeMissing()
	case 1:
		return resources[0], nil
	default:
		return "", errMultipleResources()
	}
}

// checkAssertion validates a client assertion (RFC 7523) against the application's
// certificates, as Entra does: key by thumbprint, signature, audience, issuer and subject,
// validity window.
func (e *Emulator) checkAssertion(app *application, assertion string, now time.Time) *aadError {
	jwt, err := parseJWT(assertion)
	if err != nil {
		return errAssertionMalformed()
	}
	if alg := jwt.alg(); alg != "PS256" && alg != "RS256" {
		return errAssertionMalformed()
	}
	if isFederatedAssertion(app, jwt, now) {
		return e.checkFederatedAssertion(app, jwt, now) // federated.go
	}
	key, shown, aerr := assertionKey(app, jwt, now)
	if aerr != nil {
		return aerr
	}
	if now.After(key.end) || now.Before(key.start) {
		return errAssertionSignature("The key used is expired.", shown, key)
	}
	pub, ok := key.cert.PublicKey.(*rsa.PublicKey)
	if !ok || jwt.verify(pub) != nil {
		return errAssertionSignature("The provided signature value did not match the expected signature value.", shown, key)
	}
	return e.checkAssertionClaims(app, jwt, now)
}

// assertionKey finds the certificate an assertion names by its x5t#S256, x5t or kid
// thumbprint, and the thumbprint as Entra shows it in errors.
func assertionKey(app *application, jwt *parsedJWT, now time.Time) (*keyCredential, string, *aadError) {
	thumb, byS256 := assertionThumbprint(jwt.header)
	if thumb == nil {
		return nil, "", errAssertionNoThumbprint()
	}
	shown := strings.ToUpper(hex.EncodeToString(thumb))
	for _, k := range app.keys {
		want := k.sha1
		if byS256 {
			want = k.sha256
		}
		if visible(k.visibleAt, now) && string(want) == string(thumb) {
			return k, shown, nil
		}
	}
	return nil, "", errAssertionKeyNotFound(shown, app.appID)
}

// checkAssertionClaims checks who an assertion is from and for, and when it is valid.
func (e *Emulator) checkAssertionClaims(app *application, jwt *parsedJWT, now time.Time) *aadError {
	if !e.isTokenEndpoint(jwt.str("aud")) {
		return errAssertionAudience()
	}
	if !strings.EqualFold(jwt.str("iss"), app.appID) {
		return errAssertionIssuer()
	}
	if jwt.str("sub") != jwt.str("iss") {
		return errAssertionSubject()
	}
	return assertionTimeError(jwt, now)
}

// assertionTimeError checks a client assertion's validity window (certificate and federated
// alike) with the clock skew Entra allows.
func assertionTimeError(jwt *parsedJWT, now time.Time) *aadError {
	exp, hasExp := jwt.num("exp")
	nbf, _ := jwt.num("nbf") // a missing nbf means "valid from the epoch", as Entra reports
	if !hasExp || now.After(time.Unix(exp, 0).Add(clockSkew)) || now.Before(time.Unix(nbf, 0).Add(-clockSkew)) {
		return errAssertionTime(now.Format(assertionTimeForm), time.Unix(nbf, 0).UTC().Format(assertionTimeForm), time.Unix(exp, 0).UTC().Format(assertionTimeForm))
	}
	return nil
}

// assertionThumbprint reads the certificate thumbprint an assertion's header names: x5t#S256
// (SHA-256, MSAL), x5t (SHA-1), or a kid holding the SHA-1 thumbprint, as base64url, padded
// or not (go-azure-sdk, so the azuread provider), or as hex. byS256 tells which hash it is.
func assertionThumbprint(header map[string]any) (thumb []byte, byS256 bool) {
	if v, ok := header["x5t#S256"].(string); ok && v != "" {
		return decodeThumbprint(v), true
	}
	if v, ok := header["x5t"].(string); ok && v != "" {
		return decodeThumbprint(v), false
	}
	kid, _ := header["kid"].(string)
	if len(kid) == 2*sha1.Size {
		if b, err := hex.DecodeString(kid); err == nil {
			return b, false
		}
	}
	if b := decodeThumbprint(kid); len(b) == sha1.Size {
		return b, false
	}
	return nil, false
}

// decodeThumbprint accepts the standard base64 MSAL sends as well as the base64url RFC 7515
// prescribes.
func decodeThumbprint(s string) []byte {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b
		}
	}
	return nil
}

// isTokenEndpoint reports whether aud names this tenant's token endpoint (v2.0 or v1.0), by
// GUID or by any verified domain, under URL() or the cloud's login host.
func (e *Emulator) isTokenEndpoint(aud string) bool {
	u, err := url.Parse(aud)
	if err != nil || !e.isOwnLoginURL(u.Scheme, u.Host) {
		return false
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(segs) < 2 {
		return false
	}
	rest := strings.ToLower(strings.Join(segs[1:], "/"))
	if rest != "oauth2/v2.0/token" && rest != "oauth2/token" {
		return false
	}
	return e.store.isTenant(segs[0]) // the caller holds the store lock
}
