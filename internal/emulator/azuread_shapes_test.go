package emulator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// The azuread provider (hashicorp/terraform-provider-azuread, read at f0169e0e, with its
// vendored go-azure-sdk v0.20260212.1143955) as the emulator sees it on the wire. It cannot
// be built here, so these tests send what it sends, read from its source: method, path,
// query, headers and bodies, in the order of a plan, an apply, a plan with no changes and a
// destroy. It talks to the real host names (its `environment = "global"` takes no endpoint),
// so the emulator runs in hosts mode behind a test hosts file.

// azureadUserAgent is the shape of azuread's User-Agent (internal/common/client_options.go
// userAgent, plus go-azure-sdk's own).
const azureadUserAgent = "HashiCorp Terraform/1.14.0 (+https://www.terraform.io) Terraform Plugin SDK/2.40.1 terraform-provider-azuread/v3.9.0 MicrosoftGraph-applications/v1.0"

// azureadWire sends requests as go-azure-sdk's Graph client does.
type azureadWire struct {
	t     *testing.T
	hc    *http.Client
	token string
}

// newAzureadWire starts a hosts-mode emulator and signs in as go-azure-sdk's client secret
// authorizer does (sdk/auth/client_secret_authorizer.go Token, sdk/auth/client_credentials.go
// clientCredentialsToken): a form POST to https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token
// with client_id, client_secret, grant_type=client_credentials and the Graph scope.
func newAzureadWire(t *testing.T, opts emulator.Options) (*emulator.Emulator, *azureadWire) {
	t.Helper()
	opts.Hosts, opts.Addr = true, "127.0.0.1:0"
	e := start(t, opts)
	hc := newHostsFile(e, "login.microsoftonline.com", "graph.microsoft.com").client(t, e)
	seed := e.Seed()
	form := url.Values{"client_id": {seed.BootstrapClientID}, "client_secret": {seed.BootstrapSecret}, "grant_type": {"client_credentials"}, "scope": {graphScope}}
	req, _ := http.NewRequestWithContext(ctx(t), http.MethodPost, "https://login.microsoftonline.com/"+seed.TenantID+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, body := doWith(t, hc, req)
	tok, _ := body["access_token"].(string)
	if status != http.StatusOK || tok == "" {
		t.Fatalf("go-azure-sdk's token request: %d %v", status, body)
	}
	return e, &azureadWire{t: t, hc: hc, token: tok}
}

// call sends one Graph request as go-azure-sdk's msgraph client builds it
// (sdk/client/client.go NewRequest and Request.Marshal, sdk/client/msgraph/client.go
// NewRequest, sdk/odata/query.go Headers and Values): base URL https://graph.microsoft.com/{version},
// the OData query encoded by url.Values (so "$select" goes as %24select), JSON bodies with
// Content-Type "application/json; charset=utf-8" (sent on every request, with or without a
// body), and the OData headers.
func (a *azureadWire) call(method, version, path string, query url.Values, body any) (int, map[string]any) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	u := "https://graph.microsoft.com/" + version + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx(a.t), method, u, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", azureadUserAgent)
	req.Header.Set("Odata-Maxversion", "4.0")
	req.Header.Set("Odata-Version", "4.0")
	req.Header.Set("Accept", "application/json; charset=utf-8; IEEE754Compatible=false")
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.hc.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			a.t.Fatalf("%s %s: non-JSON answer %q", method, u, raw)
		}
	}
	return resp.StatusCode, m
}

// want asserts a call's status, failing with the answer.
func (a *azureadWire) want(status int, method, version, path string, query url.Values, body any) map[string]any {
	a.t.Helper()
	got, m := a.call(method, version, path, query, body)
	if got != status {
		a.t.Fatalf("%s /%s%s: %d %v, want %d", method, version, path, got, m, status)
	}
	return m
}

// wantError asserts Graph's error answer to a v1.0 call: status, code and a part of the
// message.
func (a *azureadWire) wantError(status int, code, msgPart, method, path string, body any) {
	a.t.Helper()
	const version = "v1.0"
	got, m := a.call(method, version, path, nil, body)
	e, _ := m["error"].(map[string]any)
	msg, _ := e["message"].(string)
	if got != status || e["code"] != code || !strings.Contains(msg, msgPart) {
		a.t.Fatalf("%s /%s%s: %d %v, want %d %s %q", method, version, path, got, m, status, code, msgPart)
	}
}

// directoryObjectURL is how azuread names an owner: client.Client.BaseUri +
// stable.NewDirectoryObjectID(id).ID() (application_resource.go applicationResourceCreate).
func directoryObjectURL(id string) string {
	return "https://graph.microsoft.com/v1.0/directoryObjects/" + id
}

// azureadApplicationBody is the body of azuread_application's create for display_name, owners
// and one required_resource_access block, as stable.Application.MarshalJSON writes it
// (application_resource.go applicationResourceCreate; applications.go expandApplicationApi,
// expandApplicationWeb, expandApplicationSpa, expandApplicationPublicClient,
// expandApplicationRequiredResourceAccess; nullable.NoZero("") is null).
func azureadApplicationBody(displayName, roleID string, owners ...string) map[string]any {
	binds := make([]string, 0, len(owners))
	for _, o := range owners {
		binds = append(binds, directoryObjectURL(o))
	}
	return map[string]any{
		"@odata.type":               "#microsoft.graph.application",
		"api":                       map[string]any{"acceptMappedClaims": false, "knownClientApplications": []any{}, "oauth2PermissionScopes": []any{}, "requestedAccessTokenVersion": 1},
		"appRoles":                  []any{},
		"description":               nil,
		"displayName":               displayName,
		"groupMembershipClaims":     nil,
		"identifierUris":            []any{},
		"info":                      map[string]any{"marketingUrl": nil, "privacyStatementUrl": nil, "supportUrl": nil, "termsOfServiceUrl": nil},
		"isDeviceOnlyAuthSupported": false,
		"isFallbackPublicClient":    false,
		"notes":                     nil,
		"optionalClaims":            map[string]any{},
		"owners@odata.bind":         binds,
		"publicClient":              map[string]any{"redirectUris": []any{}},
		"requiredResourceAccess": []any{map[string]any{
			"resourceAccess": []any{map[string]any{"id": roleID, "type": "Role"}},
			"resourceAppId":  emulator.GraphAppID,
		}},
		"serviceManagementReference": nil,
		"signInAudience":             "AzureADMyOrg",
		"spa":                        map[string]any{"redirectUris": []any{}},
		"tags":                       []any{},
		"web":                        map[string]any{"homePageUrl": nil, "implicitGrantSettings": map[string]any{"enableAccessTokenIssuance": false, "enableIdTokenIssuance": false}, "logoutUrl": nil, "redirectUris": []any{}},
	}
}

// azureadServicePrincipalBody is azuread_service_principal's create body for client_id and
// owners (service_principal_resource.go servicePrincipalResourceCreate: a temporary
// description it patches away next; serviceprincipals.go expandSamlSingleSignOn gives {}).
func azureadServicePrincipalBody(appID string, owners ...string) map[string]any {
	binds := make([]string, 0, len(owners))
	for _, o := range owners {
		binds = append(binds, directoryObjectURL(o))
	}
	return map[string]any{
		"@odata.type":                "#microsoft.graph.servicePrincipal",
		"accountEnabled":             true,
		"alternativeNames":           []any{},
		"appId":                      appID,
		"appRoleAssignmentRequired":  false,
		"description":                "TERRAFORM_UPDATE_5b0c2f8e-0d7a-4a5e-9f2b-3c1d4e6f7a8b",
		"loginUrl":                   nil,
		"notes":                      nil,
		"notificationEmailAddresses": []any{},
		"owners@odata.bind":          binds,
		"preferredSingleSignOnMode":  nil,
		"samlSingleSignOnSettings":   map[string]any{},
		"tags":                       []any{},
	}
}

// filterQuery is an OData $filter as go-azure-sdk sends it (odata.Query.Values).
func filterQuery(f string) url.Values { return url.Values{"$filter": {f}} }

// selectQuery is an OData $select of the properties given.
func selectQuery(props ...string) url.Values {
	return url.Values{"$select": {strings.Join(props, ",")}}
}

// values returns a collection answer's items.
func values(t *testing.T, m map[string]any) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, v := range as[[]any](t, m["value"]) {
		out = append(out, as[map[string]any](t, v))
	}
	return out
}

// ownerIDs lists the ids and @odata.types of an owners answer, as azuread reads them
// (stable.UnmarshalDirectoryObjectImplementation picks the type by @odata.type).
func ownerIDs(t *testing.T, m map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, o := range values(t, m) {
		out[as[string](t, o["id"])] = as[string](t, o["@odata.type"])
	}
	return out
}

// TestAzureadLifecycle: plan, apply, plan again and destroy of a configuration with
// data.azuread_client_config, data.azuread_service_principal (Microsoft Graph),
// azuread_application (owners: a person and the caller), azuread_service_principal,
// azuread_app_role_assignment and azuread_application_password, in azuread's requests.
func TestAzureadLifecycle(t *testing.T) {
	e, az := newAzureadWire(t, emulator.Options{})
	seed := e.Seed()
	adele := seedUserID(t, seed, "adele.vance@contoso.com")

	// Provider configure (internal/clients/client.go build): the caller's object id is the
	// token's oid; without one azuread would list servicePrincipals by appId. Both agree.
	callerID := as[string](t, claims(t, az.token)["oid"])
	sps := values(t, az.want(200, "GET", "v1.0", "/servicePrincipals", filterQuery("appId eq '"+seed.BootstrapClientID+"'"), nil))
	if len(sps) != 1 || sps[0]["id"] != callerID {
		t.Fatalf("the caller's service principal: %v, oid %s", sps, callerID)
	}

	// data.azuread_service_principal by client_id (service_principal_data_source.go
	// servicePrincipalDataSourceRead): a list by appId, then samlMetadataUrl from beta.
	graphSPs := values(t, az.want(200, "GET", "v1.0", "/servicePrincipals", filterQuery("appId eq '"+emulator.GraphAppID+"'"), nil))
	if len(graphSPs) != 1 {
		t.Fatalf("Microsoft Graph's service principal: %v", graphSPs)
	}
	graphSP := as[string](t, graphSPs[0]["id"])
	roleID := appRoleID(t, graphSPs[0], "User.Read.All")
	beta := az.want(200, "GET", "beta", "/servicePrincipals/"+graphSP, selectQuery("samlMetadataUrl"), nil)
	if v, ok := beta["samlMetadataUrl"]; !ok || v != nil || beta["@odata.context"] != "https://graph.microsoft.com/beta/$metadata#servicePrincipals(samlMetadataUrl)/$entity" {
		t.Fatalf("beta service principal $select=samlMetadataUrl: %v", beta)
	}
	if len(beta) != 3 { // @odata.context, @odata.type and the one property selected
		t.Fatalf("beta $select answered more than asked: %v", beta)
	}

	// azuread_application, owners = [adele]: the create binds the caller and adele, two
	// PATCHes of displayName probe replication, and the caller, not in owners, is removed.
	app := az.want(201, "POST", "v1.0", "/applications", nil, azureadApplicationBody("azuread-app", roleID, callerID, adele))
	appObj := as[string](t, app["id"])
	appID := as[string](t, app["appId"])
	for _, name := range []string{"TERRAFORM_UPDATE_9d5e1c7a-4b2f-4e8d-a1c3-6f0b2d9e8c7a", "azuread-app"} {
		az.want(204, "PATCH", "v1.0", "/applications/"+appObj, nil, map[string]any{"@odata.type": "#microsoft.graph.application", "displayName": name})
	}
	if got := ownerIDs(t, az.want(200, "GET", "v1.0", "/applications/"+appObj+"/owners", nil, nil)); len(got) != 2 || got[callerID] != "#microsoft.graph.servicePrincipal" || got[adele] != "#microsoft.graph.user" {
		t.Fatalf("owners after the create: %v", got)
	}
	az.want(204, "DELETE", "v1.0", "/applications/"+appObj+"/owners/"+callerID+"/$ref", nil, nil)

	// Its read (applicationResourceRead): the application, oauth2RequirePostResponse from
	// beta, the owners.
	readApplication := func() (map[string]any, map[string]any, map[string]string) {
		t.Helper()
		a := az.want(200, "GET", "v1.0", "/applications/"+appObj, nil, nil)
		b := az.want(200, "GET", "beta", "/applications/"+appObj, selectQuery("oauth2RequirePostResponse"), nil)
		o := ownerIDs(t, az.want(200, "GET", "v1.0", "/applications/"+appObj+"/owners", nil, nil))
		return a, b, o
	}
	a, b, owners := readApplication()
	if a["displayName"] != "azuread-app" || a["appId"] != appID || a["signInAudience"] != "AzureADMyOrg" || a["isFallbackPublicClient"] != false {
		t.Fatalf("application read back: %v", a)
	}
	rra := as[[]any](t, a["requiredResourceAccess"])
	if len(rra) != 1 || as[map[string]any](t, rra[0])["resourceAppId"] != emulator.GraphAppID {
		t.Fatalf("requiredResourceAccess read back: %v", rra)
	}
	if api := as[map[string]any](t, a["api"]); api["requestedAccessTokenVersion"] != float64(1) || api["acceptMappedClaims"] != false {
		t.Fatalf("api read back: %v", api)
	}
	if _, v1 := a["oauth2RequirePostResponse"]; v1 || b["oauth2RequirePostResponse"] != false || b["@odata.context"] != "https://graph.microsoft.com/beta/$metadata#applications(oauth2RequirePostResponse)/$entity" {
		t.Fatalf("oauth2RequirePostResponse: v1.0 %v, beta %v", a["oauth2RequirePostResponse"], b)
	}
	if len(owners) != 1 || owners[adele] != "#microsoft.graph.user" {
		t.Fatalf("owners after the caller's removal: %v", owners)
	}

	// oauth2_post_response_required = true goes through beta (v1.0 does not know it).
	az.wantError(400, "BadRequest", "The property 'oauth2RequirePostResponse' does not exist on type 'microsoft.graph.application'", "PATCH", "/applications/"+appObj, map[string]any{"oauth2RequirePostResponse": true})
	az.want(204, "PATCH", "beta", "/applications/"+appObj, nil, map[string]any{"@odata.type": "#microsoft.graph.application", "oauth2RequirePostResponse": true})
	if b := az.want(200, "GET", "beta", "/applications/"+appObj, selectQuery("oauth2RequirePostResponse"), nil); b["oauth2RequirePostResponse"] != true {
		t.Fatalf("beta after the PATCH: %v", b)
	}

	// azuread_service_principal, owners = [caller] (servicePrincipalResourceCreate): a list
	// for an existing one, the create, a PATCH of the description, the read.
	if existing := values(t, az.want(200, "GET", "v1.0", "/servicePrincipals", filterQuery("appId eq '"+appID+"'"), nil)); len(existing) != 0 {
		t.Fatalf("a service principal before the create: %v", existing)
	}
	sp := az.want(201, "POST", "v1.0", "/servicePrincipals", nil, azureadServicePrincipalBody(appID, callerID))
	spObj := as[string](t, sp["id"])
	if sp["appId"] != appID || sp["description"] != "TERRAFORM_UPDATE_5b0c2f8e-0d7a-4a5e-9f2b-3c1d4e6f7a8b" || sp["appRoleAssignmentRequired"] != false {
		t.Fatalf("service principal created: %v", sp)
	}
	az.want(204, "PATCH", "v1.0", "/servicePrincipals/"+spObj, nil, map[string]any{"@odata.type": "#microsoft.graph.servicePrincipal", "description": nil})
	readSP := func() (map[string]any, map[string]string) {
		t.Helper()
		s := az.want(200, "GET", "v1.0", "/servicePrincipals/"+spObj, nil, nil)
		az.want(200, "GET", "beta", "/servicePrincipals/"+spObj, selectQuery("samlMetadataUrl"), nil)
		return s, ownerIDs(t, az.want(200, "GET", "v1.0", "/servicePrincipals/"+spObj+"/owners", nil, nil))
	}
	s, spOwners := readSP()
	if s["description"] != nil || len(spOwners) != 1 || spOwners[callerID] != "#microsoft.graph.servicePrincipal" {
		t.Fatalf("service principal read back: %v, owners %v", s, spOwners)
	}

	// azuread_app_role_assignment (appRoleAssignmentResourceCreate): the resource's
	// principal, the assignment, its read.
	az.want(200, "GET", "v1.0", "/servicePrincipals/"+graphSP, nil, nil)
	asg := az.want(201, "POST", "v1.0", "/servicePrincipals/"+graphSP+"/appRoleAssignedTo", nil, map[string]any{
		"@odata.type": "#microsoft.graph.appRoleAssignment", "appRoleId": roleID, "principalId": spObj, "resourceId": graphSP,
	})
	asgID := as[string](t, asg["id"])
	if asg["resourceId"] != graphSP {
		t.Fatalf("assignment created: %v", asg)
	}
	readAssignment := func() map[string]any {
		t.Helper()
		return az.want(200, "GET", "v1.0", "/servicePrincipals/"+graphSP+"/appRoleAssignedTo/"+asgID, nil, nil)
	}
	if r := readAssignment(); r["appRoleId"] != roleID || r["principalId"] != spObj || r["principalType"] != "ServicePrincipal" || r["resourceDisplayName"] != "Microsoft Graph" {
		t.Fatalf("assignment read back: %v", r)
	}

	// azuread_application_password (applicationPasswordResourceCreate): the application,
	// addPassword, then GETs until the keyId shows up 5 times in a row.
	az.want(200, "GET", "v1.0", "/applications/"+appObj, nil, nil)
	pw := az.want(200, "POST", "v1.0", "/applications/"+appObj+"/addPassword", nil, map[string]any{"passwordCredential": map[string]any{"displayName": "terraform"}})
	keyID, secret := as[string](t, pw["keyId"]), as[string](t, pw["secretText"])
	if secret == "" || pw["displayName"] != "terraform" {
		t.Fatalf("addPassword: %v", pw)
	}
	for range 5 {
		if findPassword(t, az.want(200, "GET", "v1.0", "/applications/"+appObj, nil, nil), keyID) == nil {
			t.Fatalf("password %s not listed after addPassword", keyID)
		}
	}

	// The new application signs in with it.
	if _, err := token(t, e, appID, secret, graphScope); err != nil {
		t.Fatalf("sign-in with the password: %v", err)
	}

	// Plan with no changes: every read gives what the apply left.
	a2, b2, owners2 := readApplication()
	s2, spOwners2 := readSP()
	if !sameJSON(withoutPasswords(a), withoutPasswords(a2)) || b2["oauth2RequirePostResponse"] != true || !sameJSON(owners, owners2) || !sameJSON(spOwners, spOwners2) || s2["description"] != nil {
		t.Fatalf("a second read differs:\n%v\n%v", a, a2)
	}
	if p := findPassword(t, a2, keyID); p == nil || p["displayName"] != "terraform" || p["secretText"] != nil {
		t.Fatalf("password on read: %v", p)
	}
	readAssignment()

	// Destroy, in reverse: removePassword and GETs until it is gone 5 times; the assignment;
	// the service principal and the application, each with GETs until 404 5 times
	// (consistency.WaitForDeletion).
	az.want(204, "POST", "v1.0", "/applications/"+appObj+"/removePassword", nil, map[string]any{"keyId": keyID})
	for range 5 {
		if findPassword(t, az.want(200, "GET", "v1.0", "/applications/"+appObj, nil, nil), keyID) != nil {
			t.Fatal("password still listed after removePassword")
		}
	}
	az.want(204, "DELETE", "v1.0", "/servicePrincipals/"+graphSP+"/appRoleAssignedTo/"+asgID, nil, nil)
	az.want(404, "GET", "v1.0", "/servicePrincipals/"+graphSP+"/appRoleAssignedTo/"+asgID, nil, nil)
	az.want(204, "DELETE", "v1.0", "/servicePrincipals/"+spObj, nil, nil)
	for range 5 {
		az.wantError(404, "Request_ResourceNotFound", "does not exist or one of its queried reference-property objects are not present", "GET", "/servicePrincipals/"+spObj, nil)
	}
	az.want(204, "DELETE", "v1.0", "/applications/"+appObj, nil, nil)
	for range 5 {
		az.wantError(404, "Request_ResourceNotFound", "does not exist or one of its queried reference-property objects are not present", "GET", "/applications/"+appObj, nil)
	}
	// The application waits in the deleted items, with its owner (azuread never reads there).
	if d := az.want(200, "GET", "v1.0", "/directory/deletedItems/"+appObj, nil, nil); d["@odata.type"] != "#microsoft.graph.application" || d["deletedDateTime"] == nil {
		t.Fatalf("deleted item: %v", d)
	}

	// Nothing azuread sent went wrong but what a step above expected.
	for _, r := range e.Requests() {
		if r.Status >= 400 && r.Status != 404 && (r.Status != 400 || r.Method != "PATCH") {
			t.Errorf("%s %s%s: %d %s", r.Method, r.Host, r.Path, r.Status, r.Code)
		}
	}
}

// TestAzureadOwnerReferences: azuread's owner calls beyond the create
// (application_resource.go applicationResourceUpdate, service_principal_resource.go
// servicePrincipalResourceUpdate; go-azure-sdk applications/stable/owner AddOwnerRef,
// RemoveOwnerRef): POST .../owners/$ref {"@odata.id": ".../directoryObjects/{id}"} and
// DELETE .../owners/{id}/$ref, with Graph's answers to a repeat, a stranger and a bad id.
func TestAzureadOwnerReferences(t *testing.T) {
	e, az := newAzureadWire(t, emulator.Options{})
	seed := e.Seed()
	adele := seedUserID(t, seed, "adele.vance@contoso.com")
	megan := seedUserID(t, seed, "megan.bowen@contoso.com")
	callerID := as[string](t, claims(t, az.token)["oid"])

	app := az.want(201, "POST", "v1.0", "/applications", nil, azureadApplicationBody("owners", userReadAllRole, callerID))
	appObj, appID := as[string](t, app["id"]), as[string](t, app["appId"])
	sp := az.want(201, "POST", "v1.0", "/servicePrincipals", nil, azureadServicePrincipalBody(appID, callerID))
	spObj := as[string](t, sp["id"])

	for _, base := range []string{"/applications/" + appObj, "/servicePrincipals/" + spObj, "/applications(appId='" + appID + "')"} {
		ref := map[string]any{"@odata.id": directoryObjectURL(adele)}
		az.want(204, "POST", "v1.0", base+"/owners/$ref", nil, ref)
		az.wantError(400, "Request_BadRequest", "One or more added object references already exist for the following modified properties: 'owners'.", "POST", base+"/owners/$ref", ref)
		// The service principal itself may own its application.
		az.want(204, "POST", "v1.0", base+"/owners/$ref", nil, map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/servicePrincipals/" + spObj})
		got := ownerIDs(t, az.want(200, "GET", "v1.0", base+"/owners", nil, nil))
		if len(got) != 3 || got[adele] != "#microsoft.graph.user" || got[spObj] != "#microsoft.graph.servicePrincipal" || got[callerID] != "#microsoft.graph.servicePrincipal" {
			t.Fatalf("%s owners: %v", base, got)
		}
		az.wantError(400, "Request_BadRequest", "One or more removed object references do not exist for the following modified properties: 'owners'.", "DELETE", base+"/owners/"+megan+"/$ref", nil)
		az.wantError(404, "Request_ResourceNotFound", "Resource '11111111-2222-3333-4444-555555555555' does not exist", "DELETE", base+"/owners/11111111-2222-3333-4444-555555555555/$ref", nil)
		az.wantError(404, "Request_ResourceNotFound", "does not exist", "POST", base+"/owners/$ref", map[string]any{"@odata.id": directoryObjectURL("11111111-2222-3333-4444-555555555555")})
		az.wantError(400, "Request_BadRequest", "Invalid object identifier 'not-a-guid'.", "POST", base+"/owners/$ref", map[string]any{"@odata.id": directoryObjectURL("not-a-guid")})
		// Removed again, so the next path (the appId key form reaches the same
		// application) starts from the caller alone.
		for _, o := range []string{adele, spObj} {
			az.want(204, "DELETE", "v1.0", base+"/owners/"+o+"/$ref", nil, nil)
		}
	}
	// An owner's $select, and the collection's context.
	list := az.want(200, "GET", "v1.0", "/applications/"+appObj+"/owners", selectQuery("id"), nil)
	if list["@odata.context"] != "https://graph.microsoft.com/v1.0/$metadata#directoryObjects(id)" || len(values(t, list)) != 1 {
		t.Fatalf("owners $select=id: %v", list)
	}

	// owners@odata.bind names only directory objects that exist, and only on a create.
	az.wantError(404, "Request_ResourceNotFound", "does not exist", "POST", "/applications",
		azureadApplicationBody("ghost owner", userReadAllRole, "11111111-2222-3333-4444-555555555555"))
	az.wantError(400, "Request_BadRequest", "owners@odata.bind", "PATCH", "/applications/"+appObj,
		map[string]any{"owners@odata.bind": []string{directoryObjectURL(adele)}})

	// A caller that may not read users may not make one an owner.
	weak, weakSecret := e.Portal().CreateApplication("no-user-read", "Application.ReadWrite.All")
	weakTok, err := token(t, e, weak.AppID, weakSecret, graphScope)
	if err != nil {
		t.Fatal(err)
	}
	status, body := rawGraph(t, e, "POST", "/v1.0/applications/"+appObj+"/owners/$ref", weakTok, map[string]any{"@odata.id": directoryObjectURL(adele)})
	if status != 403 {
		t.Fatalf("a user owner without User.Read.All: %d %v", status, body)
	}
	if status, body := rawGraph(t, e, "POST", "/v1.0/applications/"+appObj+"/owners/$ref", weakTok, map[string]any{"@odata.id": directoryObjectURL(spObj)}); status != 204 {
		t.Fatalf("a service principal owner without User.Read.All: %d %v", status, body)
	}
}

// TestAzureadRetriesDuringReplication: the answers azuread's retry functions wait out while
// new objects replicate, and what they get once they have: PATCH of a new application 404
// (applications.go applicationUpdateRetryFunc), the service principal's "does not reference
// a valid application object" 400 (servicePrincipalResourceCreate's RetryFunc), the
// assignment's 404 or "Not a valid reference update" 400 (appRoleAssignmentResourceCreate).
func TestAzureadRetriesDuringReplication(t *testing.T) {
	const lag = 400 * time.Millisecond
	_, az := newAzureadWire(t, emulator.Options{ReplicationLag: lag})
	callerID := as[string](t, claims(t, az.token)["oid"])
	graphSP := as[string](t, values(t, az.want(200, "GET", "v1.0", "/servicePrincipals", filterQuery("appId eq '"+emulator.GraphAppID+"'"), nil))[0]["id"])

	app := az.want(201, "POST", "v1.0", "/applications", nil, azureadApplicationBody("lagging", userReadAllRole, callerID))
	appObj, appID := as[string](t, app["id"]), as[string](t, app["appId"])
	az.wantError(404, "Request_ResourceNotFound", "does not exist", "PATCH", "/applications/"+appObj, map[string]any{"displayName": "TERRAFORM_UPDATE_x"})
	az.wantError(400, "Request_BadRequest", "The appId '"+appID+"' of the service principal does not reference a valid application object", "POST", "/servicePrincipals", azureadServicePrincipalBody(appID, callerID))
	time.Sleep(lag + 50*time.Millisecond)
	az.want(204, "PATCH", "v1.0", "/applications/"+appObj, nil, map[string]any{"displayName": "lagging"})
	sp := az.want(201, "POST", "v1.0", "/servicePrincipals", nil, azureadServicePrincipalBody(appID, callerID))
	assignment := map[string]any{"@odata.type": "#microsoft.graph.appRoleAssignment", "appRoleId": userReadAllRole, "principalId": sp["id"], "resourceId": graphSP}
	az.wantError(400, "Request_BadRequest", "Not a valid reference update", "POST", "/servicePrincipals/"+graphSP+"/appRoleAssignedTo", assignment)
	// Nor do other reads see the new principal, or its owners, yet.
	az.wantError(404, "Request_ResourceNotFound", "does not exist", "GET", "/servicePrincipals/"+as[string](t, sp["id"])+"/owners", nil)
	time.Sleep(lag + 50*time.Millisecond)
	az.want(201, "POST", "v1.0", "/servicePrincipals/"+graphSP+"/appRoleAssignedTo", nil, assignment)
}

// appRoleID finds an app role's id by value on a rendered service principal.
func appRoleID(t *testing.T, sp map[string]any, value string) string {
	t.Helper()
	for _, r := range as[[]any](t, sp["appRoles"]) {
		if role := as[map[string]any](t, r); role["value"] == value {
			return as[string](t, role["id"])
		}
	}
	t.Fatalf("no app role %s on %v", value, sp["displayName"])
	return ""
}

func seedUserID(t *testing.T, s emulator.Seed, upn string) string {
	t.Helper()
	for _, u := range s.Users {
		if u.UPN == upn {
			return u.ID
		}
	}
	t.Fatalf("no seeded user %s", upn)
	return ""
}

// findPassword finds a password credential by keyId on a rendered application.
func findPassword(t *testing.T, app map[string]any, keyID string) map[string]any {
	t.Helper()
	for _, p := range as[[]any](t, app["passwordCredentials"]) {
		if pc := as[map[string]any](t, p); pc["keyId"] == keyID {
			return pc
		}
	}
	return nil
}

func withoutPasswords(app map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range app {
		if k != "passwordCredentials" {
			out[k] = v
		}
	}
	return out
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
