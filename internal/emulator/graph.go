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
	graphTimeFormat  = "2006-01-02T15:04:05Z"
	// credentialTimeFormat is how Graph writes a credential's start and end: with seven
	// fractional digits ("2019-09-09T19:50:29.3086381Z", password-credential docs).
	credentialTimeFormat = "2006-01-02T15:04:05.0000000Z"
)

// Permission sets: any one of the listed permissions allows the operation, as in the
// "Permissions" tables of each Graph API page. Directory.AccessAsUser.All, a delegated scope
// only, is the "higher privileged" delegated permission of each of them.
var (
	permAppRead    = []string{"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All", "Directory.AccessAsUser.All"}
	permAppWrite   = []string{"Application.ReadWrite.All", "Directory.AccessAsUser.All"}
	permAssign     = []string{"AppRoleAssignment.ReadWrite.All", "Directory.AccessAsUser.All"}
	permGrantRead  = []string{"DelegatedPermissionGrant.Read.All", "DelegatedPermissionGrant.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All", "Directory.AccessAsUser.All"}
	permGrantWrite = []string{"DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All", "Directory.AccessAsUser.All"}
	permUserRead   = []string{"User.Read.All", "User.ReadBasic.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All", "Directory.AccessAsUser.All"}
	permMe         = append([]string{"User.Read", "User.ReadWrite"}, permUserRead...)
	permOrgRead    = []string{"Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All", "Directory.AccessAsUser.All"}
	permMailbox    = []string{"MailboxSettings.Read", "MailboxSettings.ReadWrite"}
	// Directory roles (rbacapplication-list-roleassignments.md; RoleManagement.Read.All "includes
	// reading role definitions and role assignments"). Writing takes RoleManagement.ReadWrite.Directory
	// alone: rbacapplication-post-roleassignments.md names no other permission, and Graph's RBAC
	// service refused an Azure CLI token, which holds Directory.AccessAsUser.All, on the sibling
	// roleAssignmentScheduleRequests for want of it (Azure/azure-cli#26471).
	permRoleRead  = []string{"RoleManagement.Read.Directory", "RoleManagement.Read.All", "Directory.Read.All", "RoleManagement.ReadWrite.Directory", "Directory.ReadWrite.All"}
	permRoleWrite = []string{"RoleManagement.ReadWrite.Directory"}
)

// permAssignRead is what reading app role assignments needs: the right to read the
// applications, or the right to assign.
var permAssignRead = append(append([]string{}, permAppRead...), permAssign...)

// graphReq is one Graph request being served: the request, its route's placeholders, the
// caller and the directory view it runs in.
type graphReq struct {
	e      *Emulator
	r      *http.Request
	view   view
	caller caller
	refs   map[string]ref
	query  odataQuery
}

// caller is who a token speaks for: an application (app-only: its roles) or a person signed
// in to a client (delegated: the scopes consented, and the person's directory roles).
type caller struct {
	perms     map[string]bool // roles or scp values
	delegated bool
	wids      map[string]bool // directory role template IDs of the person
	userID    string          // the person's object id (oid)
}

// isAdmin reports whether a delegated caller manages applications by role, not ownership.
func (c caller) isAdmin() bool { return holdsAny(c.wids, rolesManageApps) }

// mayAct reports whether a delegated caller's directory roles allow what needs one of roles;
// an application's permissions alone decide for app-only callers.
func (c caller) mayAct(roles []string) bool {
	return !c.delegated || roles == nil || holdsAny(c.wids, roles)
}

// reply is a handler's successful answer: a status and a JSON body (nil: no body).
type reply struct {
	status int
	body   map[string]any
}

// serveGraph authenticates a /v1.0 (or /beta) request, routes it, checks the route's permissions and
// writes what its handler returns, in Graph's shapes.
func (e *Emulator) serveGraph(w http.ResponseWriter, r *http.Request) {
	rep, err := e.handleGraph(r)
	if err != nil {
		writeGraphError(w, r, asGraphError(err))
		return
	}
	graphHeaders(w, r)
	if rep.body == nil {
		w.WriteHeader(rep.status)
		return
	}
	w.Header().Set("OData-Version", "4.0")
	writeJSON(w, rep.status, graphContentType, rep.body)
}

func (e *Emulator) handleGraph(r *http.Request) (reply, error) {
	if t := e.tenantOfToken(r.Header.Get("Authorization")); t != e {
		return t.handleGraph(r) // Graph answers from the token's tenant (tenants.go)
	}
	now := time.Now().UTC()
	g := &graphReq{e: e, r: r, view: view{now: now, visibleAt: e.visibleAt(now)}}
	who, err := e.authenticate(r, now)
	if err != nil {
		return reply{}, err
	}
	g.caller = who
	if g.query, err = parseODataQuery(r); err != nil {
		return reply{}, err
	}
	m, err := findRoute(r.Method, splitPath(r.URL.Path))
	switch {
	case err != nil:
		return reply{}, err
	case m.graph == nil:
		// A token-service path under the Graph host: Graph knows no such segment.
		return reply{}, errBadSegment(strings.Trim(r.URL.Path, "/"))
	case m.wrongMethod:
		return reply{}, errGraphMethodNotAllowed()
	}
	for _, set := range m.perms {
		if !hasAny(g.caller.perms, set) {
			return reply{}, errForbidden()
		}
	}
	if !g.roleAllows(m) {
		return reply{}, errRoleRequired()
	}
	g.refs = m.refs
	return m.graph(g)
}

// roleAllows reports whether the caller's directory roles, or for a route that allows it the
// caller's ownership of the object, permit the call.
func (g *graphReq) roleAllows(m routeMatch) bool {
	if g.caller.mayAct(m.roles) {
		return true
	}
	return m.owners && g.e.store.owns(g.caller.userID, m.refs, g.view)
}

// authenticate validates the bearer token as Graph does and returns who it speaks for.
func (e *Emulator) authenticate(r *http.Request, now time.Time) (caller, error) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return caller{}, errUnauthorized("Access token is empty.")
	}
	jwt, err := parseJWT(tok)
	if err != nil {
		return caller{}, errUnauthorized("CompactToken parsing failed with error code: 80049217")
	}
	if msg := e.tokenProblem(jwt, now); msg != "" {
		return caller{}, errUnauthorized(msg)
	}
	c := caller{perms: map[string]bool{}, wids: map[string]bool{}}
	for _, s := range jwt.strs("roles") {
		c.perms[s] = true
	}
	for _, s := range strings.Fields(jwt.str("scp")) {
		c.perms[s] = true
		c.delegated = true
	}
	for _, s := range jwt.strs("wids") {
		c.wids[s] = true
	}
	// A person's token without any consented scope still is one.
	c.delegated = c.delegated || jwt.str("idtyp") == "user"
	if c.delegated {
		c.userID = jwt.str("oid")
	}
	return c, nil
}

// tokenProblem is what Graph says of a token it does not accept, or "".
func (e *Emulator) tokenProblem(jwt *parsedJWT, now time.Time) string {
	if kid, _ := jwt.header["kid"].(string); kid != e.signer.kid || jwt.alg() != "RS256" || jwt.verify(&e.signer.key.PublicKey) != nil {
		return "Access token validation failure."
	}
	exp, okExp := jwt.num("exp")
	nbf, _ := jwt.num("nbf")
	if !okExp || now.After(time.Unix(exp, 0).Add(clockSkew)) || now.Before(time.Unix(nbf, 0).Add(-clockSkew)) {
		return "Access token has expired or is not yet valid."
	}
	// Graph accepts only its own cloud's resource URI (or the emulator's URL, which its
	// endpoint metadata names as Graph's): a token for another cloud's Graph fails.
	if aud := jwt.str("aud"); !strings.EqualFold(strings.TrimSuffix(aud, "/"), e.cloud.GraphResource) && !strings.EqualFold(aud, GraphAppID) && !e.isOwnURL(aud) {
		return "Access token validation failure. Invalid audience."
	}
	if iss := jwt.str("iss"); iss != "https://sts.windows.net/"+e.store.tenantID+"/" {
		return "Access token validation failure. Invalid issuer."
	}
	return ""
}

// errUnauthorized is Graph's 401. Its challenge has no claims=, so kiota does not take it for
// a CAE challenge and retry.
func errUnauthorized(msg string) *graphError {
	err := newGraphError(http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
	err.header = http.Header{"Www-Authenticate": {`Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`}}
	return err
}

func hasAny(perms map[string]bool, set []string) bool {
	for _, p := range set {
		if perms[p] {
			return true
		}
	}
	return false
}

// writeGraphError writes Graph's error shape:
// {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}.
func writeGraphError(w http.ResponseWriter, r *http.Request, ge *graphError) {
	ri := infoOf(r)
	body := map[string]any{
		"code":    ge.code,
		"message": ge.message,
		"innerError": map[string]any{
			"date":              time.Now().UTC().Format("2006-01-02T15:04:05"),
			"request-id":        ri.requestID,
			"client-request-id": ri.clientRequestID,
		},
	}
	if len(ge.details) > 0 {
		body["details"] = ge.details
	}
	for k, vs := range ge.header {
		w.Header()[k] = vs
	}
	setErrorCode(w, ge.code)
	graphHeaders(w, r)
	writeJSON(w, ge.status, "application/json", map[string]any{"error": body})
}

func graphHeaders(w http.ResponseWriter, r *http.Request) {
	ri := infoOf(r)
	h := w.Header()
	h.Set("request-id", ri.requestID)
	h.Set("client-request-id", ri.clientRequestID)
	h.Set("Cache-Control", "no-cache")
}

func noContent() (reply, error) { return reply{status: http.StatusNoContent}, nil }

// entity answers one entity with its @odata.context, honouring $select.
func (g *graphReq) entity(status int, context string, v map[string]any) (reply, error) {
	out, err := g.query.project(v)
	if err != nil {
		return reply{}, err
	}
	out["@odata.context"] = g.metadataURL() + context + g.query.selectSuffix() + "/$entity"
	return reply{status: status, body: out}, nil
}

// collection answers a collection after $filter, $select and $top.
func (g *graphReq) collection(context, typeName string, items []map[string]any) (reply, error) {
	filtered, err := g.query.filter(typeName, items)
	if err != nil {
		return reply{}, err
	}
	if g.query.top > 0 && len(filtered) > g.query.top {
		filtered = filtered[:g.query.top]
	}
	values := make([]any, 0, len(filtered))
	for _, it := range filtered {
		p, err := g.query.project(it)
		if err != nil {
			return reply{}, err
		}
		values = append(values, p)
	}
	return reply{status: http.StatusOK, body: map[string]any{"@odata.context": g.metadataURL() + context + g.query.selectSuffix(), "value": values}}, nil
}

// readObject reads the JSON object body of a POST or PATCH. OData annotations the SDK adds
// ("@odata.type") are dropped: they carry no data.
func (g *graphReq) readObject() (map[string]json.RawMessage, error) {
	raw, err := readBody(g.r, 4<<20)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return nil, newGraphError(http.StatusRequestEntityTooLarge, "Request_BadRequest", "The request body is too large.")
		}
		return nil, errPayload()
	}
	obj := map[string]json.RawMessage{}
	if len(strings.TrimSpace(string(raw))) == 0 {
		return obj, nil
	}
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, errPayload()
	}
	for k := range obj {
		if strings.HasPrefix(k, "@odata.") {
			delete(obj, k)
		}
	}
	return obj, nil
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
