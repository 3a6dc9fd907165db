package emulator

import (
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The token service's discovery side: the OpenID configuration MSAL reads first, the signing
// keys, and the instance-discovery document for clients that do not turn discovery off.

func timestampNow() string { return time.Now().UTC().Format("2006-01-02 15:04:05Z") }

// resolveTenant reports whether the tenant segment (GUID or verified domain, any case) names
// the tenant.
func (e *Emulator) resolveTenant(seg string) bool {
	e.store.mu.Lock()
	defer e.store.mu.Unlock()
	return e.store.isTenant(seg)
}

func isCommonTenant(seg string) bool {
	switch strings.ToLower(seg) {
	case "common", "organizations", "consumers":
		return true
	}
	return false
}

func (e *Emulator) serveOpenIDConfiguration(w http.ResponseWriter, r *http.Request, tenant string) {
	// Entra answers for a known tenant with its GUID in every endpoint, whatever alias was
	// asked for; the multi-tenant aliases get the literal {tenantid} placeholder.
	tid := e.store.tenantID
	switch {
	case isCommonTenant(tenant):
		tid = "{tenantid}"
	case !e.resolveTenant(tenant):
		// On the discovery endpoint Entra names the OAuth error invalid_tenant (observed).
		err := errTenantNotFound(tenant)
		writeOAuthError(w, r, err.status, "invalid_tenant", err.Error())
		return
	}
	base := e.baseURL(r)
	authority := base + "/" + tid
	if isCommonTenant(tenant) {
		authority = base + "/" + strings.ToLower(tenant)
	}
	doc := map[string]any{
		"token_endpoint":                        authority + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/" + pick(isCommonTenant(tenant), strings.ToLower(tenant), tid) + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                base + "/" + tid + "/v2.0",
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     "https://" + e.cloud.GraphHost + "/oidc/userinfo",
		"authorization_endpoint":                authority + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         authority + "/oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  authority + "/oauth2/v2.0/logout",
		"claims_supported":                      []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
		"kerberos_endpoint":                     authority + "/kerberos",
		"tenant_region_scope":                   e.cloud.regionScope,
		"cloud_instance_name":                   e.cloud.instanceName,
		"cloud_graph_host_name":                 e.cloud.aadGraphHost,
		"msgraph_host":                          e.cloud.GraphHost,
		"rbac_url":                              "https://pas.windows.net",
	}
	writeJSON(w, http.StatusOK, "application/json; charset=utf-8", doc)
}

// serveOpenIDConfigurationV1 is the v1.0 endpoint's OpenID configuration, whose issuer is
// the sts.windows.net one of v1.0 tokens. The Azure CLI reads it to turn a tenant's domain
// into its GUID (the issuer's path).
func (e *Emulator) serveOpenIDConfigurationV1(w http.ResponseWriter, r *http.Request, tenant string) {
	tid := e.store.tenantID
	switch {
	case isCommonTenant(tenant):
		tid = "{tenantid}"
	case !e.resolveTenant(tenant):
		err := errTenantNotFound(tenant)
		writeOAuthError(w, r, err.status, "invalid_tenant", err.Error())
		return
	}
	base := e.baseURL(r)
	authority := base + "/" + pick(isCommonTenant(tenant), strings.ToLower(tenant), tid)
	writeJSON(w, http.StatusOK, "application/json; charset=utf-8", map[string]any{
		"token_endpoint":                        authority + "/oauth2/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/common/discovery/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "token id_token", "token"},
		"scopes_supported":                      []string{"openid"},
		"issuer":                                "https://sts.windows.net/" + tid + "/",
		"microsoft_multi_refresh_token":         true,
		"authorization_endpoint":                authority + "/oauth2/authorize",
		"device_authorization_endpoint":         authority + "/oauth2/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  authority + "/oauth2/logout",
		"claims_supported":                      []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "given_name", "family_name", "nickname"},
		"check_session_iframe":                  authority + "/oauth2/checksession",
		"userinfo_endpoint":                     authority + "/openid/userinfo",
		"kerberos_endpoint":                     authority + "/kerberos",
		"tenant_region_scope":                   e.cloud.regionScope,
		"cloud_instance_name":                   e.cloud.instanceName,
		"cloud_graph_host_name":                 e.cloud.aadGraphHost,
		"msgraph_host":                          e.cloud.GraphHost,
		"rbac_url":                              "https://pas.windows.net",
	})
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// serveKeys publishes the token-signing key as a JWKS, so a resource server (or a test) can
// validate the emulator's tokens as it would Entra's.
func (e *Emulator) serveKeys(w http.ResponseWriter, r *http.Request, tenant string) {
	if !isCommonTenant(tenant) && !e.resolveTenant(tenant) {
		err := errTenantNotFound(tenant)
		writeOAuthError(w, r, err.status, "invalid_tenant", err.Error())
		return
	}
	pub := &e.signer.key.PublicKey
	key := map[string]any{
		"kty":    "RSA",
		"use":    "sig",
		"kid":    e.signer.kid,
		"x5t":    e.signer.kid,
		"n":      b64.EncodeToString(pub.N.Bytes()),
		"e":      b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		"x5c":    []string{base64.StdEncoding.EncodeToString(e.signer.cert.Raw)},
		"issuer": e.baseURL(r) + "/" + e.store.tenantID + "/v2.0",
	}
	writeJSON(w, http.StatusOK, "application/json; charset=utf-8", map[string]any{"keys": []any{key}})
}

// serveInstanceDiscovery answers MSAL's authority validation for clients that leave instance
// discovery on and point it at the emulator host.
// serveHealth answers a CI job waiting for the emulator: it is up, and which tenant and cloud
// it serves.
func (e *Emulator) serveHealth(w http.ResponseWriter, _ *http.Request, _ string) {
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"status": "healthy", "tenantId": e.store.tenantID,
		"cloud": e.Cloud().Name, "url": e.url})
}

func (e *Emulator) serveInstanceDiscovery(w http.ResponseWriter, r *http.Request, _ string) {
	tenant := "common"
	base := e.baseURL(r)
	if ae := r.URL.Query().Get("authorization_endpoint"); ae != "" {
		if u, err := url.Parse(ae); err == nil {
			if segs := strings.Split(strings.Trim(u.Path, "/"), "/"); len(segs) > 0 && segs[0] != "" {
				tenant = segs[0]
			}
			// An authority on the emulator's own host is the emulator, at its URL: MSAL
			// Python drops the port from the authorization_endpoint it asks about.
			if own, err := url.Parse(e.url); err == nil && strings.EqualFold(u.Hostname(), own.Hostname()) {
				base = e.url
			}
		}
	}
	host := strings.TrimPrefix(base, "https://")
	writeJSON(w, http.StatusOK, "application/json; charset=utf-8", map[string]any{
		"tenant_discovery_endpoint": base + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata":                  []any{map[string]any{"preferred_network": host, "preferred_cache": host, "aliases": []string{host}}},
	})
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	if status == http.StatusNoContent {
		return
	}
	// The status line has gone out: an encoding error means the client went
	// away, and there is no one left to report it to.
	_ = json.NewEncoder(w).Encode(v)
}
