package emulator_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/managedidentity"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// imdsGet asks the IMDS endpoint for a token, with the Metadata header when metadata is set.
func imdsGet(t *testing.T, e *emulator.Emulator, q url.Values, metadata bool) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodGet, e.IMDSEndpoint()+"?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if metadata {
		req.Header.Set("Metadata", "true")
	}
	return do(t, e, req)
}

// imdsQuery is what a client on a VM sends for a Graph token, plus the selector given.
func imdsQuery(selector ...string) url.Values {
	q := url.Values{"api-version": {"2018-02-01"}, "resource": {emulator.GraphResource}}
	for i := 0; i+1 < len(selector); i += 2 {
		q.Set(selector[i], selector[i+1])
	}
	return q
}

// wantIdentityToken asserts an IMDS-shaped answer carries mi's token for Graph with the
// roles wanted (sorted, as the claim lists them).
func wantIdentityToken(t *testing.T, body map[string]any, mi emulator.ManagedIdentity, wantRoles ...string) {
	t.Helper()
	now := time.Now().Unix()
	// Every field is a string, as IMDS writes them; the expiry ones are Unix seconds.
	for _, k := range []string{"access_token", "refresh_token", "expires_in", "expires_on", "ext_expires_in", "not_before", "resource", "token_type", "client_id"} {
		if _, ok := body[k].(string); !ok {
			t.Fatalf("%s is %T %v, want a string", k, body[k], body[k])
		}
	}
	expOn, err := strconv.ParseInt(as[string](t, body["expires_on"]), 10, 64)
	if err != nil || expOn < now+3000 || expOn > now+3700 {
		t.Fatalf("expires_on %v: want Unix seconds about an hour ahead", body["expires_on"])
	}
	if nbf, _ := strconv.ParseInt(as[string](t, body["not_before"]), 10, 64); nbf > now+1 || nbf < now-60 {
		t.Fatalf("not_before %v", body["not_before"])
	}
	if body["refresh_token"] != "" || body["token_type"] != "Bearer" || body["client_id"] != mi.ClientID || body["resource"] != emulator.GraphResource {
		t.Fatalf("answer %v", body)
	}
	c := claims(t, as[string](t, body["access_token"]))
	exp, _ := c["exp"].(float64)
	if int64(exp) != expOn {
		t.Fatalf("exp claim %v, expires_on %d", c["exp"], expOn)
	}
	if c["appid"] != mi.ClientID || c["oid"] != mi.ObjectID || c["idtyp"] != "app" || c["appidacr"] != "2" || c["xms_mirid"] != mi.ResourceID || c["aud"] != emulator.GraphResource {
		t.Fatalf("claims %v", c)
	}
	if got := roles(t, as[string](t, body["access_token"])); !slices.Equal(got, wantRoles) {
		t.Fatalf("roles %v, want %v", got, wantRoles)
	}
}

// TestManagedIdentityIMDS: a VM's code gets its identity's Graph token from IMDS, the
// system-assigned one by default and a user-assigned one by any of its three ids, with the
// roles granted to it; Graph shows the identities as managed identities.
func TestManagedIdentityIMDS(t *testing.T) {
	e := start(t, emulator.Options{})
	vm := e.Portal().CreateManagedIdentity("vm-migrate", false, "Application.ReadWrite.All")
	uai := e.Portal().CreateManagedIdentity("uai-migrate", true, "User.Read.All", "Organization.Read.All")

	status, body := imdsGet(t, e, imdsQuery(), true)
	if status != 200 {
		t.Fatalf("system-assigned: %d %v", status, body)
	}
	wantIdentityToken(t, body, vm, "Application.ReadWrite.All")
	vmToken := as[string](t, body["access_token"])

	for _, sel := range [][]string{{"client_id", uai.ClientID}, {"object_id", uai.ObjectID}, {"msi_res_id", uai.ResourceID}} {
		status, body := imdsGet(t, e, imdsQuery(sel...), true)
		if status != 200 {
			t.Fatalf("%s: %d %v", sel[0], status, body)
		}
		wantIdentityToken(t, body, uai, "Organization.Read.All", "User.Read.All")
	}

	// Graph takes the identity's token, and shows the identity as Graph does.
	sp, err := graphClientWith(t, e, staticTokens{vmToken}).ServicePrincipals().ByServicePrincipalId(uai.ObjectID).Get(ctx(t), nil)
	if err != nil {
		t.Fatalf("GET the user-assigned identity with the VM's token: %v", err)
	}
	if *sp.GetServicePrincipalType() != "ManagedIdentity" || *sp.GetAppId() != uai.ClientID || *sp.GetDisplayName() != uai.Name || sp.GetAppOwnerOrganizationId() != nil {
		t.Fatalf("service principal %s %s %s %v", *sp.GetServicePrincipalType(), *sp.GetAppId(), *sp.GetDisplayName(), sp.GetAppOwnerOrganizationId())
	}
	if names := sp.GetAlternativeNames(); !slices.Equal(names, []string{"isExplicit=True", uai.ResourceID}) {
		t.Fatalf("alternativeNames %v", names)
	}
	status, list := rawGraph(t, e, "GET", "/v1.0/servicePrincipals?$filter=servicePrincipalType eq 'ManagedIdentity'", vmToken, nil)
	if status != 200 || len(as[[]any](t, list["value"])) != 2 {
		t.Fatalf("managed identities listed: %d %v", status, list)
	}
	if strings.Contains(uai.ResourceID, "virtualMachines") || !strings.Contains(vm.ResourceID, "/providers/Microsoft.Compute/virtualMachines/vm-migrate") {
		t.Fatalf("resource ids %s, %s", vm.ResourceID, uai.ResourceID)
	}
}

// TestManagedIdentityIMDSDefaults: without a selector IMDS takes the system-assigned
// identity, else the only user-assigned one, and refuses to guess among several.
func TestManagedIdentityIMDSDefaults(t *testing.T) {
	e := start(t, emulator.Options{})
	status, body := imdsGet(t, e, imdsQuery(), true)
	if status != 400 || body["error"] != "invalid_request" || body["error_description"] != "Identity not found" {
		t.Fatalf("host without identities: %d %v", status, body)
	}
	first := e.Portal().CreateManagedIdentity("first", true)
	status, body = imdsGet(t, e, imdsQuery(), true)
	if status != 200 || body["client_id"] != first.ClientID {
		t.Fatalf("only user-assigned identity: %d %v", status, body)
	}
	e.Portal().CreateManagedIdentity("second", true)
	status, body = imdsGet(t, e, imdsQuery(), true)
	if status != 400 || !strings.HasPrefix(as[string](t, body["error_description"]), "Multiple user assigned identities exist") {
		t.Fatalf("two user-assigned identities: %d %v", status, body)
	}
	// A second system-assigned identity replaces the first as the host's own.
	e.Portal().CreateManagedIdentity("vm-old", false)
	vm := e.Portal().CreateManagedIdentity("vm-new", false)
	status, body = imdsGet(t, e, imdsQuery(), true)
	if status != 200 || body["client_id"] != vm.ClientID {
		t.Fatalf("system-assigned identity: %d %v", status, body)
	}
}

// TestManagedIdentityIMDSErrors: what IMDS refuses, in its own error shape, and Entra's
// AADSTS error passed through for a resource the tenant does not have.
func TestManagedIdentityIMDSErrors(t *testing.T) {
	e := start(t, emulator.Options{})
	e.Portal().CreateManagedIdentity("vm", false, "User.Read.All")
	for _, tc := range []struct {
		name     string
		q        url.Values
		metadata bool
		status   int
		oauth    string
		desc     string
	}{
		{"no Metadata header", imdsQuery(), false, 400, "invalid_request", "Required metadata header not specified"},
		{"unknown client_id", imdsQuery("client_id", "6a1e3b2c-0000-4000-8000-000000000001"), true, 400, "invalid_request", "Identity not found"},
		{"unknown object_id", imdsQuery("object_id", "6a1e3b2c-0000-4000-8000-000000000002"), true, 400, "invalid_request", "Identity not found"},
		{"unknown msi_res_id", imdsQuery("msi_res_id", "/subscriptions/x/resourcegroups/y/providers/Microsoft.ManagedIdentity/userAssignedIdentities/z"), true, 400, "invalid_request", "Identity not found"},
		{"no resource", url.Values{"api-version": {"2018-02-01"}}, true, 400, "invalid_request", "Required audience parameter not specified"},
		{"no api-version", url.Values{"resource": {emulator.GraphResource}}, true, 400, "invalid_request", "api-version"},
		{"unknown resource", url.Values{"api-version": {"2018-02-01"}, "resource": {"https://vault.example.net"}}, true, 400, "invalid_resource", "AADSTS500011: The resource principal named https://vault.example.net was not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := imdsGet(t, e, tc.q, tc.metadata)
			desc, _ := body["error_description"].(string)
			if status != tc.status || body["error"] != tc.oauth || !strings.Contains(desc, tc.desc) {
				t.Fatalf("%d %v, want %d %s %q", status, body, tc.status, tc.oauth, tc.desc)
			}
		})
	}
}

// clearIdentityEnv unsets what MSAL Go's managedidentity.GetSource reads, so each test picks
// its source by the variables it sets.
func clearIdentityEnv(t *testing.T) {
	for _, k := range []string{"IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT"} {
		t.Setenv(k, "")
	}
}

// uncached makes MSAL ask the endpoint: MSAL Go keeps managed identity tokens in one cache
// for the whole process, keyed by identity and resource, and skips it for a claims request.
var uncached = managedidentity.WithClaims(`{"access_token":{"nbf":{"essential":true,"value":"0"}}}`)

// TestManagedIdentityAppServiceMSAL: MSAL Go's managedidentity client, as on App Service
// (IDENTITY_ENDPOINT and IDENTITY_HEADER), gets tokens of the system-assigned identity and
// of a user-assigned one by each id it can send, with the expiry it reads from expires_on.
func TestManagedIdentityAppServiceMSAL(t *testing.T) {
	e := start(t, emulator.Options{})
	vm := e.Portal().CreateManagedIdentity("app-stellar", false, "Application.ReadWrite.All")
	uai := e.Portal().CreateManagedIdentity("uai-stellar", true, "User.Read.All")
	clearIdentityEnv(t)
	t.Setenv("IDENTITY_ENDPOINT", e.AppServiceIdentityEndpoint())
	t.Setenv("IDENTITY_HEADER", e.IdentityHeader())
	if src, err := managedidentity.GetSource(); err != nil || src != managedidentity.AppService {
		t.Fatalf("source %s %v", src, err)
	}

	for _, tc := range []struct {
		id   managedidentity.ID
		want emulator.ManagedIdentity
	}{
		{managedidentity.SystemAssigned(), vm},
		{managedidentity.UserAssignedClientID(uai.ClientID), uai},
		{managedidentity.UserAssignedObjectID(uai.ObjectID), uai},
		{managedidentity.UserAssignedResourceID(uai.ResourceID), uai},
	} {
		c, err := managedidentity.New(tc.id, managedidentity.WithHTTPClient(e.HTTPClient()))
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.AcquireToken(ctx(t), emulator.GraphResource+"/.default", uncached)
		if err != nil {
			t.Fatalf("%T: %v", tc.id, err)
		}
		if cl := claims(t, res.AccessToken); cl["oid"] != tc.want.ObjectID || cl["xms_mirid"] != tc.want.ResourceID {
			t.Fatalf("%T: token of %v, want %s", tc.id, cl["oid"], tc.want.Name)
		}
		if d := time.Until(res.ExpiresOn); d < 50*time.Minute || d > time.Hour {
			t.Fatalf("%T: expires in %s", tc.id, d)
		}
	}
	q := e.Requests()[len(e.Requests())-1].Query
	if !strings.Contains(q, "mi_res_id="+uai.ResourceID) || !strings.Contains(q, "api-version=2019-08-01") {
		t.Fatalf("MSAL's App Service request: %s", q)
	}
}

// TestManagedIdentityAppServiceRefusals: App Service answers only requests carrying its
// IDENTITY_HEADER secret, and names no identity it does not have.
func TestManagedIdentityAppServiceRefusals(t *testing.T) {
	e := start(t, emulator.Options{})
	clearIdentityEnv(t)
	t.Setenv("IDENTITY_ENDPOINT", e.AppServiceIdentityEndpoint())
	t.Setenv("IDENTITY_HEADER", "not-the-secret")
	c, err := managedidentity.New(managedidentity.SystemAssigned(), managedidentity.WithHTTPClient(e.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AcquireToken(ctx(t), emulator.GraphResource, uncached)
	var ce msalerrors.CallErr
	if !errors.As(err, &ce) || ce.Resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong identity header: %v", err)
	}

	// Without the header at all, and with it for a host without any identity.
	req, _ := http.NewRequestWithContext(ctx(t), http.MethodGet, e.AppServiceIdentityEndpoint()+"?api-version=2019-08-01&resource="+url.QueryEscape(emulator.GraphResource), nil)
	status, body := do(t, e, req)
	if status != 401 || body["statusCode"] != float64(401) || body["message"] == nil || body["correlationId"] == nil {
		t.Fatalf("no identity header: %d %v", status, body)
	}
	req.Header.Set("X-IDENTITY-HEADER", e.IdentityHeader())
	status, body = do(t, e, req)
	if status != 400 || body["message"] != "Unable to load the proper Managed Identity." {
		t.Fatalf("no identity: %d %v", status, body)
	}
}

// TestManagedIdentityCloudShellMSAL: MSAL Go as in Cloud Shell (MSI_ENDPOINT) posts the
// resource with Metadata: true and gets the host's token; without the header it is refused.
func TestManagedIdentityCloudShellMSAL(t *testing.T) {
	e := start(t, emulator.Options{})
	vm := e.Portal().CreateManagedIdentity("shell", false, "User.Read.All")
	clearIdentityEnv(t)
	t.Setenv("MSI_ENDPOINT", e.AppServiceIdentityEndpoint())
	c, err := managedidentity.New(managedidentity.SystemAssigned(), managedidentity.WithHTTPClient(e.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.AcquireToken(ctx(t), emulator.GraphResource, uncached)
	if err != nil {
		t.Fatal(err)
	}
	if claims(t, res.AccessToken)["oid"] != vm.ObjectID || time.Until(res.ExpiresOn) < 50*time.Minute {
		t.Fatalf("token %v until %s", claims(t, res.AccessToken), res.ExpiresOn)
	}
	if last := e.Requests()[len(e.Requests())-1]; last.Method != http.MethodPost || last.Path != "/msi/token" {
		t.Fatalf("MSAL's Cloud Shell request: %s %s", last.Method, last.Path)
	}

	req, _ := http.NewRequestWithContext(ctx(t), http.MethodPost, e.AppServiceIdentityEndpoint(), strings.NewReader("resource="+url.QueryEscape(emulator.GraphResource)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, body := do(t, e, req)
	if status != 400 || body["error_description"] != "Required metadata header not specified" {
		t.Fatalf("no Metadata header: %d %v", status, body)
	}
}

// toEmulator sends every request to the emulator, whatever its URL names: the stand-in for
// a hosts-file entry or a proxy, for clients whose endpoint cannot be configured.
type toEmulator struct {
	e  *emulator.Emulator
	rt http.RoundTripper
}

func (r toEmulator) RoundTrip(req *http.Request) (*http.Response, error) {
	u, err := url.Parse(r.e.URL())
	if err != nil {
		return nil, err
	}
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host, out.Host = u.Scheme, u.Host, ""
	return r.rt.RoundTrip(out)
}

// TestManagedIdentityIMDSMSAL: MSAL Go's own IMDS request (to 169.254.169.254, which no
// setting moves) is one the emulator serves.
func TestManagedIdentityIMDSMSAL(t *testing.T) {
	e := start(t, emulator.Options{})
	e.Portal().CreateManagedIdentity("vm", false)
	uai := e.Portal().CreateManagedIdentity("uai", true, "User.Read.All")
	clearIdentityEnv(t)
	hc := &http.Client{Transport: toEmulator{e: e, rt: e.HTTPClient().Transport}}
	c, err := managedidentity.New(managedidentity.UserAssignedResourceID(uai.ResourceID), managedidentity.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.AcquireToken(ctx(t), emulator.GraphResource, uncached)
	if err != nil {
		t.Fatal(err)
	}
	if claims(t, res.AccessToken)["oid"] != uai.ObjectID || !slices.Equal(roles(t, res.AccessToken), []string{"User.Read.All"}) {
		t.Fatalf("token %v", claims(t, res.AccessToken))
	}
	last := e.Requests()[len(e.Requests())-1]
	if last.Path != "/metadata/identity/oauth2/token" || !strings.Contains(last.Query, "msi_res_id="+uai.ResourceID) {
		t.Fatalf("MSAL's IMDS request: %s?%s", last.Path, last.Query)
	}
}
