package emulator_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// TestSeveralTenants: with Options.Tenants each tenant has its own seed and directory behind
// the one URL. Tokens are per tenant; Graph and ARM answer from the token's tenant; a
// person signing in through organizations lands in their own tenant.
func TestSeveralTenants(t *testing.T) {
	e := start(t, emulator.Options{Tenants: 3, BootstrapSecret: "same-secret"})
	seeds := e.Seeds()
	if len(seeds) != 3 || seeds[0].TenantID != emulator.SeedTenantID || seeds[0].BootstrapClientID != emulator.BootstrapClientID {
		t.Fatalf("Seeds: %+v", seeds)
	}
	second := seeds[1]
	if second.TenantID == seeds[0].TenantID || second.TenantID == seeds[2].TenantID || second.BootstrapClientID == emulator.BootstrapClientID ||
		second.TenantDomain != "fabrikam.com" || second.DisplayName != "Fabrikam" || second.Users[0].UPN != "admin@fabrikam.com" {
		t.Fatalf("second tenant: %+v", second)
	}

	// The same ids at every start: a CI job may rely on them.
	again := start(t, emulator.Options{Tenants: 2})
	if s := again.Seeds()[1]; s.TenantID != second.TenantID || s.BootstrapClientID != second.BootstrapClientID || s.Users[0].ID != second.Users[0].ID {
		t.Fatalf("second tenant differs between starts: %+v vs %+v", s, second)
	}

	// Each tenant's bootstrap signs in to its own tenant only.
	c := msalClientWith(t, e, second.TenantID, second.BootstrapClientID, mustSecret(t, second.BootstrapSecret))
	res, err := c.AcquireTokenByCredential(ctx(t), []string{graphScope})
	if err != nil {
		t.Fatalf("second tenant's bootstrap: %v", err)
	}
	if cl := claims(t, res.AccessToken); cl["tid"] != second.TenantID || cl["iss"] != "https://sts.windows.net/"+second.TenantID+"/" {
		t.Fatalf("second tenant's token: %v", cl)
	}
	_, err = msalClientWith(t, e, second.TenantID, emulator.BootstrapClientID, mustSecret(t, "same-secret")).AcquireTokenByCredential(ctx(t), []string{graphScope})
	wantAADSTS(t, err, 400, "AADSTS700016")

	// Graph answers from the token's tenant.
	status, body := rawGraph(t, e, "POST", "/v1.0/applications", res.AccessToken, map[string]any{"displayName": "Fabrikam app"})
	if status != 201 {
		t.Fatalf("create in the second tenant: %d %v", status, body)
	}
	appID, _ := body["appId"].(string)
	p2, ok := e.TenantPortal(second.TenantID)
	if !ok {
		t.Fatal("no portal for the second tenant")
	}
	if _, ok := p2.ApplicationByAppID(appID); !ok {
		t.Fatal("the second tenant lacks the application created with its token")
	}
	if _, ok := e.Portal().ApplicationByAppID(appID); ok {
		t.Fatal("the first tenant has the second tenant's application")
	}
	status, body = rawGraph(t, e, "GET", "/v1.0/organization", res.AccessToken, nil)
	if orgs, _ := body["value"].([]any); status != 200 || len(orgs) != 1 || as[map[string]any](t, orgs[0])["id"] != second.TenantID {
		t.Fatalf("second tenant's organization: %d %v", status, body)
	}
	// A batch's items too.
	status, body = rawGraph(t, e, "POST", "/v1.0/$batch", res.AccessToken, map[string]any{"requests": []any{
		map[string]any{"id": "1", "method": "GET", "url": "/organization"},
	}})
	resps, _ := body["responses"].([]any)
	answer, _ := json.Marshal(resps) // decoded JSON: it encodes again
	if status != 200 || len(resps) != 1 || !strings.Contains(string(answer), second.TenantID) {
		t.Fatalf("second tenant's batch: %d %v", status, body)
	}
	status, body = rawGraph(t, e, "GET", "/v1.0/applications", bootstrapToken(t, e), nil)
	for _, a := range as[[]any](t, body["value"]) {
		if as[map[string]any](t, a)["appId"] == appID {
			t.Fatalf("the first tenant's Graph lists the second tenant's application (%d)", status)
		}
	}

	// ARM lists the token's tenant.
	armTok, err := c.AcquireTokenByCredential(ctx(t), []string{"https://management.azure.com/.default"})
	if err != nil {
		t.Fatal(err)
	}
	_, v, _ := armGet(t, e, "GET", "/tenants?api-version=2022-12-01", armTok.AccessToken)
	if list := as[[]any](t, as[map[string]any](t, v)["value"]); as[map[string]any](t, list[0])["tenantId"] != second.TenantID {
		t.Fatalf("ARM tenants with the second tenant's token: %v", v)
	}

	// Discovery by the tenant's domain names its own id.
	status, v, _ = armGet(t, e, "GET", "/fabrikam.com/v2.0/.well-known/openid-configuration", "")
	if iss, _ := v.(map[string]any)["issuer"].(string); status != 200 || !strings.Contains(iss, second.TenantID) {
		t.Fatalf("second tenant's OpenID configuration: %d %v", status, v)
	}

	status, v, _ = armGet(t, e, "GET", "/fabrikam.com/.well-known/openid-configuration", "")
	if iss, _ := v.(map[string]any)["issuer"].(string); status != 200 || iss != "https://sts.windows.net/"+second.TenantID+"/" {
		t.Fatalf("second tenant's v1.0 OpenID configuration: %d %v", status, v)
	}

	// A person signing in through organizations gets a token of their own tenant.
	status, tok := postForm(t, e, "/organizations/oauth2/v2.0/token", url.Values{
		"grant_type": {"password"}, "client_id": {emulator.AzureCLIClientID}, "username": {"admin@fabrikam.com"},
		"password": {emulator.SeedUserPassword}, "scope": {"https://management.core.windows.net//.default openid profile offline_access"},
	}, "", "")
	if status != 200 {
		t.Fatalf("password sign-in through organizations: %d %v", status, tok)
	}
	cl := claims(t, as[string](t, tok["access_token"]))
	if cl["tid"] != second.TenantID || cl["upn"] != "admin@fabrikam.com" || cl["aud"] != "https://management.core.windows.net/" || cl["scp"] != "user_impersonation" {
		t.Fatalf("the person's ARM token: %v", cl)
	}
}

func mustSecret(t *testing.T, secret string) confidential.Credential {
	t.Helper()
	cred, err := confidential.NewCredFromSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

// TestSeveralTenantsDeviceCode: a device code started through organizations is completed by
// a person of the second tenant, whose token is that tenant's.
func TestSeveralTenantsDeviceCode(t *testing.T) {
	e := start(t, emulator.Options{Tenants: 2})
	second := e.Seeds()[1]
	status, dc := postForm(t, e, "/organizations/oauth2/v2.0/devicecode", url.Values{
		"client_id": {emulator.AzureCLIClientID}, "scope": {"https://graph.microsoft.com/.default offline_access"},
	}, "", "")
	if status != 200 {
		t.Fatalf("devicecode: %d %v", status, dc)
	}
	if err := e.CompleteDeviceLogin(as[string](t, dc["user_code"]), "appadmin@fabrikam.com"); err != nil {
		t.Fatal(err)
	}
	status, tok := postForm(t, e, "/organizations/oauth2/v2.0/token", url.Values{
		"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "client_id": {emulator.AzureCLIClientID}, "device_code": {as[string](t, dc["device_code"])},
	}, "", "")
	if status != 200 {
		t.Fatalf("device code token: %d %v", status, tok)
	}
	access := as[string](t, tok["access_token"])
	if cl := claims(t, access); cl["tid"] != second.TenantID || cl["upn"] != "appadmin@fabrikam.com" {
		t.Fatalf("device code token: %v", cl)
	}
	// The token works on the second tenant's Graph.
	if status, body := rawGraph(t, e, "GET", "/v1.0/me", access, nil); status != 200 || body["userPrincipalName"] != "appadmin@fabrikam.com" {
		t.Fatalf("GET /me: %d %v", status, body)
	}
}
