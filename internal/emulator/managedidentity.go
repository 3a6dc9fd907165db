package emulator

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Managed identities: the endpoints an Azure compute resource offers its code to get tokens
// without a secret, and the identities they speak for. The emulator plays one such resource,
// "the host": a VM (IMDS), an App Service app and a Cloud Shell at once, each by the request
// shape MSAL Go's managedidentity package sends.
//
// A managed identity is, in the directory, a service principal of type ManagedIdentity with
// no application object. Its tokens are the app-only tokens of client credentials, for the
// roles assigned to that principal; the host authenticates to Entra with a certificate only
// Azure holds, so they carry appidacr 2.

// ManagedIdentity is a managed identity attached to the emulated host.
type ManagedIdentity struct {
	Name string
	// ClientID is the appId of its service principal: what client_id selects.
	ClientID string
	// ObjectID is the object id of its service principal: what object_id selects.
	ObjectID string
	// ResourceID is the Azure resource id, e.g. /subscriptions/…/providers/
	// Microsoft.ManagedIdentity/userAssignedIdentities/name: what msi_res_id and mi_res_id
	// select, and what its tokens carry as xms_mirid.
	ResourceID   string
	UserAssigned bool
}

// managedIdentity is what a service principal of a managed identity carries beyond others.
type managedIdentity struct {
	resourceID   string
	userAssigned bool
}

// identityHost is the emulated Azure host: at most one system-assigned identity (the host's
// own) and any number of user-assigned ones attached to it.
type identityHost struct {
	mu     sync.Mutex
	system *ManagedIdentity
	user   []ManagedIdentity
	// header is the App Service IDENTITY_HEADER secret, new for every start.
	header string
	// subscription is the Azure subscription the host and its identities live in.
	subscription string
}

func newIdentityHost() *identityHost {
	return &identityHost{header: newGUID(), subscription: newGUID()}
}

// IdentityHeader is the secret App Service puts in IDENTITY_HEADER: the App Service endpoint
// answers only requests that send it as X-IDENTITY-HEADER.
func (e *Emulator) IdentityHeader() string { return e.identities.header }

// IMDSEndpoint is the emulator's stand-in for
// http://169.254.169.254/metadata/identity/oauth2/token.
func (e *Emulator) IMDSEndpoint() string { return e.url + "/metadata/identity/oauth2/token" }

// AppServiceIdentityEndpoint is the value for IDENTITY_ENDPOINT (App Service, with
// IDENTITY_HEADER) or MSI_ENDPOINT (Cloud Shell).
func (e *Emulator) AppServiceIdentityEndpoint() string { return e.url + "/msi/token" }

// CreateManagedIdentity creates a managed identity and attaches it to the emulated host: a
// service principal of type ManagedIdentity, without an application, holding the named
// Microsoft Graph application permissions (values such as "Application.ReadWrite.All"). A
// system-assigned identity becomes the host's own, replacing an earlier one as the host's;
// user-assigned identities add up. An unknown permission panics: it is a typo in the test.
func (p *Portal) CreateManagedIdentity(name string, userAssigned bool, roles ...string) ManagedIdentity {
	if strings.TrimSpace(name) == "" {
		panic("emulator: CreateManagedIdentity: empty name")
	}
	h := p.e.identities
	// A system-assigned identity is named after its resource, the virtual machine.
	provider := "Microsoft.Compute/virtualMachines"
	if userAssigned {
		provider = "Microsoft.ManagedIdentity/userAssignedIdentities"
	}
	mi := ManagedIdentity{
		Name:         name,
		ClientID:     newGUID(),
		ResourceID:   "/subscriptions/" + h.subscription + "/resourcegroups/emulator/providers/" + provider + "/" + name,
		UserAssigned: userAssigned,
	}
	mi.ObjectID = p.store().createManagedIdentity(mi, roles, portalView())
	h.attach(mi)
	return mi
}

// createManagedIdentity adds the service principal of mi and assigns it the Graph roles, and
// returns its object id. It panics on an unknown role: callers pass constants.
func (s *store) createManagedIdentity(mi ManagedIdentity, roles []string, v view) string {
	graph, err := s.servicePrincipal(ref{value: GraphAppID, byAppID: true}, v)
	if err != nil {
		panic(err)
	}
	var roleIDs []string
	for _, value := range roles {
		role := graph.appRoleByValue(value)
		if role == nil {
			panic(fmt.Sprintf("emulator: unknown Microsoft Graph application permission %q", value))
		}
		roleIDs = append(roleIDs, role.ID)
	}
	sp := &servicePrincipal{
		id: newGUID(), appID: mi.ClientID, displayName: mi.Name, created: v.now, visibleAt: v.visibleAt,
		managed: &managedIdentity{resourceID: mi.ResourceID, userAssigned: mi.UserAssigned},
	}
	s.mu.Lock()
	s.sps[sp.id] = sp
	s.mu.Unlock()
	for i, id := range roleIDs {
		vi := v // a millisecond apart, so the assignments list in the order granted
		vi.now = v.now.Add(time.Duration(i) * time.Millisecond)
		in := AppRoleAssignment{PrincipalID: sp.id, ResourceID: graph.id, AppRoleID: id}
		if _, _, err := s.assignAppRole(byID(graph.id), onResource, in, vi); err != nil {
			panic(err)
		}
	}
	return sp.id
}

func (h *identityHost) attach(mi ManagedIdentity) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if mi.UserAssigned {
		h.user = append(h.user, mi)
		return
	}
	h.system = &mi
}

// The managed identity endpoints' own wordings, as IMDS answers (observed in published
// responses, e.g. Azure/aad-pod-identity issues and azure-sdk-for-rust#748).
const (
	imdsNoMetadataHeader = "Required metadata header not specified"
	imdsNoResource       = "Required audience parameter not specified"
	imdsIdentityNotFound = "Identity not found"
	imdsManyIdentities   = "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request"
)

// selector names a user-assigned identity in a token request: by "client", "object" or
// "resource" id.
type selector struct{ by, value string }

// The query parameters that select an identity. IMDS documents msi_res_id, App Service
// mi_res_id and principal_id; neither treats the other's spelling as a selector (MSAL Go
// notes that Azure Arc, IMDS's sibling, silently ignores mi_res_id).
var (
	imdsSelectors       = map[string]string{"client_id": "client", "object_id": "object", "msi_res_id": "resource"}
	appServiceSelectors = map[string]string{"client_id": "client", "object_id": "object", "principal_id": "object", "mi_res_id": "resource"}
)

// readSelector reads the identity a request names; ok is false when it names more than one.
func readSelector(q url.Values, names map[string]string) (sel *selector, ok bool) {
	for name, by := range names {
		v := q.Get(name)
		if v == "" {
			continue
		}
		if sel != nil {
			return nil, false
		}
		sel = &selector{by: by, value: v}
	}
	return sel, true
}

func (sel selector) matches(mi ManagedIdentity) bool {
	switch sel.by {
	case "client":
		return strings.EqualFold(sel.value, mi.ClientID)
	case "object":
		return strings.EqualFold(sel.value, mi.ObjectID)
	default: // ARM resource ids are case-insensitive
		return strings.EqualFold(sel.value, mi.ResourceID)
	}
}

// pick finds the identity a request names, or without a selector the host's default, and
// else says why not in IMDS's words. The default is the system-assigned identity; IMDS also
// takes the only user-assigned one of a host without a system-assigned identity
// (singleUserDefault; "client_id: required if your VM has multiple user-assigned managed
// identities"), App Service only the system-assigned one.
func (h *identityHost) pick(sel *selector, singleUserDefault bool) (ManagedIdentity, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if sel != nil {
		all := append([]ManagedIdentity(nil), h.user...)
		if h.system != nil {
			all = append(all, *h.system)
		}
		for _, mi := range all {
			if sel.matches(mi) {
				return mi, ""
			}
		}
		return ManagedIdentity{}, imdsIdentityNotFound
	}
	switch {
	case h.system != nil:
		return *h.system, ""
	case singleUserDefault && len(h.user) == 1:
		return h.user[0], ""
	case singleUserDefault && len(h.user) > 1:
		return ManagedIdentity{}, imdsManyIdentities
	}
	return ManagedIdentity{}, imdsIdentityNotFound
}

// managedIdentityToken issues mi's access token for resource, as Entra issues it to the host.
func (e *Emulator) managedIdentityToken(mi ManagedIdentity, resource string, now time.Time) (string, *aadError) {
	s := e.store
	v := view{now: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	client := s.spByRef(byID(mi.ObjectID), v)
	if client == nil {
		// Its service principal was deleted behind the host's back.
		return "", errAppNotFound(mi.ClientID, s.tenantID)
	}
	res := s.resourceSP(resource, v)
	if res == nil {
		return "", errResourceNotFound(resource, s.displayName)
	}
	// No application object: the token names the principal, as the app would be named.
	app := &application{appID: client.appID, displayName: client.displayName}
	return e.appTokenFor(app, client, res, s.audienceFor(res, resource), "2", s.rolesOf(client, res, v), s.appWids(client, v), now)
}

func hasMetadataHeader(r *http.Request) bool {
	// Emulator's choice: the value is compared without regard to case.
	return strings.EqualFold(strings.TrimSpace(r.Header.Get("Metadata")), "true")
}

// serveIMDSToken is the VM's endpoint: GET with api-version, resource and at most one of
// client_id, object_id and msi_res_id, behind the Metadata: true header that guards against
// server-side request forgery.
func (e *Emulator) serveIMDSToken(w http.ResponseWriter, r *http.Request, _ string) {
	q := r.URL.Query()
	if !hasMetadataHeader(r) {
		writeIMDSError(w, imdsNoMetadataHeader)
		return
	}
	if q.Get("api-version") == "" {
		// Emulator's wording: no public source shows this answer of the identity endpoint.
		writeIMDSError(w, "Required query variable 'api-version' is missing")
		return
	}
	resource := q.Get("resource")
	if resource == "" {
		writeIMDSError(w, imdsNoResource)
		return
	}
	sel, ok := readSelector(q, imdsSelectors)
	if !ok {
		// Emulator's wording: clients send one selector at most, as the documentation asks.
		writeIMDSError(w, "Only one of client_id, object_id and msi_res_id may be specified")
		return
	}
	e.answerIMDS(w, r, sel, resource, true)
}

// serveCloudShellToken is Cloud Shell's endpoint (MSI_ENDPOINT): POST of a form with
// resource, behind Metadata: true, in IMDS's answer shape. Real Cloud Shell hands out the
// token of the person signed in to the portal; the emulator answers as the host's
// system-assigned identity, so the request shape can be tested without a person. Cloud Shell
// takes no user-assigned identity (MSAL refuses to ask for one).
func (e *Emulator) serveCloudShellToken(w http.ResponseWriter, r *http.Request, _ string) {
	if !hasMetadataHeader(r) {
		writeIMDSError(w, imdsNoMetadataHeader)
		return
	}
	form, err := readForm(r)
	if err != nil || form.Get("resource") == "" {
		writeIMDSError(w, imdsNoResource)
		return
	}
	e.answerIMDS(w, r, nil, form.Get("resource"), false)
}

// answerIMDS issues the token of the identity sel names, in IMDS's shape: every field a
// string, expires_on and not_before in Unix seconds. An AADSTS error (an unknown resource)
// comes through as Entra wrote it, as IMDS passes it on.
func (e *Emulator) answerIMDS(w http.ResponseWriter, r *http.Request, sel *selector, resource string, singleUserDefault bool) {
	mi, problem := e.identities.pick(sel, singleUserDefault)
	if problem != "" {
		writeIMDSError(w, problem)
		return
	}
	now := time.Now().UTC()
	tok, aerr := e.managedIdentityToken(mi, resource, now)
	if aerr != nil {
		writeAADError(w, r, aerr)
		return
	}
	lifetime := strconv.Itoa(int(tokenLifetime / time.Second))
	writeTokenResponse(w, r, map[string]any{
		"access_token":   tok,
		"refresh_token":  "",
		"expires_in":     lifetime,
		"expires_on":     strconv.FormatInt(now.Add(tokenLifetime).Unix(), 10),
		"ext_expires_in": lifetime,
		"not_before":     strconv.FormatInt(now.Unix(), 10),
		"resource":       resource,
		"token_type":     "Bearer",
		"client_id":      mi.ClientID,
	})
}

// writeIMDSError answers 400 in IMDS's own error shape, which has no AADSTS code or trace
// lines.
func writeIMDSError(w http.ResponseWriter, description string) {
	setErrorCode(w, "invalid_request")
	writeJSON(w, http.StatusBadRequest, "application/json; charset=utf-8", map[string]any{"error": "invalid_request", "error_description": description})
}

// appServiceAPIVersion is the version of the App Service protocol MSAL Go speaks, with
// X-IDENTITY-HEADER. The older 2017-09-01 (a "secret" header, "clientid") is not served.
const appServiceAPIVersion = "2019-08-01"

// serveAppServiceToken is App Service's endpoint (IDENTITY_ENDPOINT): GET with api-version,
// resource and at most one of client_id, object_id, principal_id and mi_res_id, authorized by
// X-IDENTITY-HEADER.
func (e *Emulator) serveAppServiceToken(w http.ResponseWriter, r *http.Request, _ string) {
	got := r.Header.Get("X-IDENTITY-HEADER")
	if subtle.ConstantTimeCompare([]byte(got), []byte(e.identities.header)) != 1 {
		// Emulator's choice of status and wording: App Service documents only that a
		// request without the header is invalid; SDK reports show it answers 401.
		writeAppServiceError(w, r, http.StatusUnauthorized, "The X-IDENTITY-HEADER of the request is missing or does not match IDENTITY_HEADER.")
		return
	}
	q := r.URL.Query()
	if v := q.Get("api-version"); v != appServiceAPIVersion {
		// Emulator's wording.
		writeAppServiceError(w, r, http.StatusBadRequest, "The api-version '"+v+"' is not supported; use "+appServiceAPIVersion+".")
		return
	}
	resource := q.Get("resource")
	sel, ok := readSelector(q, appServiceSelectors)
	if resource == "" || !ok {
		// Emulator's wording.
		writeAppServiceError(w, r, http.StatusBadRequest, "The request needs a resource and at most one of client_id, object_id, principal_id and mi_res_id.")
		return
	}
	mi, problem := e.identities.pick(sel, false)
	if problem != "" {
		// App Service's answer when no identity fits (published responses).
		writeAppServiceError(w, r, http.StatusBadRequest, "Unable to load the proper Managed Identity.")
		return
	}
	now := time.Now().UTC()
	tok, aerr := e.managedIdentityToken(mi, resource, now)
	if aerr != nil {
		// Emulator's choice: Entra's error text inside App Service's shape.
		writeAppServiceError(w, r, aerr.status, aerr.Error())
		return
	}
	// App Service documents access_token, expires_on (a string of Unix seconds), resource,
	// token_type and client_id; expires_in is added for clients that read only that.
	writeTokenResponse(w, r, map[string]any{
		"access_token": tok,
		"expires_on":   strconv.FormatInt(now.Add(tokenLifetime).Unix(), 10),
		"expires_in":   strconv.Itoa(int(tokenLifetime / time.Second)),
		"resource":     resource,
		"token_type":   "Bearer",
		"client_id":    mi.ClientID,
	})
}

// writeAppServiceError answers in App Service's error shape:
// {"statusCode":400,"message":"...","correlationId":"..."} and an X-CORRELATION-ID header.
func writeAppServiceError(w http.ResponseWriter, r *http.Request, status int, message string) {
	id := infoOf(r).requestID
	w.Header().Set("X-CORRELATION-ID", id)
	setErrorCode(w, http.StatusText(status))
	writeJSON(w, status, "application/json; charset=utf-8", map[string]any{"statusCode": status, "message": message, "correlationId": id})
}

// servicePrincipalType is the principal's servicePrincipalType in Graph.
func (sp *servicePrincipal) servicePrincipalType() string {
	if sp.managed != nil {
		return "ManagedIdentity"
	}
	return "Application"
}

// alternativeNames of a managed identity's principal are, in Graph, whether it is
// user-assigned ("isExplicit=True") and its Azure resource id.
func (sp *servicePrincipal) alternativeNames() []any {
	if sp.managed == nil {
		return []any{}
	}
	explicit := "isExplicit=False"
	if sp.managed.userAssigned {
		explicit = "isExplicit=True"
	}
	return []any{explicit, sp.managed.resourceID}
}
