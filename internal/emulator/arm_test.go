package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// armGet sends a GET to ARM's side of the emulator and decodes whatever JSON comes back.
func armGet(t *testing.T, e *emulator.Emulator, method, path, tok string) (int, any, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), method, e.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := e.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %q", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, v, resp.Header
}

// armErrorCode is the code of ARM's {"error": {"code", "message"}}.
func armErrorCode(v any) string {
	m, _ := v.(map[string]any)
	inner, _ := m["error"].(map[string]any)
	code, _ := inner["code"].(string)
	return code
}

// TestARMMetadata: the endpoint metadata names the emulator as login endpoint, resource
// manager and Graph, in the shape of each api-version, as go-azure-sdk (2022-09-01) and the
// Azure CLI (2015-01-01, 2019-05-01 through ARM_CLOUD_METADATA_URL) read it.
func TestARMMetadata(t *testing.T) {
	e := start(t, emulator.Options{})
	u := e.URL()

	status, v, _ := armGet(t, e, "GET", "/metadata/endpoints?api-version=2022-09-01", "")
	doc, _ := v.(map[string]any)
	auth, _ := doc["authentication"].(map[string]any)
	if status != 200 || doc["name"] != "StellarEmulator" || doc["resourceManager"] != u+"/" || doc["microsoftGraphResourceId"] != u+"/" ||
		auth["loginEndpoint"] != u || auth["tenant"] != "common" || auth["identityProvider"] != "AAD" {
		t.Fatalf("2022-09-01: %d %v", status, v)
	}
	if aud := as[[]any](t, auth["audiences"]); aud[0] != "https://management.core.windows.net/" || !slices.Contains(aud, any(u+"/")) {
		t.Fatalf("2022-09-01 audiences %v", aud)
	}
	if suffixes, _ := doc["suffixes"].(map[string]any); suffixes["storage"] != "core.windows.net" {
		t.Fatalf("2022-09-01 suffixes %v", doc["suffixes"])
	}

	for _, version := range []string{"2020-06-01", "2019-05-01"} {
		status, v, _ = armGet(t, e, "GET", "/metadata/endpoints?api-version="+version, "")
		list, _ := v.([]any)
		if status != 200 || len(list) != 1 || as[map[string]any](t, list[0])["resourceManager"] != u+"/" {
			t.Fatalf("%s: %d %v", version, status, v)
		}
		_, hasGraph := as[map[string]any](t, list[0])["microsoftGraphResourceId"]
		if hasGraph != (version == "2020-06-01") {
			t.Errorf("%s: microsoftGraphResourceId present %v", version, hasGraph)
		}
	}

	status, v, _ = armGet(t, e, "GET", "/metadata/endpoints?api-version=2015-01-01", "")
	auth, _ = as[map[string]any](t, v)["authentication"].(map[string]any)
	if status != 200 || auth["loginEndpoint"] != u+"/" || as[[]any](t, auth["audiences"])[0] != "https://management.core.windows.net/" {
		t.Fatalf("2015-01-01: %d %v", status, v)
	}

	if status, v, _ = armGet(t, e, "GET", "/metadata/endpoints", ""); status != 400 || armErrorCode(v) != "MissingApiVersionParameter" {
		t.Errorf("no api-version: %d %v", status, v)
	}
	if status, v, _ = armGet(t, e, "GET", "/metadata/endpoints?api-version=2099-01-01", ""); status != 400 || armErrorCode(v) != "InvalidApiVersionParameter" {
		t.Errorf("unknown api-version: %d %v", status, v)
	}

	// A national cloud's ARM audiences.
	gov := start(t, emulator.Options{Cloud: "usgovernment"})
	_, v, _ = armGet(t, gov, "GET", "/metadata/endpoints?api-version=2022-09-01", "")
	auth, _ = as[map[string]any](t, v)["authentication"].(map[string]any)
	if as[[]any](t, auth["audiences"])[0] != "https://management.core.usgovcloudapi.net" {
		t.Errorf("usgovernment audiences %v", auth["audiences"])
	}
}

// TestARMTokens: the token service issues tokens for ARM by each of its resource URIs and by
// the emulator's URL (which stands for ARM and Graph alike), ARM answers /subscriptions and
// /tenants with them, and refuses the rest in its own error shape.
func TestARMTokens(t *testing.T) {
	e := start(t, emulator.Options{})
	seed := e.Seed()
	for _, tc := range []struct{ scope, aud string }{
		{"https://management.core.windows.net//.default", "https://management.core.windows.net/"}, // as az asks
		{"https://management.azure.com/.default", "https://management.azure.com"},
		{e.URL() + "//.default", e.URL() + "/"}, // the emulator's URL, as tools given its metadata ask
		{e.URL() + "/.default", e.URL()},
	} {
		tok, err := token(t, e, seed.BootstrapClientID, seed.BootstrapSecret, tc.scope)
		if err != nil {
			t.Fatalf("%s: %v", tc.scope, err)
		}
		if c := claims(t, tok); c["aud"] != tc.aud || c["tid"] != seed.TenantID {
			t.Fatalf("%s: aud %v tid %v, want %s", tc.scope, c["aud"], c["tid"], tc.aud)
		}
		status, v, _ := armGet(t, e, "GET", "/subscriptions?api-version=2022-12-01", tok)
		if list, _ := v.(map[string]any)["value"].([]any); status != 200 || list == nil || len(list) != 0 {
			t.Fatalf("%s: GET /subscriptions: %d %v", tc.scope, status, v)
		}
	}

	armTok, err := token(t, e, seed.BootstrapClientID, seed.BootstrapSecret, "https://management.azure.com/.default")
	if err != nil {
		t.Fatal(err)
	}
	status, v, hdr := armGet(t, e, "GET", "/tenants?api-version=2022-12-01", armTok)
	list, _ := v.(map[string]any)["value"].([]any)
	if status != 200 || len(list) != 1 || hdr.Get("x-ms-request-id") == "" {
		t.Fatalf("GET /tenants: %d %v", status, v)
	}
	ten := as[map[string]any](t, list[0])
	if ten["tenantId"] != seed.TenantID || ten["id"] != "/tenants/"+seed.TenantID || ten["tenantCategory"] != "Home" ||
		ten["defaultDomain"] != seed.TenantDomain || ten["displayName"] != seed.DisplayName {
		t.Fatalf("GET /tenants: %v", ten)
	}

	graphTok := bootstrapToken(t, e)
	for _, tc := range []struct {
		method, path, tok string
		status            int
		code              string
	}{
		{"GET", "/subscriptions?api-version=2022-12-01", "", 401, "AuthenticationFailed"},
		{"GET", "/subscriptions?api-version=2022-12-01", "not.a.token", 401, "InvalidAuthenticationToken"},
		{"GET", "/subscriptions?api-version=2022-12-01", graphTok, 401, "InvalidAuthenticationTokenAudience"},
		{"GET", "/subscriptions", armTok, 400, "MissingApiVersionParameter"},
		{"POST", "/subscriptions?api-version=2022-12-01", armTok, 405, "MethodNotAllowed"},
		{"GET", "/subscriptions/0b1f6c2e-0000-0000-0000-000000000000/resourceGroups?api-version=2022-12-01", armTok, 404, "SubscriptionNotFound"},
		{"GET", "/providers?api-version=2022-12-01", armTok, 404, "NotFound"},
	} {
		status, v, hdr := armGet(t, e, tc.method, tc.path, tc.tok)
		if status != tc.status || armErrorCode(v) != tc.code {
			t.Errorf("%s %s: %d %v, want %d %s", tc.method, tc.path, status, v, tc.status, tc.code)
		}
		if status == 401 && !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer ") {
			t.Errorf("%s %s: 401 without a Bearer challenge", tc.method, tc.path)
		}
	}

	// Graph takes the token for the emulator's URL too; a resource the tenant lacks stays
	// AADSTS500011.
	ownTok, err := token(t, e, seed.BootstrapClientID, seed.BootstrapSecret, e.URL()+"//.default")
	if err != nil {
		t.Fatal(err)
	}
	if status, body := rawGraph(t, e, "GET", "/v1.0/applications", ownTok, nil); status != 200 {
		t.Fatalf("Graph with a token for the emulator's URL: %d %v", status, body)
	}
	_, err = token(t, e, seed.BootstrapClientID, seed.BootstrapSecret, "https://management.example.com/.default")
	wantAADSTS(t, err, 400, "AADSTS500011")
}

// TestAzureServiceManagementPrincipal: every tenant has ARM's service principal, as a real
// tenant does, with its one delegated permission.
func TestAzureServiceManagementPrincipal(t *testing.T) {
	e := start(t, emulator.Options{})
	status, body := rawGraph(t, e, "GET", "/v1.0/servicePrincipals(appId='"+emulator.AzureServiceManagementAppID+"')", bootstrapToken(t, e), nil)
	if status != 200 || body["displayName"] != "Windows Azure Service Management API" || body["id"] != e.Seed().ARMServicePrincipalID {
		t.Fatalf("ARM's service principal: %d %v", status, body)
	}
	scopes, _ := body["oauth2PermissionScopes"].([]any)
	if len(scopes) != 1 || as[map[string]any](t, scopes[0])["value"] != "user_impersonation" || as[map[string]any](t, scopes[0])["id"] != "41094075-9dad-400e-a0bd-54e686782033" {
		t.Fatalf("ARM's scopes: %v", scopes)
	}
}
