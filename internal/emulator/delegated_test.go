package emulator_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	"github.com/google/uuid"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// A person signing in through MSAL's public client, the way the provider's delegated sign-in
// and the Azure tools do: device code, browser (authorization code with PKCE), username and
// password. Each sign-in is completed by posting the emulator's sign-in form, as a person
// would in a browser.

var registrationScopes = []string{
	"https://graph.microsoft.com/Application.ReadWrite.All",
	"https://graph.microsoft.com/AppRoleAssignment.ReadWrite.All",
	"https://graph.microsoft.com/DelegatedPermissionGrant.ReadWrite.All",
}

func publicClient(t *testing.T, e *emulator.Emulator, clientID string) public.Client {
	t.Helper()
	c, err := public.New(clientID, public.WithAuthority(e.URL()+"/"+e.Seed().TenantID),
		public.WithHTTPClient(e.HTTPClient()), public.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// postForm posts a sign-in form as a browser does and returns the status and page.
func submit(t *testing.T, hc *http.Client, action string, fields url.Values) (int, string) {
	t.Helper()
	resp, err := hc.PostForm(action, fields)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// approveDevice signs in at the device login page as upn, entering the code the device shows.
func approveDevice(t *testing.T, e *emulator.Emulator, userCode, upn string) (int, string) {
	t.Helper()
	return submit(t, e.HTTPClient(), e.URL()+"/devicelogin", url.Values{"otc": {userCode}, "login": {upn}, "passwd": {emulator.SeedUserPassword}})
}

func deviceCodeToken(t *testing.T, e *emulator.Emulator, clientID, upn string, scopes []string) (public.AuthResult, error) {
	t.Helper()
	c := ctx(t)
	dc, err := publicClient(t, e, clientID).AcquireTokenByDeviceCode(c, scopes)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dc.Result.Message, dc.Result.UserCode) || dc.Result.VerificationURL != e.URL()+"/devicelogin" {
		t.Fatalf("device code %+v", dc.Result)
	}
	if status, page := approveDevice(t, e, dc.Result.UserCode, upn); status != 200 {
		return public.AuthResult{}, fmt.Errorf("device login: %d %s", status, page)
	}
	return dc.AuthenticationResult(c)
}

func TestDeviceCodeSignIn(t *testing.T) {
	e := start(t, emulator.Options{})
	res, err := deviceCodeToken(t, e, emulator.GraphCLIClientID, "admin@contoso.com", registrationScopes)
	if err != nil {
		t.Fatal(err)
	}
	cl := claims(t, res.AccessToken)
	scp := strings.Fields(as[string](t, cl["scp"]))
	for _, want := range []string{"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All"} {
		if !slices.Contains(scp, want) {
			t.Errorf("scp %v lacks %s", scp, want)
		}
	}
	wids, _ := cl["wids"].([]any)
	if cl["idtyp"] != "user" || cl["upn"] != "admin@contoso.com" || cl["appid"] != emulator.GraphCLIClientID || !slices.Contains(wids, any(emulator.RoleGlobalAdministrator)) || cl["roles"] != nil {
		t.Fatalf("claims %v", cl)
	}
	if res.Account.PreferredUsername != "admin@contoso.com" {
		t.Fatalf("account %+v", res.Account)
	}
	// The consent given at sign-in is the tenant's, for this person.
	graphCLI, _ := e.Portal().ServicePrincipalByAppID(emulator.GraphCLIClientID)
	if g := e.Portal().DelegatedGrants(graphCLI.ObjectID); len(g) != 1 || g[0].ConsentType != "Principal" || g[0].PrincipalID != e.Seed().Users[0].ID {
		t.Fatalf("grants %+v", g)
	}
}

func TestDeviceCodePendingUntilSignIn(t *testing.T) {
	e := start(t, emulator.Options{})
	c, cancel := context.WithCancel(ctx(t))
	dc, err := publicClient(t, e, emulator.GraphCLIClientID).AcquireTokenByDeviceCode(c, registrationScopes)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := dc.AuthenticationResult(c); done <- err }()
	// MSAL polls, and hears authorization_pending, until the person signs in.
	tokenPath := "/" + e.Seed().TenantID + "/oauth2/v2.0/token"
	pendingAnswers := func() int {
		n := 0
		for _, r := range requestsTo(e, tokenPath) {
			if r.Code == "authorization_pending" {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(10 * time.Second); pendingAnswers() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("MSAL never heard authorization_pending")
		}
		time.Sleep(10 * time.Millisecond) // waiting for MSAL's first poll, not for a result
	}
	// A wrong password does not end the wait.
	if status, _ := submit(t, e.HTTPClient(), e.URL()+"/devicelogin", url.Values{"otc": {dc.Result.UserCode}, "login": {"admin@contoso.com"}, "passwd": {"wrong"}}); status != 400 {
		t.Fatalf("wrong password: %d", status)
	}
	select {
	case err := <-done:
		t.Fatalf("the wait ended without the person: %v", err)
	default:
	}
	if status, _ := approveDevice(t, e, dc.Result.UserCode, "admin@contoso.com"); status != 200 {
		t.Fatalf("device login: %d", status)
	}
	if err := <-done; err != nil {
		t.Fatalf("after the sign-in: %v", err)
	}
	cancel()
}

// TestConsentNeedsAnAdministrator: a member may not consent to scopes only an administrator
// can grant; the sign-in page says so and no token is issued.
func TestConsentNeedsAnAdministrator(t *testing.T) {
	e := start(t, emulator.Options{})
	dc, err := publicClient(t, e, emulator.GraphCLIClientID).AcquireTokenByDeviceCode(ctx(t), registrationScopes)
	if err != nil {
		t.Fatal(err)
	}
	status, page := approveDevice(t, e, dc.Result.UserCode, "adele.vance@contoso.com")
	if status != 403 || !strings.Contains(page, "AADSTS90094") {
		t.Fatalf("%d %s", status, page)
	}
	// The device hears the refusal at its next poll and stops waiting.
	if _, err := dc.AuthenticationResult(ctx(t)); err == nil || !strings.Contains(err.Error(), "authorization_declined") || !strings.Contains(err.Error(), "AADSTS90094") {
		t.Fatalf("device after the refusal: %v", err)
	}
}

func TestBrowserSignIn(t *testing.T) {
	e := start(t, emulator.Options{})
	c := ctx(t)
	pc := publicClient(t, e, emulator.GraphCLIClientID)
	res, err := pc.AcquireTokenInteractive(c, registrationScopes, public.WithOpenURL(e.BrowserAs("roleadmin@contoso.com")))
	if err != nil {
		t.Fatal(err)
	}
	cl := claims(t, res.AccessToken)
	if cl["upn"] != "roleadmin@contoso.com" || !strings.Contains(as[string](t, cl["scp"]), "AppRoleAssignment.ReadWrite.All") {
		t.Fatalf("claims %v", cl)
	}
	// The next call is served from MSAL's cache: no second sign-in.
	again, err := pc.AcquireTokenSilent(c, registrationScopes, public.WithSilentAccount(res.Account))
	if err != nil || again.AccessToken != res.AccessToken {
		t.Fatalf("silent: %v", err)
	}
}

func TestAuthorizationCodeChecksPKCE(t *testing.T) {
	e := start(t, emulator.Options{})
	tenant := e.Seed().TenantID
	const verifier = "a-verifier-of-forty-three-characters-or-more-0123456789"
	sum := sha256.Sum256([]byte(verifier)) // RFC 7636 4.2: BASE64URL(SHA256(ASCII(verifier)))
	q := url.Values{"client_id": {emulator.GraphCLIClientID}, "response_type": {"code"}, "redirect_uri": {"http://localhost:8400"},
		"scope": {"User.Read"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}, "state": {"s1"}}
	q.Set("login", "admin@contoso.com")
	q.Set("passwd", emulator.SeedUserPassword)
	hc := *e.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.PostForm(e.URL()+"/"+tenant+"/oauth2/v2.0/authorize", q)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if resp.StatusCode != 302 || code == "" || loc.Query().Get("state") != "s1" {
		t.Fatalf("authorize: %d %s", resp.StatusCode, loc)
	}
	redeem := url.Values{"grant_type": {"authorization_code"}, "client_id": {emulator.GraphCLIClientID}, "code": {code}, "redirect_uri": {"http://localhost:8400"}, "scope": {"User.Read"}}
	redeem.Set("code_verifier", "not-the-verifier")
	status, body := postForm(t, e, "/"+tenant+"/oauth2/v2.0/token", redeem, "", "")
	if status != 400 || !strings.Contains(fmt.Sprint(body["error_description"]), "AADSTS50148") {
		t.Fatalf("wrong verifier: %d %v", status, body)
	}
	redeem.Set("code_verifier", verifier)
	if status, body := postForm(t, e, "/"+tenant+"/oauth2/v2.0/token", redeem, "", ""); status != 200 || body["access_token"] == nil {
		t.Fatalf("right verifier: %d %v", status, body)
	}
	if status, body := postForm(t, e, "/"+tenant+"/oauth2/v2.0/token", redeem, "", ""); status != 400 || !strings.Contains(fmt.Sprint(body["error_description"]), "AADSTS54005") {
		t.Fatalf("code redeemed twice: %d %v", status, body)
	}
}

// azureCLIGraph is msgraph-sdk-go signed in as upn through the Azure CLI's client, whose
// Graph scopes are pre-authorized: what is left to decide a call is the person's role.
func azureCLIGraph(t *testing.T, e *emulator.Emulator, upn string) staticTokens {
	t.Helper()
	res, err := deviceCodeToken(t, e, emulator.AzureCLIClientID, upn, []string{"https://graph.microsoft.com/.default"})
	if err != nil {
		t.Fatalf("sign in as %s: %v", upn, err)
	}
	return staticTokens{tok: res.AccessToken}
}

// TestPasswordSignIn: the username and password flow `az login -u` uses; no consent can be
// given in it, so the client's scopes must be consented or pre-authorized.
func TestPasswordSignIn(t *testing.T) {
	e := start(t, emulator.Options{})
	c := ctx(t)
	//nolint:staticcheck // MSAL deprecates the flow, but clients (az login -u) still use it against Entra
	res, err := publicClient(t, e, emulator.AzureCLIClientID).AcquireTokenByUsernamePassword(c, []string{"https://graph.microsoft.com/.default"}, "appadmin@contoso.com", emulator.SeedUserPassword)
	if err != nil {
		t.Fatal(err)
	}
	if cl := claims(t, res.AccessToken); cl["upn"] != "appadmin@contoso.com" || !strings.Contains(as[string](t, cl["scp"]), "Application.ReadWrite.All") {
		t.Fatalf("claims %v", cl)
	}
	//nolint:staticcheck // as above
	_, err = publicClient(t, e, emulator.AzureCLIClientID).AcquireTokenByUsernamePassword(c, []string{"https://graph.microsoft.com/.default"}, "appadmin@contoso.com", "wrong")
	if err == nil || !strings.Contains(err.Error(), "AADSTS50126") {
		t.Fatalf("wrong password: %v", err)
	}
	//nolint:staticcheck // as above
	_, err = publicClient(t, e, emulator.GraphCLIClientID).AcquireTokenByUsernamePassword(c, registrationScopes, "admin@contoso.com", emulator.SeedUserPassword)
	if err == nil || !strings.Contains(err.Error(), "AADSTS65001") {
		t.Fatalf("scopes never consented: %v", err)
	}
}

// TestDelegatedCallsNeedTheRole: Graph authorizes a person's call when both the token's
// scopes and the person's directory role allow it; Microsoft Graph's app roles need a
// Global or Privileged Role Administrator.
func TestDelegatedCallsNeedTheRole(t *testing.T) {
	e := start(t, emulator.Options{})
	seed := e.Seed()
	for _, tc := range []struct {
		upn                               string
		consentGraph, consentOther, grant bool
	}{
		{"admin@contoso.com", true, true, true},
		{"roleadmin@contoso.com", true, true, true},
		{"appadmin@contoso.com", false, true, true},
		{"cloudappadmin@contoso.com", false, true, true},
		{"adele.vance@contoso.com", false, false, false},
	} {
		t.Run(tc.upn, func(t *testing.T) {
			g := graphClientWith(t, e, azureCLIGraph(t, e, tc.upn))
			c := ctx(t)
			app, err := g.Applications().Post(c, newApp("By "+tc.upn), nil)
			if err != nil {
				t.Fatalf("register (any member may): %v", err)
			}
			body := models.NewServicePrincipal()
			body.SetAppId(app.GetAppId())
			sp, err := g.ServicePrincipals().Post(c, body, nil)
			if err != nil {
				t.Fatalf("service principal of the own application: %v", err)
			}
			assign := func(resourceID, roleID string) error {
				a := models.NewAppRoleAssignment()
				a.SetPrincipalId(ptrUUID(t, *sp.GetId()))
				a.SetResourceId(ptrUUID(t, resourceID))
				a.SetAppRoleId(ptrUUID(t, roleID))
				_, err := g.ServicePrincipals().ByServicePrincipalId(resourceID).AppRoleAssignedTo().Post(c, a, nil)
				return err
			}
			check := func(what string, err error, allowed bool) {
				t.Helper()
				if allowed && err != nil {
					t.Errorf("%s: %v", what, err)
				}
				if !allowed {
					if status, code, _ := graphErr(t, err); status != 403 || code != "Authorization_RequestDenied" {
						t.Errorf("%s: %d %s, want 403 Authorization_RequestDenied", what, status, code)
					}
				}
			}
			check("consent to a Graph app role", assign(seed.GraphServicePrincipalID, "df021288-bdef-4463-88db-98f22de89214"), tc.consentGraph)
			check("consent to an Exchange app role", assign(seed.ExchangeServicePrincipalID, "dc890d15-9560-4a4c-9b7f-a736ec74ec40"), tc.consentOther)
			gr := models.NewOAuth2PermissionGrant()
			gr.SetClientId(sp.GetId())
			gr.SetResourceId(ptr(seed.GraphServicePrincipalID))
			gr.SetConsentType(ptr("AllPrincipals"))
			gr.SetScope(ptr("User.Read"))
			_, err = g.Oauth2PermissionGrants().Post(c, gr, nil)
			check("delegated consent for all users", err, tc.grant)
		})
	}

	// Without a role a person manages only what they own.
	other, _ := e.Portal().CreateApplication("Someone else's")
	g := graphClientWith(t, e, azureCLIGraph(t, e, "adele.vance@contoso.com"))
	err := g.Applications().ByApplicationId(other.ObjectID).Delete(ctx(t), nil)
	wantGraphErr(t, err, 403, "Authorization_RequestDenied", "")
}

// TestAdminConsentEndpoint: the hand-off: an application registered with its permissions is
// consented by an administrator at the admin consent endpoint; an Application Administrator
// may not consent to Microsoft Graph's app roles.
func TestAdminConsentEndpoint(t *testing.T) {
	e := start(t, emulator.Options{})
	seed := e.Seed()
	app, secret := e.Portal().CreateApplication("Hand-off")
	rra := []emulator.RequiredResourceAccess{{ResourceAppID: emulator.GraphAppID, ResourceAccess: []emulator.ResourceAccess{
		{ID: "df021288-bdef-4463-88db-98f22de89214", Type: "Role"},  // User.Read.All
		{ID: "e1fe6dd8-ba31-4d61-89e7-88639da4683d", Type: "Scope"}, // User.Read
	}}}
	if err := e.Portal().SetRequiredResourceAccess(app.ObjectID, rra); err != nil {
		t.Fatal(err)
	}
	endpoint := e.URL() + "/" + seed.TenantID + "/adminconsent"
	status, page := submit(t, e.HTTPClient(), endpoint, url.Values{"client_id": {app.AppID}, "login": {"appadmin@contoso.com"}, "passwd": {emulator.SeedUserPassword}})
	if status != 403 || !strings.Contains(page, "AADSTS90094") {
		t.Fatalf("application administrator: %d %s", status, page)
	}
	status, page = submit(t, e.HTTPClient(), endpoint, url.Values{"client_id": {app.AppID}, "login": {"admin@contoso.com"}, "passwd": {emulator.SeedUserPassword}})
	if status != 200 || !strings.Contains(page, "Permissions granted") {
		t.Fatalf("global administrator: %d %s", status, page)
	}
	tok, err := token(t, e, app.AppID, secret, graphScope)
	if err != nil {
		t.Fatal(err)
	}
	if r := roles(t, tok); !slices.Equal(r, []string{"User.Read.All"}) {
		t.Fatalf("roles after admin consent %v", r)
	}
	sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)
	if g := e.Portal().DelegatedGrants(sp.ObjectID); len(g) != 1 || g[0].ConsentType != "AllPrincipals" || g[0].Scope != "User.Read" {
		t.Fatalf("grants %+v", g)
	}
}

func ptrUUID(t *testing.T, s string) *uuid.UUID {
	t.Helper()
	u, err := uuid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return &u
}
