package tenant_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/retry"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

// These tests drive every Client method through the real path: MSAL
// credential -> tenant client (msgraph-sdk-go + kiota middleware) ->
// the tenant emulator over TLS.

const (
	graphAppID      = "00000003-0000-0000-c000-000000000000"
	graphResource   = "https://graph.microsoft.com"
	roleUserReadAll = "df021288-bdef-4463-88db-98f22de89214"
	roleMailRW      = "e2a3a72e-5f79-4c64-b1b1-878b674786c9"
	scopeUserRead   = "e1fe6dd8-ba31-4d61-89e7-88639da4683d"
)

// fast keeps replication waits short; the emulator's lag is set per test.
var fast = tenant.Backoff{Initial: 50 * time.Millisecond, Max: 400 * time.Millisecond, Timeout: 30 * time.Second}

// quickRetry keeps throttling retries short: a persistent 429 gives up within 1.5 s, while a
// Retry-After of 1 s still fits.
var quickRetry = retry.Policy{Budget: 1500 * time.Millisecond, First: 10 * time.Millisecond, MaxDelay: 100 * time.Millisecond}

func startEmulator(t *testing.T) *emulator.Emulator {
	t.Helper()
	e, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// client signs in as clientID/secret (the bootstrap app if empty).
func client(t *testing.T, e *emulator.Emulator, clientID, secret string, b tenant.Backoff) *tenant.Client {
	t.Helper()
	s := e.Seed()
	if clientID == "" {
		clientID, secret = s.BootstrapClientID, s.BootstrapSecret
	}
	hc, err := auth.NewHTTPClient(e.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := auth.NewClientSecretCredential(auth.ClientSecretOptions{
		AuthorityHost: e.URL(), TenantID: s.TenantID, ClientID: clientID, ClientSecret: secret, HTTPClient: hc,
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := tenant.New(tenant.Config{
		Endpoint: e.URL(),
		Resource: graphResource, // never the emulator's URL: Graph checks the audience
		Tokens: func(ctx context.Context, resource string) (string, error) {
			tok, err := cred.Token(ctx, resource)
			return tok.Value, err
		},
		HTTPClient: hc,
		Backoff:    b,
		Retry:      quickRetry,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// graphRequests are the logged requests for method and path (after /v1.0).
func graphRequests(e *emulator.Emulator, method, path string) []emulator.Request {
	var out []emulator.Request
	for _, r := range e.Requests() {
		if r.Method == method && r.Path == "/v1.0"+path {
			out = append(out, r)
		}
	}
	return out
}

func statuses(rs []emulator.Request) []int {
	var out []int
	for _, r := range rs {
		out = append(out, r.Status)
	}
	return out
}

func TestRegistrationLifecycle(t *testing.T) {
	e := startEmulator(t)
	s := e.Seed()
	c := client(t, e, "", "", fast)
	ctx := context.Background()

	graphSP, err := c.Catalogue(ctx, graphAppID)
	if err != nil {
		t.Fatal(err)
	}
	if graphSP.ObjectID != s.GraphServicePrincipalID || !hasPermission(graphSP.AppRoles, roleUserReadAll, "User.Read.All") ||
		!hasPermission(graphSP.Scopes, scopeUserRead, "User.Read") {
		t.Fatalf("catalogue: %+v", graphSP)
	}

	access := []tenant.ResourceAccess{{ResourceAppID: graphAppID, Roles: []string{roleUserReadAll}, Scopes: []string{scopeUserRead}}}
	app, err := c.CreateApplication(ctx, "Stellar migration", access)
	if err != nil {
		t.Fatal(err)
	}
	if app.ObjectID == "" || app.AppID == "" || app.DisplayName != "Stellar migration" || !slices.EqualFunc(app.RequiredResourceAccess, access, equalAccess) {
		t.Fatalf("created %+v", app)
	}
	if got, err := c.GetApplication(ctx, app.ObjectID); err != nil || got.AppID != app.AppID {
		t.Fatalf("GetApplication: %+v %v", got, err)
	}
	if got, err := c.FindApplicationByAppID(ctx, app.AppID); err != nil || got.ObjectID != app.ObjectID {
		t.Fatalf("FindApplicationByAppID: %+v %v", got, err)
	}

	// Update the name alone, then the permissions alone, then clear them.
	newName := "Stellar migration (prod)"
	if err := c.UpdateApplication(ctx, app.ObjectID, &newName, nil); err != nil {
		t.Fatal(err)
	}
	access2 := []tenant.ResourceAccess{{ResourceAppID: graphAppID, Roles: []string{roleUserReadAll, roleMailRW}}}
	if err := c.UpdateApplication(ctx, app.ObjectID, nil, access2); err != nil {
		t.Fatal(err)
	}
	got, _ := e.Portal().Application(app.ObjectID)
	if got.DisplayName != newName || len(got.RequiredResourceAccess) != 1 || len(got.RequiredResourceAccess[0].ResourceAccess) != 2 {
		t.Fatalf("after updates: %+v", got)
	}
	if err := c.UpdateApplication(ctx, app.ObjectID, nil, []tenant.ResourceAccess{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.Portal().Application(app.ObjectID); len(got.RequiredResourceAccess) != 0 || got.DisplayName != newName {
		t.Fatalf("after clearing permissions: %+v", got)
	}

	// A secret, which the new app can sign in with once it has its SP and roles.
	end := time.Now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Second)
	pw, err := c.AddPassword(ctx, app.ObjectID, "terraform", end)
	if err != nil {
		t.Fatal(err)
	}
	if pw.KeyID == "" || len(pw.SecretText) < 16 || !strings.HasPrefix(pw.SecretText, pw.Hint) || !pw.End.Equal(end) || pw.DisplayName != "terraform" {
		t.Fatalf("password %+v (end %v)", pw, end)
	}

	sp, err := c.CreateServicePrincipal(ctx, app.AppID)
	if err != nil {
		t.Fatal(err)
	}
	if sp.AppID != app.AppID || sp.ObjectID == "" {
		t.Fatalf("sp %+v", sp)
	}
	again, err := c.CreateServicePrincipal(ctx, app.AppID) // 409: returns the existing one
	if err != nil || again.ObjectID != sp.ObjectID {
		t.Fatalf("second CreateServicePrincipal: %+v %v", again, err)
	}
	if found, err := c.FindServicePrincipal(ctx, app.AppID); err != nil || found.ObjectID != sp.ObjectID {
		t.Fatalf("FindServicePrincipal: %+v %v", found, err)
	}

	wanted := []tenant.AppRoleAssignment{{ResourceID: graphSP.ObjectID, AppRoleID: roleUserReadAll}, {ResourceID: graphSP.ObjectID, AppRoleID: roleMailRW}}
	assigned, err := c.AssignAppRoles(ctx, sp.ObjectID, wanted)
	if err != nil || len(assigned) != 2 || assigned[0].ID == "" || assigned[1].AppRoleID != roleMailRW || assigned[0].PrincipalID != sp.ObjectID {
		t.Fatalf("AssignAppRoles: %+v %v", assigned, err)
	}
	// Assigning again is not an error and yields the same assignments.
	reassigned, err := c.AssignAppRoles(ctx, sp.ObjectID, wanted)
	if err != nil || !slices.Equal(reassigned, assigned) {
		t.Fatalf("re-AssignAppRoles: %+v %v, want %+v", reassigned, err, assigned)
	}
	listed, err := c.AppRoleAssignments(ctx, sp.ObjectID)
	if err != nil || len(listed) != 2 {
		t.Fatalf("AppRoleAssignments: %+v %v", listed, err)
	}

	// The new app signs in with the new secret and holds the assigned roles.
	hc, _ := auth.NewHTTPClient(e.CAFile())
	cred, _ := auth.NewClientSecretCredential(auth.ClientSecretOptions{AuthorityHost: e.URL(), TenantID: s.TenantID, ClientID: app.AppID, ClientSecret: pw.SecretText, HTTPClient: hc})
	tok, err := cred.Token(ctx, graphResource)
	if err != nil {
		t.Fatalf("new app sign-in: %v", err)
	}
	if claims, _ := auth.ParseClaims(tok.Value); !slices.Contains(claims.Roles, "Mail.ReadWrite") || claims.AppID != app.AppID {
		t.Fatalf("new app's claims: %+v", claims)
	}

	grant, err := c.CreateDelegatedGrant(ctx, tenant.DelegatedGrant{ClientID: sp.ObjectID, ResourceID: graphSP.ObjectID, Scopes: []string{"User.Read"}})
	if err != nil || grant.ID == "" || grant.ConsentType != tenant.ConsentAllPrincipals || !slices.Equal(grant.Scopes, []string{"User.Read"}) {
		t.Fatalf("CreateDelegatedGrant: %+v %v", grant, err)
	}
	// A second create for the same pair adopts the grant and sets its scopes.
	adopted, err := c.CreateDelegatedGrant(ctx, tenant.DelegatedGrant{ClientID: sp.ObjectID, ResourceID: graphSP.ObjectID, Scopes: []string{"User.Read", "Mail.Send"}})
	if err != nil || adopted.ID != grant.ID || !slices.Equal(adopted.Scopes, []string{"User.Read", "Mail.Send"}) {
		t.Fatalf("adopting CreateDelegatedGrant: %+v %v", adopted, err)
	}
	if err := c.UpdateDelegatedGrant(ctx, grant.ID, []string{"User.Read", "offline_access"}); err != nil {
		t.Fatal(err)
	}
	grants, err := c.DelegatedGrants(ctx, sp.ObjectID)
	if err != nil || len(grants) != 1 || !slices.Equal(grants[0].Scopes, []string{"User.Read", "offline_access"}) || grants[0].ResourceID != graphSP.ObjectID {
		t.Fatalf("DelegatedGrants: %+v %v", grants, err)
	}

	reg, err := c.ReadRegistration(ctx, app.ObjectID, "")
	if err != nil {
		t.Fatal(err)
	}
	if reg.Application.DisplayName != newName || reg.ServicePrincipal == nil || reg.ServicePrincipal.ObjectID != sp.ObjectID ||
		len(reg.Assignments) != 2 || len(reg.Grants) != 1 || len(reg.Application.Passwords) != 1 || reg.Application.Passwords[0].SecretText != "" {
		t.Fatalf("ReadRegistration: %+v", reg)
	}

	// Tear down piece by piece.
	if err := c.RemoveAppRoleAssignments(ctx, assigned[:1]); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveAppRoleAssignments(ctx, assigned); err != nil { // the first is already gone: fine
		t.Fatal(err)
	}
	if left := e.Portal().AppRoleAssignments(sp.ObjectID); len(left) != 0 {
		t.Fatalf("assignments left: %+v", left)
	}
	if err := c.DeleteDelegatedGrant(ctx, grant.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteDelegatedGrant(ctx, grant.ID); !errors.Is(err, tenant.ErrNotFound) {
		t.Fatalf("second DeleteDelegatedGrant: %v", err)
	}
	if err := c.RemovePassword(ctx, app.ObjectID, pw.KeyID); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.Portal().Application(app.ObjectID); len(got.Passwords) != 0 {
		t.Fatalf("passwords left: %+v", got.Passwords)
	}

	if err := c.DeleteApplication(ctx, app.ObjectID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetApplication(ctx, app.ObjectID); !errors.Is(err, tenant.ErrNotFound) {
		t.Fatalf("GetApplication after delete: %v", err)
	}
	if _, err := c.ReadRegistration(ctx, app.ObjectID, ""); !errors.Is(err, tenant.ErrNotFound) {
		t.Fatalf("ReadRegistration after delete: %v", err)
	}
	if err := c.DeleteApplication(ctx, app.ObjectID); !errors.Is(err, tenant.ErrNotFound) {
		t.Fatalf("second DeleteApplication: %v", err)
	}
	if _, err := c.FindServicePrincipal(ctx, app.AppID); !errors.Is(err, tenant.ErrNotFound) {
		t.Fatalf("the SP should go with its app: %v", err)
	}
	if deleted := e.Portal().DeletedApplications(); len(deleted) != 1 || deleted[0].ObjectID != app.ObjectID {
		t.Fatalf("deleted items: %+v", deleted)
	}
	if err := c.PurgeDeletedApplication(ctx, app.ObjectID); err != nil {
		t.Fatal(err)
	}
	if err := c.PurgeDeletedApplication(ctx, app.ObjectID); !errors.Is(err, tenant.ErrNotFound) {
		t.Fatalf("second purge: %v", err)
	}
	if deleted := e.Portal().DeletedApplications(); len(deleted) != 0 {
		t.Fatalf("deleted items after purge: %+v", deleted)
	}
}

func hasPermission(ps []tenant.Permission, id, value string) bool {
	return slices.ContainsFunc(ps, func(p tenant.Permission) bool {
		return p.ID == id && p.Value == value && p.Enabled && p.DisplayName != ""
	})
}

func equalAccess(a, b tenant.ResourceAccess) bool {
	return a.ResourceAppID == b.ResourceAppID && slices.Equal(a.Roles, b.Roles) && slices.Equal(a.Scopes, b.Scopes)
}

// The catalogue is fetched once per Client, even under concurrent callers.
func TestCatalogueCached(t *testing.T) {
	e := startEmulator(t)
	c := client(t, e, "", "", fast)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sp, err := c.Catalogue(ctx, graphAppID)
			if err != nil || len(sp.AppRoles) == 0 {
				t.Errorf("Catalogue: %v", err)
				return
			}
			sp.AppRoles[0].Value = "mutated" // a caller's copy; the cache must not change
		}()
	}
	wg.Wait()
	if n := len(graphRequests(e, "GET", "/servicePrincipals")); n != 1 {
		t.Errorf("%d catalogue requests, want 1", n)
	}
	sp, _ := c.Catalogue(ctx, graphAppID)
	if slices.ContainsFunc(sp.AppRoles, func(p tenant.Permission) bool { return p.Value == "mutated" }) {
		t.Error("a caller's change reached the cache")
	}
	if _, err := c.Catalogue(ctx, "99999999-0000-0000-0000-000000000000"); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("unknown resource: %v", err)
	}
}

func TestUsersAndOrganization(t *testing.T) {
	e := startEmulator(t)
	s := e.Seed()
	ctx := context.Background()
	// Reading mailbox settings takes MailboxSettings.Read, which the bootstrap app lacks.
	reader, secret := e.Portal().CreateApplication("mailbox reader", "User.Read.All", "MailboxSettings.Read")
	c := client(t, e, reader.AppID, secret, fast)
	boot := client(t, e, "", "", fast)

	org, err := boot.Organization(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if org.ID != s.TenantID || org.DefaultDomain != s.TenantDomain || !slices.Contains(org.VerifiedDomains, s.InitialDomain) || org.DisplayName == "" {
		t.Fatalf("organization %+v", org)
	}

	for _, su := range s.Users {
		for _, ref := range []string{su.UPN, su.ID} {
			u, err := c.GetUser(ctx, ref)
			if err != nil || u.ID != su.ID || !strings.EqualFold(u.UserPrincipalName, su.UPN) {
				t.Fatalf("GetUser(%s): %+v %v", ref, u, err)
			}
		}
		has, err := c.HasMailbox(ctx, su.ID)
		if err != nil || has != su.HasMailbox {
			t.Errorf("HasMailbox(%s) = %v, %v; want %v", su.UPN, has, err, su.HasMailbox)
		}
	}

	if _, err := c.GetUser(ctx, "nobody@"+s.TenantDomain); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("missing user: %v", err)
	}
	if _, err := c.HasMailbox(ctx, "nobody@"+s.TenantDomain); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("mailbox of a missing user: %v", err)
	}
	// 403 from the Exchange side of Graph maps like any other.
	_, err = boot.HasMailbox(ctx, s.Users[0].ID)
	var te *tenant.Error
	if !errors.Is(err, tenant.ErrForbidden) || !errors.As(err, &te) || te.Status != 403 || te.Op != "HasMailbox" {
		t.Errorf("bootstrap HasMailbox: %v", err)
	}
}

// Graph's 404 and 403 arrive as *tenant.Error with code, message and
// request-id, and match the sentinels.
func TestErrorMapping(t *testing.T) {
	e := startEmulator(t)
	ctx := context.Background()
	c := client(t, e, "", "", fast)

	_, err := c.GetApplication(ctx, "0b9a4a4e-5a5d-4c8e-9a0a-000000000000")
	var te *tenant.Error
	if !errors.As(err, &te) || !errors.Is(err, tenant.ErrNotFound) || te.Status != 404 || te.Code != "Request_ResourceNotFound" ||
		te.Message == "" || te.RequestID == "" || te.Op != "GetApplication" {
		t.Fatalf("404: %#v", err)
	}

	limited, secret := e.Portal().CreateApplication("read only", "User.Read.All")
	lc := client(t, e, limited.AppID, secret, fast)
	_, err = lc.CreateApplication(ctx, "not allowed", nil)
	if !errors.As(err, &te) || !errors.Is(err, tenant.ErrForbidden) || te.Code != "Authorization_RequestDenied" || te.Op != "CreateApplication" {
		t.Fatalf("403: %#v", err)
	}
	if !strings.Contains(err.Error(), "HTTP 403 Authorization_RequestDenied") {
		t.Errorf("Error() = %q", err.Error())
	}

	// A sign-in failure comes through as the *auth.Error, not a Graph error.
	bad := client(t, e, limited.AppID, secret+"x", fast)
	_, err = bad.Organization(ctx)
	var ae *auth.Error
	if !errors.As(err, &ae) || ae.Code != 7000215 || errors.As(err, &te) {
		t.Fatalf("sign-in failure: %#v", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatal("error contains the secret")
	}
}

// With replication lag, each step of a registration fails at first the way
// Entra does, and the client waits it out.
func TestReplicationLag(t *testing.T) {
	e := startEmulator(t)
	ctx := context.Background()
	c := client(t, e, "", "", fast)
	graphSP, err := c.Catalogue(ctx, graphAppID)
	if err != nil {
		t.Fatal(err)
	}
	// An app that has replicated before the lag starts, for the grant step.
	app3, err := c.CreateApplication(ctx, "lagging 3", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.SetReplicationLag(1500 * time.Millisecond)

	// Each step meets a freshly written object, as in a real create.
	app1, err := c.CreateApplication(ctx, "lagging 1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddPassword(ctx, app1.ObjectID, "s", time.Time{}); err != nil {
		t.Fatalf("AddPassword: %v", err)
	}

	app2, err := c.CreateApplication(ctx, "lagging 2", nil)
	if err != nil {
		t.Fatal(err)
	}
	sp2, err := c.CreateServicePrincipal(ctx, app2.AppID)
	if err != nil {
		t.Fatalf("CreateServicePrincipal: %v", err)
	}
	as, err := c.AssignAppRoles(ctx, sp2.ObjectID, []tenant.AppRoleAssignment{{ResourceID: graphSP.ObjectID, AppRoleID: roleUserReadAll}})
	if err != nil || len(as) != 1 {
		t.Fatalf("AssignAppRoles: %+v %v", as, err)
	}

	sp3, err := c.CreateServicePrincipal(ctx, app3.AppID)
	if err != nil {
		t.Fatalf("CreateServicePrincipal: %v", err)
	}
	g, err := c.CreateDelegatedGrant(ctx, tenant.DelegatedGrant{ClientID: sp3.ObjectID, ResourceID: graphSP.ObjectID, Scopes: []string{"User.Read"}})
	if err != nil || g.ID == "" {
		t.Fatalf("CreateDelegatedGrant: %+v %v", g, err)
	}
	// 409 for an SP written a moment ago, whose read then lags too.
	app4, err := c.CreateApplication(ctx, "lagging 4", nil)
	if err != nil {
		t.Fatal(err)
	}
	sp4, err := c.CreateServicePrincipal(ctx, app4.AppID)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := c.CreateServicePrincipal(ctx, app4.AppID); err != nil || again.ObjectID != sp4.ObjectID {
		t.Fatalf("CreateServicePrincipal again: %+v %v", again, err)
	}

	for _, step := range []struct {
		method, path string
		lagStatus    int
	}{
		{"POST", "/applications/" + app1.ObjectID + "/addPassword", 404},
		{"POST", "/servicePrincipals", 400},
		{"POST", "/servicePrincipals/" + graphSP.ObjectID + "/appRoleAssignedTo", 400},
		{"POST", "/oauth2PermissionGrants", 404},
	} {
		st := statuses(graphRequests(e, step.method, step.path))
		if len(st) < 2 || (step.lagStatus != 0 && st[0] != step.lagStatus) || !slices.ContainsFunc(st, func(s int) bool { return s < 300 }) {
			t.Errorf("%s %s: statuses %v, want a lag error (%d) then success", step.method, step.path, st, step.lagStatus)
		}
	}
}

// Lag that never clears ends in the Graph error once the backoff's time is up.
func TestReplicationLagGivesUp(t *testing.T) {
	e := startEmulator(t)
	ctx := context.Background()
	c := client(t, e, "", "", tenant.Backoff{Initial: 20 * time.Millisecond, Max: 50 * time.Millisecond, Timeout: 500 * time.Millisecond})
	graphSP, err := c.Catalogue(ctx, graphAppID)
	if err != nil {
		t.Fatal(err)
	}
	e.Inject(emulator.Fault{Method: "POST", PathRegexp: "^/v1.0/oauth2PermissionGrants$", Status: 404, Code: "Directory_ObjectNotFound", Message: "Unable to read the company information from the directory."})
	start := time.Now()
	_, err = c.CreateDelegatedGrant(ctx, tenant.DelegatedGrant{ClientID: graphSP.ObjectID, ResourceID: graphSP.ObjectID, Scopes: []string{"User.Read"}})
	var te *tenant.Error
	if !errors.As(err, &te) || te.Code != "Directory_ObjectNotFound" || !strings.Contains(err.Error(), "replication") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("gave up after %v", d)
	}
	if n := len(graphRequests(e, "POST", "/oauth2PermissionGrants")); n < 3 {
		t.Errorf("only %d attempts", n)
	}

	// A context that ends first stops the wait.
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	slow := client(t, e, "", "", tenant.Backoff{Initial: time.Minute, Timeout: time.Hour})
	_, err = slow.CreateDelegatedGrant(cctx, tenant.DelegatedGrant{ClientID: graphSP.ObjectID, ResourceID: graphSP.ObjectID, Scopes: []string{"User.Read"}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ctx: %v", err)
	}
}

// 429 with Retry-After is retried by the SDK's RetryHandler, for a GET and
// for a POST whose (gzipped) body must be sent again.
func TestThrottlingRetried(t *testing.T) {
	e := startEmulator(t)
	ctx := context.Background()
	c := client(t, e, "", "", fast)
	if _, err := c.Organization(ctx); err != nil { // sign in first so timing covers Graph only
		t.Fatal(err)
	}
	e.ResetRequests()

	e.Inject(emulator.Fault{Method: "GET", PathRegexp: "^/v1.0/organization$", Times: 1, Status: 429, RetryAfter: "1"})
	start := time.Now()
	if _, err := c.Organization(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v; Retry-After asked for 1s", d)
	}
	if st := statuses(graphRequests(e, "GET", "/organization")); !slices.Equal(st, []int{429, 200}) {
		t.Errorf("statuses %v", st)
	}

	e.Inject(emulator.Fault{Method: "POST", PathRegexp: "^/v1.0/applications$", Times: 2, Status: 429, RetryAfter: "0"})
	app, err := c.CreateApplication(ctx, "throttled", []tenant.ResourceAccess{{ResourceAppID: graphAppID, Roles: []string{roleUserReadAll}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := e.Portal().Application(app.ObjectID); got.DisplayName != "throttled" || len(got.RequiredResourceAccess) != 1 {
		t.Fatalf("body lost on retry: %+v", got)
	}
	if st := statuses(graphRequests(e, "POST", "/applications")); !slices.Equal(st, []int{429, 429, 201}) {
		t.Errorf("statuses %v", st)
	}

	// Throttling that outlasts the SDK's retries surfaces as a 429 *Error.
	e.Inject(emulator.Fault{Method: "GET", PathRegexp: "^/v1.0/users/", Status: 429, RetryAfter: "0"})
	_, err = c.GetUser(ctx, e.Seed().Users[0].ID)
	var te *tenant.Error
	if !errors.As(err, &te) || te.Status != 429 || te.Code != "TooManyRequests" || !strings.Contains(te.Retried, "attempts over") {
		t.Fatalf("persistent 429: %v (retried %q)", err, te.Retried)
	}
}
