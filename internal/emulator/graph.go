package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Microsoft Graph v1.0: authentication, routing and the response conventions every endpoint
// shares.

const (
	graphContentType = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
	graphMetadata    = "https://graph.microsoft.com/v1.0/$metadata#"
	graphTimeFormat  = "2006-01-02T15:04:05Z"
)

// Permission sets: any one of the listed application permissions allows the operation, as in
// the "Permissions" tables of each Graph API page.
var (
	permAppRead    = []string{"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	permAppWrite   = []string{"Application.ReadWrite.All"}
	permAssign     = []string{"AppRoleAssignment.ReadWrite.All"}
	permGrantRead  = []string{"DelegatedPermissionGrant.Read.All", "DelegatedPermissionGrant.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	permGrantWrite = []string{"DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All"}
	permUserRead   = []string{"User.Read.All", "User.ReadBasic.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	permOrgRead    = []string{"Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	permMailbox    = []string{"MailboxSettings.Read", "MailboxSettings.ReadWrite"}
)

// graphReq is one Graph request being served.
type graphReq struct {
	e     *Emulator
	w     http.ResponseWriter
	r     *http.Request
	now   time.Time
	perms map[string]bool
	segs  []segment
	query odataQuery
}

// segment is one path segment, with the OData key it may carry: applications(appId='x')
// has name "applications", keyProp "appId", keyVal "x".
type segment struct {
	name, keyProp, keyVal string
}

func parseSegments(path string) []segment {
	path = strings.Trim(strings.TrimPrefix(path, "/v1.0"), "/")
	if path == "" {
		return nil
	}
	var out []segment
	for _, p := range strings.Split(path, "/") {
		s := segment{name: p}
		if i := strings.IndexByte(p, '('); i > 0 && strings.HasSuffix(p, ")") {
			s.name = p[:i]
			key := p[i+1 : len(p)-1]
			if k, v, ok := strings.Cut(key, "="); ok {
				s.keyProp, s.keyVal = strings.TrimSpace(k), unquote(strings.TrimSpace(v))
			} else {
				s.keyProp, s.keyVal = "id", unquote(key)
			}
		}
		out = append(out, s)
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	return s
}

func (e *Emulator) serveGraph(w http.ResponseWriter, r *http.Request) {
	g := &graphReq{e: e, w: w, r: r, now: time.Now().UTC(), segs: parseSegments(r.URL.Path)}
	if !g.authenticate() {
		return
	}
	q, ok := parseODataQuery(g)
	if !ok {
		return
	}
	g.query = q
	if len(g.segs) == 0 {
		g.badSegment("v1.0")
		return
	}
	switch g.segs[0].name {
	case "applications":
		g.applications()
	case "servicePrincipals":
		g.servicePrincipals()
	case "oauth2PermissionGrants":
		g.oauth2PermissionGrants()
	case "users":
		g.users()
	case "organization":
		g.organization()
	case "directory":
		g.directory()
	case "$batch":
		g.batch()
	default:
		g.badSegment(g.segs[0].name)
	}
}

// authenticate validates the bearer token as Graph does and collects the caller's
// permissions. It writes the 401 itself.
func (g *graphReq) authenticate() bool {
	h := g.r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return g.unauthorized("Access token is empty.")
	}
	jwt, err := parseJWT(tok)
	if err != nil {
		return g.unauthorized("CompactToken parsing failed with error code: 80049217")
	}
	if kid, _ := jwt.header["kid"].(string); kid != g.e.signer.kid || jwt.alg() != "RS256" || jwt.verify(&g.e.signer.key.PublicKey) != nil {
		return g.unauthorized("Access token validation failure.")
	}
	exp, okExp := jwt.num("exp")
	nbf, _ := jwt.num("nbf")
	if !okExp || g.now.After(time.Unix(exp, 0).Add(clockSkew)) || g.now.Before(time.Unix(nbf, 0).Add(-clockSkew)) {
		return g.unauthorized("Access token has expired or is not yet valid.")
	}
	if aud := jwt.str("aud"); !strings.EqualFold(strings.TrimSuffix(aud, "/"), GraphResource) && !strings.EqualFold(aud, GraphAppID) {
		return g.unauthorized("Access token validation failure. Invalid audience.")
	}
	if iss := jwt.str("iss"); iss != "https://sts.windows.net/"+g.e.store.tenantID+"/" {
		return g.unauthorized("Access token validation failure. Invalid issuer.")
	}
	g.perms = map[string]bool{}
	if roles, ok := jwt.claims["roles"].([]any); ok {
		for _, v := range roles {
			if s, ok := v.(string); ok {
				g.perms[s] = true
			}
		}
	}
	for _, s := range strings.Fields(jwt.str("scp")) {
		g.perms[s] = true
	}
	return true
}

func (g *graphReq) unauthorized(msg string) bool {
	// Without a claims= challenge, so kiota does not take it for a CAE challenge and retry.
	g.w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	writeGraphError(g.w, g.r, http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
	return false
}

// allowed reports whether the caller holds one of perms; if not it answers 403.
func (g *graphReq) allowed(perms ...[]string) bool {
	for _, set := range perms {
		ok := false
		for _, p := range set {
			if g.perms[p] {
				ok = true
				break
			}
		}
		if !ok {
			g.fail(http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
			return false
		}
	}
	return true
}

// fail writes a Graph error.
func (g *graphReq) fail(status int, code, msg string, details ...graphDetail) {
	writeGraphError(g.w, g.r, status, code, msg, details...)
}

func (g *graphReq) notFound(id string) {
	g.fail(http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+id+"' does not exist or one of its queried reference-property objects are not present.")
}

func (g *graphReq) badSegment(name string) {
	g.fail(http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+name+"'.")
}

func (g *graphReq) methodNotAllowed() {
	g.fail(http.StatusMethodNotAllowed, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
}

func (g *graphReq) badRequest(msg string) {
	g.fail(http.StatusBadRequest, "Request_BadRequest", msg)
}

// invalidValue is Graph's answer to a property value it rejects.
func (g *graphReq) invalidValue(prop, resource string) {
	g.badRequest("Invalid value specified for property '" + prop + "' of resource '" + resource + "'.")
}

type graphDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Target  string `json:"target,omitempty"`
}

// writeGraphError writes Graph's error shape:
// {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}.
func writeGraphError(w http.ResponseWriter, r *http.Request, status int, code, msg string, details ...graphDetail) {
	ri := infoOf(r)
	e := map[string]any{
		"code":    code,
		"message": msg,
		"innerError": map[string]any{
			"date":              time.Now().UTC().Format("2006-01-02T15:04:05"),
			"request-id":        ri.requestID,
			"client-request-id": ri.clientRequestID,
		},
	}
	if len(details) > 0 {
		e["details"] = details
	}
	setErrorCode(w, code)
	graphHeaders(w, r)
	writeJSON(w, status, "application/json", map[string]any{"error": e})
}

func graphHeaders(w http.ResponseWriter, r *http.Request) {
	ri := infoOf(r)
	h := w.Header()
	h.Set("request-id", ri.requestID)
	h.Set("client-request-id", ri.clientRequestID)
	h.Set("Cache-Control", "no-cache")
}

// ok writes a success body with Graph's content type and OData headers.
func (g *graphReq) ok(status int, body map[string]any) {
	graphHeaders(g.w, g.r)
	g.w.Header().Set("OData-Version", "4.0")
	writeJSON(g.w, status, graphContentType, body)
}

// noContent answers 204, as Graph does for PATCH, DELETE and void actions.
func (g *graphReq) noContent() {
	graphHeaders(g.w, g.r)
	g.w.WriteHeader(http.StatusNoContent)
}

// entity answers one entity with its @odata.context, honouring $select.
func (g *graphReq) entity(status int, context string, v map[string]any) {
	out, ok := g.query.project(g, v)
	if !ok {
		return
	}
	out["@odata.context"] = graphMetadata + context + g.query.selectSuffix() + "/$entity"
	g.ok(status, out)
}

// collection answers a collection after $filter, $select and $top.
func (g *graphReq) collection(context, typeName string, items []map[string]any) {
	filtered, ok := g.query.filter(g, typeName, items)
	if !ok {
		return
	}
	if g.query.top > 0 && len(filtered) > g.query.top {
		filtered = filtered[:g.query.top]
	}
	values := make([]any, 0, len(filtered))
	for _, it := range filtered {
		p, ok := g.query.project(g, it)
		if !ok {
			return
		}
		values = append(values, p)
	}
	g.ok(http.StatusOK, map[string]any{"@odata.context": graphMetadata + context + g.query.selectSuffix(), "value": values})
}

// readObject reads the JSON object body of a POST or PATCH. OData annotations the SDK adds
// ("@odata.type") are dropped: they carry no data.
func (g *graphReq) readObject() (map[string]json.RawMessage, bool) {
	raw, err := readBody(g.r, 4<<20)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			g.fail(http.StatusRequestEntityTooLarge, "Request_BadRequest", "The request body is too large.")
			return nil, false
		}
		g.fail(http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
		return nil, false
	}
	obj := map[string]json.RawMessage{}
	if len(strings.TrimSpace(string(raw))) == 0 {
		return obj, true
	}
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		g.fail(http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
		return nil, false
	}
	for k := range obj {
		if strings.HasPrefix(k, "@odata.") {
			delete(obj, k)
		}
	}
	return obj, true
}

// str decodes a string property; null and absence give "", false.
func str(obj map[string]json.RawMessage, key string) (string, bool) {
	raw, ok := obj[key]
	if !ok {
		return "", false
	}
	var s *string
	if json.Unmarshal(raw, &s) != nil || s == nil {
		return "", false
	}
	return *s, true
}

// isNull reports whether a property is present with the JSON value null.
func isNull(obj map[string]json.RawMessage, key string) bool {
	raw, ok := obj[key]
	return ok && strings.TrimSpace(string(raw)) == "null"
}

func timeOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(graphTimeFormat)
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
