package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// DiscoverTenant asks the sign-in service whether a tenant exists, without
// signing in, and returns its ID: the GUID in the issuer of the tenant's
// OpenID configuration. A domain name resolves to the GUID of the tenant
// that verified it. An unknown tenant gives an *Error with AADSTS90002.
func DiscoverTenant(ctx context.Context, hc *http.Client, authorityHost, tenant string) (string, error) {
	host := strings.TrimRight(authorityHost, "/")
	if host == "" {
		host = Global.AuthorityHost
	}
	endpoint := host + "/" + url.PathEscape(tenant) + "/v2.0/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return "", configError(SettingTenantID, "tenant_id cannot be part of a URL: "+err.Error())
	}
	resp, err := hc.Do(req)
	if err != nil {
		if e := transportError(err, host, ""); e != nil {
			return "", e
		}
		return "", &Error{Description: "cannot reach " + host + ": " + firstLine(innermost(err).Error()), Setting: SettingAuthorityHost, kind: kindTransport, cause: innermost(err)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return "", parseEntraError(resp.StatusCode, body, host, "")
	}
	var doc struct {
		Issuer string `json:"issuer"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Issuer == "" {
		return "", &Error{Description: fmt.Sprintf("the OpenID configuration of %s has no issuer", tenant), Setting: SettingAuthorityHost, kind: kindOther,
			fix: "Check authority_host (STELLAR_AUTHORITY_HOST): it must point at a Microsoft Entra sign-in service."}
	}
	// The issuer is {host}/{tenant GUID}/v2.0.
	u, err := url.Parse(doc.Issuer)
	if err != nil {
		return "", &Error{Description: "unreadable issuer " + doc.Issuer, kind: kindOther}
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) == 0 || parts[0] == "" {
		return "", &Error{Description: "issuer " + doc.Issuer + " names no tenant", kind: kindOther}
	}
	return parts[0], nil
}
