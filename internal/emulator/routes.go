package emulator

import (
	"fmt"
	"net/http"
	"strings"
)

// routes is every endpoint the emulator serves, in one table: a reader sees the whole surface
// here, and the emulator guide lists it from here (TestRoutesDocumented keeps the two equal).
//
// A pattern is matched segment by segment. Literals match case-insensitively, with or
// without the "microsoft.graph." prefix of OData casts and actions. Placeholders:
//
//	{tenant}  a tenant segment of the token service (GUID, domain, common, organizations)
//	{app}     an application: /applications/{id}, /applications({id}), /applications(appId='...')
//	{sp}      a service principal, by id or appId like {app}
//	{id}      any other key: /users/{id}, /users('$x@contoso.com')
//	{fic}     a federated identity credential, by id or name: .../{name}, ...(name='x')
//
// The first route whose pattern and method match serves the request, so literals are listed
// before the placeholders they could also match.
//
// It is filled in init because $batch serves its items through the table itself.
var routes []route

func init() { routes = routeTable() }

func routeTable() []route {
	return []route{
		// OIDC issuers of the emulator's own (oidcissuer.go, oidcpipelines.go), for federated
		// sign-ins. Listed first: the {tenant} routes below would take /issuers/v2.0/... .
		{methods: "GET", pattern: "/issuers/github/actions/idtoken", identity: (*Emulator).serveGitHubIDToken, about: "GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL: Authorization: Bearer request token; audience (default https://github.com/OWNER); answers {count, value}"},
		{methods: "POST", pattern: "/issuers/ado/oidctoken", identity: (*Emulator).serveAzureDevOpsOIDCToken, about: "Azure Pipelines' SYSTEM_OIDCREQUESTURI: Authorization: Bearer System.AccessToken; api-version=7.1, serviceConnectionId, audience (default api://AzureADTokenExchange); answers {oidcToken}"},
		{methods: "GET", pattern: "/issuers/{id}/.well-known/openid-configuration", identity: (*Emulator).serveIssuerConfiguration, about: "an issuer's OpenID configuration: any name is an issuer, with its own key"},
		{methods: "GET", pattern: "/issuers/{id}/.well-known/jwks", identity: (*Emulator).serveIssuerKeys, about: "an issuer's signing key (JWKS)"},
		// The emulator's own, for CI jobs that wait for it: no Microsoft service has it.
		{methods: "GET HEAD", pattern: "/health", identity: (*Emulator).serveHealth, about: "the emulator's own health check: 200 with the tenant and cloud it serves"},

		// Azure Resource Manager (arm.go): what sign-in tools read there. The metadata
		// document needs no token; the rest a token for ARM (an ARM audience or the
		// emulator's URL) and an api-version.
		{methods: "GET", pattern: "/metadata/endpoints", identity: (*Emulator).serveARMMetadata, about: "ARM's endpoint metadata naming the emulator as login endpoint, resource manager and Microsoft Graph: api-version=2022-09-01 (an object), 2020-06-01 and 2019-05-01 (an array), 2018-01-01, 2015-01-01"},
		{methods: "GET", pattern: "/subscriptions", arm: (*armReq).listSubscriptions, about: "ARM: bearer token for ARM; answers {\"value\": []}: the tenants have no subscriptions"},
		{methods: "GET", pattern: "/tenants", arm: (*armReq).listTenants, about: "ARM: bearer token for ARM; the token's tenant, with tenantId, displayName, domains, defaultDomain, tenantCategory Home"},

		// Entra ID token service.
		{methods: "GET", pattern: "/common/discovery/instance", identity: (*Emulator).serveInstanceDiscovery, about: "instance discovery (for clients that leave it on)"},
		{methods: "GET HEAD", pattern: "/{tenant}/v2.0/.well-known/openid-configuration", identity: (*Emulator).serveOpenIDConfiguration, about: "OpenID configuration"},
		{methods: "GET HEAD", pattern: "/{tenant}/.well-known/openid-configuration", identity: (*Emulator).serveOpenIDConfigurationV1, about: "OpenID configuration of the v1.0 endpoint (issuer https://sts.windows.net/{tid}/): the Azure CLI resolves a tenant's domain by it"},
		{methods: "GET", pattern: "/{tenant}/discovery/v2.0/keys", identity: (*Emulator).serveKeys, about: "token-signing keys (JWKS)"},
		{methods: "GET", pattern: "/{tenant}/discovery/keys", identity: (*Emulator).serveKeys, about: "token-signing keys, v1.0 path"},
		{methods: "GET", pattern: "/common/UserRealm/{id}", identity: (*Emulator).serveUserRealm, about: "home realm discovery before a username and password sign-in"},
		{methods: "POST", pattern: "/{tenant}/oauth2/v2.0/token", identity: (*Emulator).serveToken, about: "client credentials (secret, form or Basic, certificate assertion, or federated assertion matched against the application's federated identity credentials); a person's device_code, authorization_code (PKCE S256), refresh_token, password"},
		{methods: "POST", pattern: "/{tenant}/oauth2/v2.0/devicecode", identity: (*Emulator).serveDeviceCode, about: "starts a device-code sign-in; the person completes it at /devicelogin"},
		{methods: "GET POST", pattern: "/devicelogin", identity: (*Emulator).serveDeviceLogin, about: "sign-in page for a device code: post otc, login, passwd"},
		{methods: "GET POST", pattern: "/{tenant}/oauth2/v2.0/authorize", identity: (*Emulator).serveAuthorize, about: "authorization code with PKCE: GET shows the sign-in form, POST of its fields plus login and passwd answers the redirect URI"},
		{methods: "GET POST", pattern: "/{tenant}/v2.0/adminconsent", identity: (*Emulator).serveAdminConsent, about: "admin consent for an application's requested permissions: post client_id, login, passwd (and redirect_uri, state)"},
		{methods: "GET POST", pattern: "/{tenant}/adminconsent", identity: (*Emulator).serveAdminConsent, about: "admin consent, v1.0 path"},

		// Managed identity endpoints of the emulated Azure host (managedidentity.go).
		{methods: "GET", pattern: "/metadata/identity/oauth2/token", identity: (*Emulator).serveIMDSToken, about: "IMDS: header Metadata: true; api-version, resource, one of client_id, object_id, msi_res_id; string expiry fields"},
		{methods: "GET", pattern: "/msi/token", identity: (*Emulator).serveAppServiceToken, about: "App Service (IDENTITY_ENDPOINT): header X-IDENTITY-HEADER; api-version=2019-08-01, resource, one of client_id, object_id, principal_id, mi_res_id"},
		{methods: "POST", pattern: "/msi/token", identity: (*Emulator).serveCloudShellToken, about: "Cloud Shell (MSI_ENDPOINT): header Metadata: true; form resource; the host's system-assigned identity"},

		// Microsoft Graph v1.0.
		{methods: "POST", pattern: "/v1.0/$batch", graph: (*graphReq).batch, about: "JSON batching: at most 20 requests, each routed and authorized like a call of its own; dependsOn, 424"},
		{methods: "GET", pattern: "/v1.0/applications", perms: need(permAppRead), graph: (*graphReq).listApplications, about: "$filter, $select, $top"},
		// Any member may register an application (the tenant's default "Users can register
		// applications"), and owns it; a service principal only for an application they own.
		{methods: "POST", pattern: "/v1.0/applications", perms: need(permAppWrite), graph: (*graphReq).createApplication, about: "owners@odata.bind (users and service principals); a person who registers an application owns it, unless an administrator"},
		{methods: "GET", pattern: "/v1.0/applications/{app}", perms: need(permAppRead), graph: (*graphReq).getApplication},
		{methods: "PATCH", pattern: "/v1.0/applications/{app}", roles: rolesManageApps, owners: true, perms: need(permAppWrite), graph: (*graphReq).updateApplication},
		{methods: "DELETE", pattern: "/v1.0/applications/{app}", roles: rolesManageApps, owners: true, perms: need(permAppWrite), graph: (*graphReq).deleteApplication, about: "soft delete, with its service principal"},
		{methods: "POST", pattern: "/v1.0/applications/{app}/addPassword", roles: rolesManageApps, owners: true, perms: need(permAppWrite), graph: (*graphReq).addPassword},
		{methods: "POST", pattern: "/v1.0/applications/{app}/removePassword", roles: rolesManageApps, owners: true, perms: need(permAppWrite), graph: (*graphReq).removePassword},
		{methods: "GET", pattern: "/v1.0/applications/{app}/owners", perms: need(permAppRead), graph: (*graphReq).listApplicationOwners, about: "users and service principals, each with its @odata.type"},
		{methods: "POST", pattern: "/v1.0/applications/{app}/owners/$ref", roles: rolesManageApps, owners: true, perms: need(permAppWrite), graph: (*graphReq).addApplicationOwner, about: "@odata.id of a user or service principal (a user also needs a permission to read users); 204; 400 if already an owner"},
		{methods: "DELETE", pattern: "/v1.0/applications/{app}/owners/{id}/$ref", roles: rolesManageApps, owners: true, perms: need(permAppWrite), graph: (*graphReq).removeApplicationOwner, about: "204; 400 if not an owner"},
		{methods: "GET", pattern: "/v1.0/applications/{app}/federatedIdentityCredentials", perms: need(permAppRead), graph: (*graphReq).listFederatedCredentials, about: "$filter on name, subject"},
		{methods: "POST", pattern: "/v1.0/applications/{app}/federatedIdentityCredentials", roles: rolesManageApps, owners: true, perms: need(permAppWrite), graph: (*graphReq).createFederatedCredential, about: "name, issuer, subject, exactly one audience; name unique, issuer and subject unique together; at most 20 per application"},
		{methods: "GET", pattern: "/v1.0/applications/{app}/federatedIdentityCredentials/{fic}", perms: need(permAppRead), graph: (*graphReq).getFederatedCredential, about: "by id or name"},
		{methods: "PATCH", pattern: "/v1.0/applications/{app}/federatedIdentityCredentials/{fic}", roles: rolesManageApps, owners: true, perms: need(permAppWrite), graph: (*graphReq).updateFederatedCredential, about: "by id or name; the name is immutable; with Prefer: create-if-missing, an upsert by name (201)"},
		{methods: "DELETE", pattern: "/v1.0/applications/{app}/federatedIdentityCredentials/{fic}", roles: rolesManageApps, owners: true, perms: need(permAppWrite), graph: (*graphReq).deleteFederatedCredential, about: "by id or name"},
		{methods: "GET", pattern: "/v1.0/servicePrincipals", perms: need(permAppRead), graph: (*graphReq).listServicePrincipals, about: "$filter, $select, $top"},
		{methods: "POST", pattern: "/v1.0/servicePrincipals", perms: need(permAppWrite), graph: (*graphReq).createServicePrincipal, about: "owners@odata.bind; a person without an administrator role: of an application they own"},
		{methods: "GET", pattern: "/v1.0/servicePrincipals/{sp}", perms: need(permAppRead), graph: (*graphReq).getServicePrincipal},
		{methods: "PATCH", pattern: "/v1.0/servicePrincipals/{sp}", roles: rolesManageApps, owners: true, perms: need(permAppWrite), graph: (*graphReq).updateServicePrincipal},
		{methods: "DELETE", pattern: "/v1.0/servicePrincipals/{sp}", roles: rolesManageApps, owners: true, perms: need(permAppWrite), graph: (*graphReq).deleteServicePrincipal, about: "soft delete, with its assignments and grants"},
		{methods: "GET", pattern: "/v1.0/servicePrincipals/{sp}/owners", perms: need(permAppRead), graph: (*graphReq).listSPOwners, about: "users and service principals, each with its @odata.type"},
		{methods: "POST", pattern: "/v1.0/servicePrincipals/{sp}/owners/$ref", roles: rolesManageApps, owners: true, perms: need(permAppWrite), graph: (*graphReq).addSPOwner, about: "as for applications"},
		{methods: "DELETE", pattern: "/v1.0/servicePrincipals/{sp}/owners/{id}/$ref", roles: rolesManageApps, owners: true, perms: need(permAppWrite), graph: (*graphReq).removeSPOwner, about: "as for applications"},
		{methods: "GET", pattern: "/v1.0/servicePrincipals/{sp}/appRoleAssignedTo", perms: need(permAssignRead), graph: (*graphReq).listAssignedTo},
		// Assigning needs the right to assign and the right to read the applications.
		{methods: "POST", pattern: "/v1.0/servicePrincipals/{sp}/appRoleAssignedTo", roles: rolesAssignAppRoles, perms: need(permAssign, permAssignRead), graph: (*graphReq).assignTo},
		{methods: "GET", pattern: "/v1.0/servicePrincipals/{sp}/appRoleAssignedTo/{id}", perms: need(permAssignRead), graph: (*graphReq).getAssignedTo},
		{methods: "DELETE", pattern: "/v1.0/servicePrincipals/{sp}/appRoleAssignedTo/{id}", roles: rolesAssignAppRoles, perms: need(permAssign), graph: (*graphReq).removeAssignedTo},
		{methods: "GET", pattern: "/v1.0/servicePrincipals/{sp}/appRoleAssignments", perms: need(permAssignRead), graph: (*graphReq).listAssignments},
		{methods: "POST", pattern: "/v1.0/servicePrincipals/{sp}/appRoleAssignments", roles: rolesAssignAppRoles, perms: need(permAssign, permAssignRead), graph: (*graphReq).assign},
		{methods: "GET", pattern: "/v1.0/servicePrincipals/{sp}/appRoleAssignments/{id}", perms: need(permAssignRead), graph: (*graphReq).getAssignment},
		{methods: "DELETE", pattern: "/v1.0/servicePrincipals/{sp}/appRoleAssignments/{id}", roles: rolesAssignAppRoles, perms: need(permAssign), graph: (*graphReq).removeAssignment},
		{methods: "GET", pattern: "/v1.0/servicePrincipals/{sp}/oauth2PermissionGrants", perms: need(permGrantRead), graph: (*graphReq).listGrantsOfClient},
		{methods: "GET", pattern: "/v1.0/oauth2PermissionGrants", perms: need(permGrantRead), graph: (*graphReq).listGrants, about: "$filter on clientId, consentType, principalId, resourceId"},
		{methods: "POST", pattern: "/v1.0/oauth2PermissionGrants", roles: rolesGrantDelegated, perms: need(permGrantWrite), graph: (*graphReq).createGrant},
		{methods: "GET", pattern: "/v1.0/oauth2PermissionGrants/{id}", perms: need(permGrantRead), graph: (*graphReq).getGrant},
		{methods: "PATCH", pattern: "/v1.0/oauth2PermissionGrants/{id}", roles: rolesGrantDelegated, perms: need(permGrantWrite), graph: (*graphReq).updateGrant, about: "scope only"},
		{methods: "DELETE", pattern: "/v1.0/oauth2PermissionGrants/{id}", roles: rolesGrantDelegated, perms: need(permGrantWrite), graph: (*graphReq).deleteGrant},
		{methods: "GET", pattern: "/v1.0/me", perms: need(permMe), graph: (*graphReq).getMe, about: "the signed-in person; an application's token gets 400 BadRequest"},
		{methods: "GET", pattern: "/v1.0/users", perms: need(permUserRead), graph: (*graphReq).listUsers},
		{methods: "GET", pattern: "/v1.0/users/{id}", perms: need(permUserRead), graph: (*graphReq).getUser, about: "by id or userPrincipalName"},
		// Exchange Online answers mailboxSettings and checks its own permissions.
		{methods: "GET", pattern: "/v1.0/users/{id}/mailboxSettings", graph: (*graphReq).mailboxSettings, about: "Exchange's errors: ErrorAccessDenied, MailboxNotEnabledForRESTAPI"},
		{methods: "GET", pattern: "/v1.0/organization", perms: need(permOrgRead), graph: (*graphReq).listOrganization},
		{methods: "GET", pattern: "/v1.0/organization/{id}", perms: need(permOrgRead), graph: (*graphReq).getOrganization},
		{methods: "GET", pattern: "/v1.0/directory/deletedItems/microsoft.graph.application", perms: need(permAppRead), graph: (*graphReq).listDeletedApplications},
		{methods: "GET", pattern: "/v1.0/directory/deletedItems/microsoft.graph.servicePrincipal", perms: need(permAppRead), graph: (*graphReq).listDeletedServicePrincipals},
		{methods: "GET", pattern: "/v1.0/directory/deletedItems/{id}", perms: need(permAppRead), graph: (*graphReq).getDeletedItem, about: "an application or a service principal"},
		{methods: "DELETE", pattern: "/v1.0/directory/deletedItems/{id}", roles: rolesManageApps, owners: true, perms: need(permAppWrite), graph: (*graphReq).purgeDeletedItem, about: "permanent delete"},
		{methods: "POST", pattern: "/v1.0/directory/deletedItems/{id}/restore", roles: rolesManageApps, owners: true, perms: need(permAppWrite), graph: (*graphReq).restoreDeletedItem, about: "a service principal comes back without its directory role assignments"},
		// Directory roles, through the unified RBAC API (graph_roles.go). Reading needs no role:
		// members "read all administrative roles and memberships" (users-default-permissions).
		{methods: "GET", pattern: "/v1.0/roleManagement/directory/roleDefinitions", perms: need(permRoleRead), graph: (*graphReq).listRoleDefinitions, about: "the built-in roles the emulator knows, id = templateId; $filter on id, displayName, templateId, isBuiltIn"},
		{methods: "GET", pattern: "/v1.0/roleManagement/directory/roleDefinitions/{id}", perms: need(permRoleRead), graph: (*graphReq).getRoleDefinition, about: "by template ID"},
		{methods: "GET", pattern: "/v1.0/roleManagement/directory/roleAssignments", perms: need(permRoleRead), graph: (*graphReq).listRoleAssignments, about: "the seeded people's roles too; $filter on principalId, roleDefinitionId, directoryScopeId"},
		{methods: "POST", pattern: "/v1.0/roleManagement/directory/roleAssignments", roles: rolesManageRoles, perms: need(permRoleWrite), graph: (*graphReq).createRoleAssignment, about: "principalId (a user or service principal), roleDefinitionId (a template ID), directoryScopeId \"/\" (the one scope served); 400 for one the principal holds already; the principal's next tokens carry the role in wids"},
		{methods: "GET", pattern: "/v1.0/roleManagement/directory/roleAssignments/{id}", perms: need(permRoleRead), graph: (*graphReq).getRoleAssignment},
		{methods: "DELETE", pattern: "/v1.0/roleManagement/directory/roleAssignments/{id}", roles: rolesManageRoles, perms: need(permRoleWrite), graph: (*graphReq).deleteRoleAssignment, about: "204"},

		// Microsoft Graph beta: the v1.0 objects plus the beta-only properties clients read
		// there (graph_beta.go).
		{methods: "GET", pattern: "/beta/applications/{app}", perms: need(permAppRead), graph: (*graphReq).getApplicationBeta, about: "the v1.0 application plus oauth2RequirePostResponse; $select"},
		{methods: "PATCH", pattern: "/beta/applications/{app}", roles: rolesManageApps, owners: true, perms: need(permAppWrite), graph: (*graphReq).updateApplicationBeta, about: "v1.0's properties plus oauth2RequirePostResponse"},
		{methods: "GET", pattern: "/beta/servicePrincipals/{sp}", perms: need(permAppRead), graph: (*graphReq).getServicePrincipalBeta, about: "the v1.0 service principal plus samlMetadataUrl; $select"},
	}
}

// route is one endpoint: exactly one of graph (a Graph handler, behind authentication and
// the permission check), arm (an Azure Resource Manager handler, behind ARM's authentication)
// and identity (a token-service handler, or another that needs no token) is set.
type route struct {
	methods string // space-separated
	pattern string
	perms   [][]string // each set needs one of its permissions, checked before the object is looked up, as Graph does
	// roles: a person signed in (a delegated token) needs one of these directory roles too;
	// nil: any member may.
	roles []string
	// owners: the owner of the object the path names may too, without a role.
	owners   bool
	graph    graphHandler
	arm      armHandler
	identity identityHandler
	about    string
}

type (
	graphHandler    func(*graphReq) (reply, error)
	identityHandler func(e *Emulator, w http.ResponseWriter, r *http.Request, tenant string)
)

func need(sets ...[]string) [][]string { return sets }

func (rt route) allows(method string) bool {
	for _, m := range strings.Fields(rt.methods) {
		if m == method {
			return true
		}
	}
	return false
}

// segment is one path segment. A key segment comes from OData's parenthesised form:
// applications(appId='x') is the literal "applications" followed by the key {appId, x}.
type segment struct {
	name    string
	key     bool
	keyProp string
}

// splitPath cuts a path into segments, expanding OData keys.
func splitPath(path string) []segment {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil
	}
	var out []segment
	for _, p := range strings.Split(path, "/") {
		i := strings.IndexByte(p, '(')
		if i <= 0 || !strings.HasSuffix(p, ")") {
			out = append(out, segment{name: p})
			continue
		}
		prop, val := "id", p[i+1:len(p)-1]
		if k, v, ok := strings.Cut(val, "="); ok {
			prop, val = strings.TrimSpace(k), strings.TrimSpace(v)
		}
		out = append(out, segment{name: p[:i]}, segment{name: unquote(val), key: true, keyProp: prop})
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	return s
}

// routeMatch is a matched route and the values of its placeholders.
type routeMatch struct {
	route
	refs map[string]ref // {app}, {sp}, {id}, {tenant} -> value
	// wrongMethod: the path is served, but not for this method.
	wrongMethod bool
}

// match compares a request path with a pattern. It returns how many of the path's segments
// matched (to name the first unknown segment when no route matches) and, for a full match,
// the placeholders.
func matchPattern(pattern string, segs []segment) (int, map[string]ref, *graphError) {
	pat := strings.Split(strings.Trim(pattern, "/"), "/")
	refs := map[string]ref{}
	i := 0
	for ; i < len(pat); i++ {
		if i >= len(segs) {
			return i, nil, nil
		}
		p, s := pat[i], segs[i]
		if !strings.HasPrefix(p, "{") {
			if s.key || !sameLiteral(p, s.name) {
				return i, nil, nil
			}
			continue
		}
		if s.key && !acceptsKey(p, s.keyProp) {
			// A key this entity has no alternate key for, e.g. users(mail='x').
			return i, nil, errBadSegment(segs[i-1].name + "(" + s.keyProp + ")")
		}
		refs[p] = ref{value: s.name, byAppID: s.key && strings.EqualFold(s.keyProp, "appId")}
	}
	if i != len(segs) {
		return i, nil, nil
	}
	return i, refs, nil
}

// acceptsKey reports whether a placeholder takes an OData key by prop: every one takes the
// id, applications and service principals their appId too, federated credentials their name.
func acceptsKey(placeholder, prop string) bool {
	if strings.EqualFold(prop, "id") {
		return true
	}
	if placeholder == "{fic}" {
		return strings.EqualFold(prop, "name")
	}
	return strings.EqualFold(prop, "appId") && (placeholder == "{app}" || placeholder == "{sp}")
}

// sameLiteral compares a pattern literal with a path segment the way Graph resolves them:
// case-insensitively, and a cast or action with or without its namespace.
func sameLiteral(pattern, seg string) bool {
	strip := func(s string) string {
		s = strings.TrimPrefix(strings.ToLower(s), "microsoft.")
		return strings.TrimPrefix(s, "graph.")
	}
	return strip(pattern) == strip(seg)
}

// findRoute picks the route for a request. A path that is served, but not for this method,
// gives its first route with wrongMethod set. With no route for the path it returns the
// error Graph gives: the first segment it could not resolve.
func findRoute(method string, segs []segment) (routeMatch, error) {
	best := 0
	var other *routeMatch
	for _, rt := range routes {
		n, refs, err := matchPattern(rt.pattern, segs)
		if err != nil {
			return routeMatch{}, err
		}
		if refs == nil {
			best = max(best, n)
			continue
		}
		if rt.allows(method) {
			return routeMatch{route: rt, refs: refs}, nil
		}
		if other == nil {
			other = &routeMatch{route: rt, refs: refs, wrongMethod: true}
		}
	}
	if other != nil {
		return *other, nil
	}
	if best >= len(segs) {
		best = len(segs) - 1
	}
	if best < 0 {
		return routeMatch{}, errBadSegment("")
	}
	return routeMatch{}, errBadSegment(segs[best].name)
}

// Endpoint is one row of the route table, for documentation and `stellar-emulator -routes`.
type Endpoint struct {
	Methods string // space-separated
	Path    string // the pattern, e.g. /v1.0/applications/{app}/addPassword
	// Permissions lists, per set, the application permissions or delegated scopes of which
	// the caller needs one ("" for the token service and for endpoints that check their own).
	Permissions []string
	// Roles are the directory roles of which a signed-in person needs one (nil: any member).
	Roles []string
	About string
}

// Endpoints returns every endpoint the emulator serves, in the route table's order.
func Endpoints() []Endpoint {
	out := make([]Endpoint, 0, len(routes))
	for _, rt := range routes {
		ep := Endpoint{Methods: rt.methods, Path: rt.pattern, About: rt.about}
		for _, set := range rt.perms {
			ep.Permissions = append(ep.Permissions, strings.Join(set, " or "))
		}
		for _, r := range rt.roles {
			ep.Roles = append(ep.Roles, roleNames[r])
		}
		if rt.owners {
			ep.Roles = append(ep.Roles, "or owner")
		}
		out = append(out, ep)
	}
	return out
}

// EndpointTable renders Endpoints as the Markdown table of the emulator guide.
func EndpointTable() string {
	var b strings.Builder
	b.WriteString("| method | path | caller needs | a person also needs a role | notes |\n| --- | --- | --- | --- | --- |\n")
	for _, ep := range Endpoints() {
		perms := strings.Join(ep.Permissions, "; and ")
		if perms == "" {
			perms = "-"
		}
		about := ep.About
		if about == "" {
			about = "-"
		}
		roles := strings.Join(ep.Roles, ", ")
		if roles == "" {
			roles = "-"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", strings.ReplaceAll(ep.Methods, " ", ", "), ep.Path, perms, roles, strings.ReplaceAll(about, "|", "\\|"))
	}
	return b.String()
}
