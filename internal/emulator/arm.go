package emulator

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Azure Resource Manager: the little of it a sign-in tool reads before it talks to Entra and
// Graph. `az login` lists the subscriptions (and, for a person, the tenants) it may use; the
// azuread and azurerm providers, given a metadata host, read the endpoint metadata document
// to learn where the token service and Graph are. The emulated tenant has no subscriptions;
// its ARM answers so that these tools sign in and go on to Graph.
//
// ARM shares the emulator's host with the token service and Graph, as every service of the
// emulator does. Its endpoint metadata names the emulator as login endpoint, resource manager
// and Microsoft Graph; the other services of the cloud (storage, Key Vault, ...) keep the real
// cloud's values, which the emulator does not serve.

// AzureServiceManagementAppID is the appId of "Windows Azure Service Management API", the
// resource Azure Resource Manager's tokens are issued for. Every tenant has its service
// principal.
const AzureServiceManagementAppID = "797f4846-ba00-4fd7-ba43-dac1f8f63013"

// armUserImpersonation is the one delegated permission of Azure Service Management; its id is
// the same in every tenant.
var armUserImpersonation = PermissionScope{ID: "41094075-9dad-400e-a0bd-54e686782033", Value: "user_impersonation", Type: "User",
	AdminConsentDisplayName: "Access Azure Service Management as organization users (preview)",
	AdminConsentDescription: "Allows the application to access Azure Service Management as organization users."}

// armCloud is what ARM's endpoint metadata says of one cloud besides its hosts: the audiences
// ARM accepts and the names of the services the emulator does not play. Values are those of
// the documents management.azure.com and its national counterparts serve (as recorded in
// go-azure-sdk's metadata tests).
type armCloud struct {
	name      string   // the cloud's name in the metadata document
	audiences []string // authentication.audiences: the ARM resource URIs
	portal    string
	gallery   string
	graph     string // the retired Azure AD Graph: graph and graphAudience
	batch     string
	media     string
	sqlMgmt   string
	suffixes  map[string]string
	// extra are the 2022-09-01 document's further resource ids (global cloud only: no source
	// at hand shows them for the national clouds).
	extra map[string]string
}

var (
	armGlobal = armCloud{
		name: "AzureCloud", audiences: []string{"https://management.core.windows.net/", "https://management.azure.com/"},
		portal: "https://portal.azure.com", gallery: "https://gallery.azure.com/", graph: "https://graph.windows.net/", batch: "https://batch.core.windows.net/",
		media: "https://rest.media.azure.net", sqlMgmt: "https://management.core.windows.net:8443/",
		suffixes: map[string]string{
			"azureDataLakeStoreFileSystem": "azuredatalakestore.net", "acrLoginServer": "azurecr.io", "sqlServerHostname": "database.windows.net",
			"azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net", "keyVaultDns": "vault.azure.net", "storage": "core.windows.net",
			"azureFrontDoorEndpointSuffix": "azurefd.net", "storageSyncEndpointSuffix": "afs.azure.net", "mhsmDns": "managedhsm.azure.net",
			"mysqlServerEndpoint": "mysql.database.azure.com", "postgresqlServerEndpoint": "postgres.database.azure.com",
			"mariadbServerEndpoint": "mariadb.database.azure.com", "synapseAnalytics": "dev.azuresynapse.net", "attestationEndpoint": "attest.azure.net",
		},
		extra: map[string]string{
			"activeDirectoryDataLake": "https://datalake.azure.net/", "appInsightsResourceId": "https://api.applicationinsights.io",
			"appInsightsTelemetryChannelResourceId": "https://dc.applicationinsights.azure.com/v2/track", "attestationResourceId": "https://attest.azure.net",
			"synapseAnalyticsResourceId": "https://dev.azuresynapse.net", "logAnalyticsResourceId": "https://api.loganalytics.io",
			"ossrDbmsResourceId": "https://ossrdbms-aad.database.windows.net",
		},
	}
	armUSGovernment = armCloud{
		name: "AzureUSGovernment", audiences: []string{"https://management.core.usgovcloudapi.net", "https://management.usgovcloudapi.net"},
		portal: "https://portal.azure.us", gallery: "https://gallery.usgovcloudapi.net", graph: "https://graph.windows.net", batch: "https://batch.core.usgovcloudapi.net",
		media: "https://rest.media.usgovcloudapi.net", sqlMgmt: "https://management.core.usgovcloudapi.net:8443",
		suffixes: map[string]string{"acrLoginServer": "azurecr.us", "sqlServerHostname": "database.usgovcloudapi.net", "keyVaultDns": "vault.usgovcloudapi.net",
			"storage": "core.usgovcloudapi.net", "azureFrontDoorEndpointSuffix": ""},
	}
	armChina = armCloud{
		name: "AzureChinaCloud", audiences: []string{"https://management.core.chinacloudapi.cn", "https://management.chinacloudapi.cn"},
		portal: "https://portal.azure.cn", gallery: "https://gallery.chinacloudapi.cn", graph: "https://graph.chinacloudapi.cn", batch: "https://batch.chinacloudapi.cn",
		media: "https://rest.media.chinacloudapi.cn", sqlMgmt: "https://management.core.chinacloudapi.cn:8443",
		suffixes: map[string]string{"acrLoginServer": "azurecr.cn", "sqlServerHostname": "database.chinacloudapi.cn", "keyVaultDns": "vault.azure.cn",
			"storage": "core.chinacloudapi.cn", "azureFrontDoorEndpointSuffix": ""},
	}
)

// metadataCloudName is the name the emulator's endpoint metadata gives its cloud. Not the real
// cloud's name: the Azure CLI, loading clouds from a metadata URL, replaces the login endpoint
// of a cloud named AzureCloud with login.microsoftonline.com, which would send it to the real
// Entra ID.
const metadataCloudName = "StellarEmulator"

// metadataAPIVersions are the api-versions of /metadata/endpoints the emulator answers, newest
// first: each has its own shape.
var metadataAPIVersions = []string{"2022-09-01", "2020-06-01", "2019-05-01", "2018-01-01", "2015-01-01", "1.0"}

// serveARMMetadata answers GET /metadata/endpoints: ARM's description of its cloud. No token
// is needed, as on management.azure.com.
func (e *Emulator) serveARMMetadata(w http.ResponseWriter, r *http.Request, _ string) {
	version := r.URL.Query().Get("api-version")
	if version == "" {
		writeARMError(w, r, errARMMissingAPIVersion())
		return
	}
	base := e.baseURL(r)
	switch version {
	case "2022-09-01":
		writeARM(w, r, http.StatusOK, e.metadataDocument(base, true))
	case "2020-06-01", "2019-05-01":
		// An array of every cloud ARM knows; the emulator knows its own.
		writeARM(w, r, http.StatusOK, []any{e.metadataDocument(base, version == "2020-06-01")})
	case "2018-01-01", "2015-01-01", "1.0":
		a := e.cloud.arm
		auth := map[string]any{"loginEndpoint": base + "/", "audiences": e.armAudiences(base)}
		doc := map[string]any{"galleryEndpoint": a.gallery, "graphEndpoint": a.graph, "portalEndpoint": a.portal + "/", "authentication": auth}
		if version == "2018-01-01" {
			doc["graphAudience"] = a.graph
			auth["tenant"], auth["identityProvider"] = "common", "AAD"
		}
		writeARM(w, r, http.StatusOK, doc)
	default:
		writeARMError(w, r, errARMInvalidAPIVersion(version, metadataAPIVersions))
	}
}

// metadataDocument is one cloud's entry of the 2019-05-01 and later documents; full adds the
// fields 2020-06-01 and 2022-09-01 carry (microsoftGraphResourceId and the like).
func (e *Emulator) metadataDocument(base string, full bool) map[string]any {
	a := e.cloud.arm
	suffixes := map[string]any{}
	for k, v := range a.suffixes {
		suffixes[k] = v
	}
	doc := map[string]any{
		"name":   metadataCloudName,
		"portal": a.portal,
		"authentication": map[string]any{
			"loginEndpoint":    base,
			"audiences":        e.armAudiences(base),
			"tenant":           "common",
			"identityProvider": "AAD",
		},
		"media":           a.media,
		"graphAudience":   a.graph,
		"graph":           a.graph,
		"suffixes":        suffixes,
		"batch":           a.batch,
		"resourceManager": base + "/",
		"vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json",
		"sqlManagement":   a.sqlMgmt,
		"gallery":         a.gallery,
	}
	if full {
		doc["microsoftGraphResourceId"] = base + "/"
		for k, v := range a.extra {
			doc[k] = v
		}
	}
	return doc
}

// armAudiences are the token audiences ARM accepts: the cloud's ARM resource URIs, and the
// emulator's own URL, which tools given a metadata host ask tokens for.
func (e *Emulator) armAudiences(base string) []string {
	return append(append([]string(nil), e.cloud.arm.audiences...), base+"/")
}

// armReq is one authenticated ARM request: the tenant its token is from.
type armReq struct {
	e *Emulator // the token's tenant
	r *http.Request
}

type armHandler func(*armReq) (any, error)

// serveARM authenticates an ARM request, checks its api-version and serves it.
func (e *Emulator) serveARM(w http.ResponseWriter, r *http.Request, m routeMatch) {
	if m.wrongMethod {
		writeARMError(w, r, errARMMethod(r.Method))
		return
	}
	te, aerr := e.armAuthenticate(r, time.Now().UTC())
	if aerr != nil {
		writeARMError(w, r, aerr)
		return
	}
	if r.URL.Query().Get("api-version") == "" {
		writeARMError(w, r, errARMMissingAPIVersion())
		return
	}
	v, err := m.arm(&armReq{e: te, r: r})
	if err != nil {
		writeARMError(w, r, asARMError(err))
		return
	}
	writeARM(w, r, http.StatusOK, v)
}

// armAuthenticate checks a bearer token as ARM does and returns the tenant it is from.
func (e *Emulator) armAuthenticate(r *http.Request, now time.Time) (*Emulator, *armError) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, errARMNoToken()
	}
	jwt, err := parseJWT(tok)
	if err != nil {
		return nil, errARMBadToken()
	}
	if kid, _ := jwt.header["kid"].(string); kid != e.signer.kid || jwt.alg() != "RS256" || jwt.verify(&e.signer.key.PublicKey) != nil {
		return nil, errARMBadToken()
	}
	if exp, ok := jwt.num("exp"); !ok || now.After(time.Unix(exp, 0).Add(clockSkew)) {
		return nil, errARMExpired(time.Unix(exp, 0), now)
	}
	if aud := jwt.str("aud"); !e.isARMAudience(aud) {
		return nil, errARMAudience(aud, e.cloud.arm.audiences)
	}
	te := e.tenantByID(jwt.str("tid"))
	if te == nil || jwt.str("iss") != "https://sts.windows.net/"+te.store.tenantID+"/" {
		return nil, errARMBadToken()
	}
	return te, nil
}

// isARMAudience reports whether aud is one of ARM's resource URIs (with or without the
// trailing slash, as ARM accepts them) or the emulator's own URL.
func (e *Emulator) isARMAudience(aud string) bool {
	for _, a := range e.cloud.arm.audiences {
		if strings.EqualFold(strings.TrimSuffix(a, "/"), strings.TrimSuffix(aud, "/")) {
			return true
		}
	}
	return e.isOwnURL(aud)
}

// isOwnURL reports whether s is the emulator's base URL: https, its port, a loopback name or
// its listening host, no path but "/". Tools that find Graph and ARM by the emulator's
// metadata name them so, and ask tokens for that URL.
func (e *Emulator) isOwnURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || !strings.EqualFold(u.Scheme, "https") || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return false
	}
	own, err := url.Parse(e.url)
	if err != nil || u.Port() != own.Port() {
		return false
	}
	switch h := strings.ToLower(u.Hostname()); h {
	case "localhost", "127.0.0.1", "::1":
		return true
	default:
		return h == strings.ToLower(own.Hostname())
	}
}

// listSubscriptions answers GET /subscriptions: the emulated tenants have none.
func (a *armReq) listSubscriptions() (any, error) {
	return map[string]any{"value": []any{}}, nil
}

// listTenants answers GET /tenants: the tenant the caller belongs to, the one its token is
// from, as ARM lists a principal's tenants.
func (a *armReq) listTenants() (any, error) {
	s := a.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	var domains []string
	def := ""
	for _, d := range s.domains {
		domains = append(domains, d.name)
		if d.isDefault {
			def = d.name
		}
	}
	sort.Strings(domains)
	return map[string]any{"value": []any{map[string]any{
		"id":             "/tenants/" + s.tenantID,
		"tenantId":       s.tenantID,
		"countryCode":    "US",
		"displayName":    s.displayName,
		"domains":        domains,
		"tenantCategory": "Home",
		"defaultDomain":  def,
		"tenantType":     "AAD",
	}}}, nil
}

// isARMPath reports whether an unknown path is one ARM would answer: under one of ARM's
// roots, or any path with an api-version (ARM's requests all carry one; the token service's
// few that do are routed).
func isARMPath(r *http.Request) bool {
	first, _, _ := strings.Cut(strings.Trim(r.URL.Path, "/"), "/")
	switch strings.ToLower(first) {
	case "subscriptions", "tenants", "providers", "resourcegroups", "locations":
		return true
	}
	return r.URL.Query().Has("api-version") && !isGraphPath(r.URL.Path)
}

// serveARMUnknown answers a path ARM does not have, in ARM's error shape.
func (e *Emulator) serveARMUnknown(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) >= 2 && strings.EqualFold(segs[0], "subscriptions") {
		// ARM's answer for anything under a subscription it does not know: the emulated
		// tenants have none.
		writeARMError(w, r, &armError{http.StatusNotFound, "SubscriptionNotFound", "The subscription '" + segs[1] + "' could not be found."})
		return
	}
	// Emulator's wording: no source at hand shows ARM's answer for a path it has no route for.
	writeARMError(w, r, &armError{http.StatusNotFound, "NotFound", "The emulator's Azure Resource Manager has no endpoint " + r.URL.Path + "."})
}

// armError is ARM's error: {"error": {"code", "message"}}.
type armError struct {
	status        int
	code, message string
}

func (e *armError) Error() string { return e.code + ": " + e.message }

func asARMError(err error) *armError {
	var ae *armError
	if errors.As(err, &ae) {
		return ae
	}
	return &armError{http.StatusInternalServerError, "InternalServerError", "Encountered internal server error."}
}

// ARM's errors. Codes and wordings are those ARM answers (as seen in Azure SDK and CLI issue
// reports); marked where the emulator words one itself.
func errARMNoToken() *armError {
	return &armError{http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."}
}

func errARMBadToken() *armError {
	return &armError{http.StatusUnauthorized, "InvalidAuthenticationToken", "The access token is invalid."}
}

func errARMExpired(exp, now time.Time) *armError {
	const f = "01/02/2006 15:04:05"
	return &armError{http.StatusUnauthorized, "ExpiredAuthenticationToken", "The access token expiry UTC time '" + exp.UTC().Format(f) + "' is earlier than current UTC time '" + now.UTC().Format(f) + "'."}
}

func errARMAudience(aud string, audiences []string) *armError {
	var allowed []string
	for _, a := range audiences {
		a = strings.TrimSuffix(a, "/")
		allowed = append(allowed, "'"+a+"/'", "'"+a+"'")
	}
	return &armError{http.StatusUnauthorized, "InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong audience or resource '" + aud + "'. It should exactly match with one of the allowed audiences " + strings.Join(allowed, ",") + "."}
}

func errARMMissingAPIVersion() *armError {
	return &armError{http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."}
}

func errARMInvalidAPIVersion(version string, supported []string) *armError {
	return &armError{http.StatusBadRequest, "InvalidApiVersionParameter", "The api-version '" + version + "' is invalid. The supported versions are '" + strings.Join(supported, ",") + "'."}
}

func errARMMethod(method string) *armError {
	// Emulator's wording.
	return &armError{http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '" + method + "'."}
}

// writeARMError writes ARM's error shape, with a challenge on 401 as ARM sends it.
func writeARMError(w http.ResponseWriter, r *http.Request, ae *armError) {
	if ae.status == http.StatusUnauthorized {
		// Emulator's: the authorization_uri names the emulator's token service, where ARM
		// names login.windows.net.
		w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="https://`+r.Host+`/", error="invalid_token", error_description="`+strings.ReplaceAll(ae.message, `"`, `'`)+`"`)
	}
	setErrorCode(w, ae.code)
	writeARM(w, r, ae.status, map[string]any{"error": map[string]any{"code": ae.code, "message": ae.message}})
}

// writeARM writes an ARM answer with ARM's request id headers.
func writeARM(w http.ResponseWriter, r *http.Request, status int, v any) {
	ri := infoOf(r)
	h := w.Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("x-ms-request-id", ri.requestID)
	corr := r.Header.Get("x-ms-correlation-request-id")
	if corr == "" {
		corr = ri.requestID
	}
	h.Set("x-ms-correlation-request-id", corr)
	writeJSON(w, status, "application/json; charset=utf-8", v)
}
