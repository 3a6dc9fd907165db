package emulator_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/oauth2permissiongrants"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// Permission ids from Microsoft's catalogue (see the reference notes).
const (
	userReadAllRole = "df021288-bdef-4463-88db-98f22de89214"
	mailRWRole      = "e2a3a72e-5f79-4c64-b1b1-878b674786c9"
	mailboxRWRole   = "6931bccd-447a-43d1-b442-00a195474933"
	userReadScope   = "e1fe6dd8-ba31-4d61-89e7-88639da4683d"
)

func newApp(name string, access ...models.RequiredResourceAccessable) models.Applicationable {
	a := models.NewApplication()
	a.SetDisplayName(ptr(name))
	if access != nil {
		a.SetRequiredResourceAccess(access)
	}
	return a
}

func graphAccess(perms ...string) models.RequiredResourceAccessable {
	r := models.NewRequiredResourceAccess()
	r.SetResourceAppId(ptr(emulator.GraphAppID))
	var ras []models.ResourceAccessable
	for _, p := range perms {
		id, typ, _ := strings.Cut(p, ":")
		ra := models.NewResourceAccess()
		u := uuid.MustParse(id)
		ra.SetId(&u)
		ra.SetTypeEscaped(ptr(typ))
		ras = append(ras, ra)
	}
	r.SetResourceAccess(ras)
	return r
}

func TestApplications(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)

	created, err := g.Applications().Post(c, newApp("Migration target", graphAccess(userReadAllRole+":Role", mailRWRole+":Role")), nil)
	if err != nil {
		t.Fatal(err)
	}
	id, appID := *created.GetId(), *created.GetAppId()
	if created.GetCreatedDateTime() == nil || *created.GetSignInAudience() != "AzureADMyOrg" || len(created.GetRequiredResourceAccess()[0].GetResourceAccess()) != 2 {
		t.Fatalf("created %+v", created)
	}
	last := e.Requests()[len(e.Requests())-1]
	if last.Method != "POST" || last.Path != "/v1.0/applications" || last.Status != http.StatusCreated || !last.Compressed {
		t.Fatalf("request log %+v", last) // the SDK gzips bodies; the emulator read this one
	}

	got, err := g.Applications().ByApplicationId(id).Get(c, nil)
	if err != nil || *got.GetAppId() != appID {
		t.Fatalf("get by id: %v %v", got, err)
	}
	got, err = g.ApplicationsWithAppId(&appID).Get(c, nil)
	if err != nil || *got.GetId() != id {
		t.Fatalf("get by appId: %v", err)
	}

	list, err := g.Applications().Get(c, &applications.ApplicationsRequestBuilderGetRequestConfiguration{
		QueryParameters: &applications.ApplicationsRequestBuilderGetQueryParameters{Filter: ptr("appId eq '" + appID + "'"), Select: []string{"id", "appId", "displayName"}},
	})
	if err != nil || len(list.GetValue()) != 1 || *list.GetValue()[0].GetId() != id {
		t.Fatalf("filter appId: %v", err)
	}
	if list.GetValue()[0].GetSignInAudience() != nil {
		t.Fatal("$select returned an unselected property")
	}
	list, err = g.Applications().Get(c, &applications.ApplicationsRequestBuilderGetRequestConfiguration{
		QueryParameters: &applications.ApplicationsRequestBuilderGetQueryParameters{Filter: ptr("displayName eq 'migration TARGET'")},
	})
	if err != nil || len(list.GetValue()) != 1 {
		t.Fatalf("filter displayName (case-insensitive): %v %d", err, len(list.GetValue()))
	}
	_, err = g.Applications().Get(c, &applications.ApplicationsRequestBuilderGetRequestConfiguration{
		QueryParameters: &applications.ApplicationsRequestBuilderGetQueryParameters{Filter: ptr("notes eq 'x'")},
	})
	wantGraphErr(t, err, 400, "Request_UnsupportedQuery", "property 'notes'")

	// PATCH replaces requiredResourceAccess whole.
	_, err = g.Applications().ByApplicationId(id).Patch(c, newApp("Migration target v2", graphAccess(mailboxRWRole+":Role", userReadScope+":Scope")), nil)
	if err != nil {
		t.Fatal(err)
	}
	app, _ := e.Portal().Application(id)
	if app.DisplayName != "Migration target v2" || len(app.RequiredResourceAccess) != 1 || len(app.RequiredResourceAccess[0].ResourceAccess) != 2 ||
		app.RequiredResourceAccess[0].ResourceAccess[0] != (emulator.ResourceAccess{ID: mailboxRWRole, Type: "Role"}) {
		t.Fatalf("after PATCH: %+v", app.RequiredResourceAccess)
	}
	if st := e.Requests()[len(e.Requests())-1].Status; st != http.StatusNoContent {
		t.Fatalf("PATCH status %d", st)
	}

	// addPassword: 200, 40-character secret, hint, two-year default.
	body := applications.NewItemAddPasswordPostRequestBody()
	pc := models.NewPasswordCredential()
	pc.SetDisplayName(ptr("terraform"))
	body.SetPasswordCredential(pc)
	pw, err := g.Applications().ByApplicationId(id).AddPassword().Post(c, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	secret := *pw.GetSecretText()
	if len(secret) != 40 || *pw.GetHint() != secret[:3] || *pw.GetDisplayName() != "terraform" {
		t.Fatalf("secret %q hint %q", secret, *pw.GetHint())
	}
	if life := pw.GetEndDateTime().Sub(*pw.GetStartDateTime()); life < 2*365*24*time.Hour || life > 2*366*24*time.Hour {
		t.Fatalf("default lifetime %v", life)
	}
	if st := e.Requests()[len(e.Requests())-1].Status; st != http.StatusOK {
		t.Fatalf("addPassword status %d", st)
	}
	got, _ = g.Applications().ByApplicationId(id).Get(c, nil)
	if n := len(got.GetPasswordCredentials()); n != 1 || got.GetPasswordCredentials()[0].GetSecretText() != nil {
		t.Fatalf("passwordCredentials after addPassword: %d", n)
	}

	// The same through the appId key, with an explicit end.
	end := time.Now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Second)
	pc2 := models.NewPasswordCredential()
	pc2.SetEndDateTime(&end)
	body.SetPasswordCredential(pc2)
	pw2, err := g.Applications().ByApplicationId(id).AddPassword().WithUrl(e.URL()+"/v1.0/applications(appId='"+appID+"')/addPassword").Post(c, body, nil)
	if err != nil || !pw2.GetEndDateTime().Equal(end) {
		t.Fatalf("addPassword by appId: %v", err)
	}

	// The application cannot sign in before it has a service principal.
	_, err = token(t, e, appID, secret, graphScope)
	wantAADSTS(t, err, 401, "AADSTS7000229")

	rm := applications.NewItemRemovePasswordPostRequestBody()
	rm.SetKeyId(pw.GetKeyId())
	if err := g.Applications().ByApplicationId(id).RemovePassword().Post(c, rm, nil); err != nil {
		t.Fatal(err)
	}
	if st := e.Requests()[len(e.Requests())-1].Status; st != http.StatusNoContent {
		t.Fatalf("removePassword status %d", st)
	}
	err = g.Applications().ByApplicationId(id).RemovePassword().Post(c, rm, nil)
	wantGraphErr(t, err, 400, "Request_BadRequest", "keyId")
	rm.SetKeyId(pw2.GetKeyId())
	if err := g.Applications().ByApplicationId(id).RemovePassword().WithUrl(e.URL()+"/v1.0/applications(appId='"+appID+"')/removePassword").Post(c, rm, nil); err != nil {
		t.Fatal(err)
	}

	// Validation.
	_, err = g.Applications().Post(c, models.NewApplication(), nil)
	wantGraphErr(t, err, 400, "Request_BadRequest", "displayName")
	bad := models.NewRequiredResourceAccess()
	bad.SetResourceAppId(ptr("not-a-guid"))
	_, err = g.Applications().Post(c, newApp("bad", bad), nil)
	wantGraphErr(t, err, 400, "Request_BadRequest", "resourceAppId")
	_, err = g.Applications().ByApplicationId(uuid.NewString()).Get(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", "does not exist or one of its queried reference-property objects are not present")
}

func TestRequiredResourceAccessLimits(t *testing.T) {
	e := start(t, emulator.Options{})
	tok := bootstrapToken(t, e)
	many := func(apis, perms int) []any {
		var out []any
		for i := 0; i < apis; i++ {
			var ra []any
			for j := 0; j < perms; j++ {
				ra = append(ra, map[string]any{"id": uuid.NewString(), "type": "Role"})
			}
			out = append(out, map[string]any{"resourceAppId": uuid.NewString(), "resourceAccess": ra})
		}
		return out
	}
	for _, tc := range []struct {
		name         string
		apis, perms  int
		wantStatus   int
		wantInReason string
	}{
		{"50 APIs", 50, 8, 201, ""},
		{"51 APIs", 51, 1, 400, "50"},
		{"401 permissions", 1, 401, 400, "400"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := rawGraph(t, e, "POST", "/v1.0/applications", tok, map[string]any{"displayName": "x", "requiredResourceAccess": many(tc.apis, tc.perms)})
			if status != tc.wantStatus {
				t.Fatalf("status %d: %v", status, body)
			}
		})
	}
	// Unknown properties are rejected like Graph's OData layer does; annotations are ignored.
	status, body := rawGraph(t, e, "POST", "/v1.0/applications", tok, map[string]any{"@odata.type": "#microsoft.graph.application", "displayName": "x", "colour": "blue"})
	if status != 400 || !strings.Contains(as[string](t, as[map[string]any](t, body["error"])["message"]), "'colour' does not exist on type 'microsoft.graph.application'") {
		t.Fatalf("unknown property: %d %v", status, body)
	}
}

func TestServicePrincipalsAndAssignments(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	seed := e.Seed()

	app, err := g.Applications().Post(c, newApp("Target"), nil)
	if err != nil {
		t.Fatal(err)
	}
	appID := *app.GetAppId()
	sp := models.NewServicePrincipal()
	sp.SetAppId(&appID)
	created, err := g.ServicePrincipals().Post(c, sp, nil)
	if err != nil {
		t.Fatal(err)
	}
	spID := *created.GetId()
	if *created.GetAppId() != appID || *created.GetDisplayName() != "Target" || *created.GetServicePrincipalType() != "Application" {
		t.Fatalf("created %+v", created)
	}
	_, err = g.ServicePrincipals().Post(c, sp, nil)
	wantGraphErr(t, err, 409, "Request_MultipleObjectsWithSameKeyValue", appID+" is already in use")
	orphan := models.NewServicePrincipal()
	orphan.SetAppId(ptr(uuid.NewString()))
	_, err = g.ServicePrincipals().Post(c, orphan, nil)
	wantGraphErr(t, err, 400, "Request_BadRequest", "does not reference a valid application object")

	patch := models.NewServicePrincipal()
	patch.SetTags([]string{"WindowsAzureActiveDirectoryIntegratedApp"})
	patch.SetAppRoleAssignmentRequired(ptr(true))
	if _, err := g.ServicePrincipals().ByServicePrincipalId(spID).Patch(c, patch, nil); err != nil {
		t.Fatal(err)
	}
	got, err := g.ServicePrincipalsWithAppId(&appID).Get(c, nil)
	if err != nil || *got.GetId() != spID {
		t.Fatalf("by appId: %v", err)
	}
	if !slices.Equal(got.GetTags(), []string{"WindowsAzureActiveDirectoryIntegratedApp"}) || !*got.GetAppRoleAssignmentRequired() {
		t.Fatalf("after PATCH: tags %v", got.GetTags())
	}
	graphSP, err := g.ServicePrincipalsWithAppId(ptr(emulator.GraphAppID)).Get(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *graphSP.GetId() != seed.GraphServicePrincipalID || *graphSP.GetDisplayName() != "Microsoft Graph" {
		t.Fatalf("Graph SP %v", *graphSP.GetId())
	}
	var mailRW models.AppRoleable
	for _, r := range graphSP.GetAppRoles() {
		if *r.GetValue() == "Mail.ReadWrite" {
			mailRW = r
		}
	}
	if mailRW == nil || mailRW.GetId().String() != mailRWRole || !slices.Contains(mailRW.GetAllowedMemberTypes(), "Application") {
		t.Fatal("Graph SP lacks Mail.ReadWrite")
	}
	list, err := g.ServicePrincipals().Get(c, &serviceprincipals.ServicePrincipalsRequestBuilderGetRequestConfiguration{
		QueryParameters: &serviceprincipals.ServicePrincipalsRequestBuilderGetQueryParameters{Filter: ptr("appId eq '" + emulator.ExchangeAppID + "'"), Select: []string{"id", "appId", "appRoles"}},
	})
	if err != nil || len(list.GetValue()) != 1 || len(list.GetValue()[0].GetAppRoles()) != 2 {
		t.Fatalf("Exchange SP by filter: %v", err)
	}

	// Assign Mail.ReadWrite from the resource side.
	assign := func(roleID string) (models.AppRoleAssignmentable, error) {
		a := models.NewAppRoleAssignment()
		p, r, role := uuid.MustParse(spID), uuid.MustParse(seed.GraphServicePrincipalID), uuid.MustParse(roleID)
		a.SetPrincipalId(&p)
		a.SetResourceId(&r)
		a.SetAppRoleId(&role)
		return g.ServicePrincipals().ByServicePrincipalId(seed.GraphServicePrincipalID).AppRoleAssignedTo().Post(c, a, nil)
	}
	a1, err := assign(mailRWRole)
	if err != nil {
		t.Fatal(err)
	}
	if len(*a1.GetId()) != 43 || *a1.GetPrincipalType() != "ServicePrincipal" || *a1.GetResourceDisplayName() != "Microsoft Graph" {
		t.Fatalf("assignment %q %v", *a1.GetId(), *a1.GetPrincipalType())
	}
	_, err = assign(mailRWRole)
	wantGraphErr(t, err, 400, "Request_BadRequest", "Permission being assigned already exists on the object")
	_, err = assign(uuid.NewString())
	wantGraphErr(t, err, 400, "Request_BadRequest", "Permission being assigned was not found on application")

	// And User.Read.All from the principal side.
	a := models.NewAppRoleAssignment()
	p, r, role := uuid.MustParse(spID), uuid.MustParse(seed.GraphServicePrincipalID), uuid.MustParse(userReadAllRole)
	a.SetPrincipalId(&p)
	a.SetResourceId(&r)
	a.SetAppRoleId(&role)
	a2, err := g.ServicePrincipals().ByServicePrincipalId(spID).AppRoleAssignments().Post(c, a, nil)
	if err != nil {
		t.Fatal(err)
	}

	held, err := g.ServicePrincipals().ByServicePrincipalId(spID).AppRoleAssignments().Get(c, nil)
	if err != nil || len(held.GetValue()) != 2 {
		t.Fatalf("appRoleAssignments: %v", err)
	}
	onGraph, err := g.ServicePrincipals().ByServicePrincipalId(seed.GraphServicePrincipalID).AppRoleAssignedTo().Get(c, nil)
	if err != nil || len(onGraph.GetValue()) != 8 { // 6 of the bootstrap app, 2 new
		t.Fatalf("appRoleAssignedTo: %v %d", err, len(onGraph.GetValue()))
	}

	// The roles reach the application's tokens.
	secret := addPassword(t, g, *app.GetId())
	tok, err := token(t, e, appID, secret, graphScope)
	if err != nil {
		t.Fatal(err)
	}
	if got := roles(t, tok); !slices.Equal(got, []string{"Mail.ReadWrite", "User.Read.All"}) {
		t.Fatalf("roles %v", got)
	}

	if err := g.ServicePrincipals().ByServicePrincipalId(seed.GraphServicePrincipalID).AppRoleAssignedTo().ByAppRoleAssignmentId(*a1.GetId()).Delete(c, nil); err != nil {
		t.Fatal(err)
	}
	if st := e.Requests()[len(e.Requests())-1].Status; st != http.StatusNoContent {
		t.Fatalf("delete assignment status %d", st)
	}
	err = g.ServicePrincipals().ByServicePrincipalId(seed.GraphServicePrincipalID).AppRoleAssignedTo().ByAppRoleAssignmentId(*a1.GetId()).Delete(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", *a1.GetId())
	if got := e.Portal().AppRoleAssignments(spID); len(got) != 1 || got[0].ID != *a2.GetId() {
		t.Fatalf("portal assignments %+v", got)
	}

	// Deleting the application takes its service principal and assignments with it.
	if err := g.Applications().ByApplicationId(*app.GetId()).Delete(c, nil); err != nil {
		t.Fatal(err)
	}
	_, err = g.ServicePrincipals().ByServicePrincipalId(spID).Get(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", spID)
	if got := e.Portal().AppRoleAssignments(spID); len(got) != 0 {
		t.Fatalf("assignments survived: %+v", got)
	}

	// Deleting a service principal keeps the application.
	app2, _ := e.Portal().CreateApplication("Keep me")
	sp2, _ := e.Portal().ServicePrincipalByAppID(app2.AppID)
	if err := g.ServicePrincipals().ByServicePrincipalId(sp2.ObjectID).Delete(c, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.Portal().Application(app2.ObjectID); !ok {
		t.Fatal("application deleted with its service principal")
	}
}

func addPassword(t *testing.T, g *msgraphsdk.GraphServiceClient, objectID string) string {
	t.Helper()
	pw, err := g.Applications().ByApplicationId(objectID).AddPassword().Post(ctx(t), applications.NewItemAddPasswordPostRequestBody(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return *pw.GetSecretText()
}

func TestDelegatedGrants(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	seed := e.Seed()
	app, _ := e.Portal().CreateApplication("Delegated")
	sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)

	grant := models.NewOAuth2PermissionGrant()
	grant.SetClientId(&sp.ObjectID)
	grant.SetResourceId(ptr(seed.GraphServicePrincipalID))
	grant.SetConsentType(ptr("AllPrincipals"))
	grant.SetScope(ptr("User.Read Mail.Send"))
	created, err := g.Oauth2PermissionGrants().Post(c, grant, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := *created.GetId()
	if *created.GetScope() != "User.Read Mail.Send" || created.GetPrincipalId() != nil {
		t.Fatalf("created %v", created)
	}
	_, err = g.Oauth2PermissionGrants().Post(c, grant, nil)
	wantGraphErr(t, err, 400, "Request_BadRequest", "Permission entry already exists.")

	for _, f := range []string{"clientId eq '" + sp.ObjectID + "'", "resourceId eq '" + seed.GraphServicePrincipalID + "' and consentType eq 'AllPrincipals'"} {
		list, err := g.Oauth2PermissionGrants().Get(c, &oauth2permissiongrants.Oauth2PermissionGrantsRequestBuilderGetRequestConfiguration{
			QueryParameters: &oauth2permissiongrants.Oauth2PermissionGrantsRequestBuilderGetQueryParameters{Filter: &f},
		})
		if err != nil || len(list.GetValue()) != 1 || *list.GetValue()[0].GetId() != id {
			t.Fatalf("filter %q: %v", f, err)
		}
	}
	patch := models.NewOAuth2PermissionGrant()
	patch.SetScope(ptr("User.Read"))
	if _, err := g.Oauth2PermissionGrants().ByOAuth2PermissionGrantId(id).Patch(c, patch, nil); err != nil {
		t.Fatal(err)
	}
	got, err := g.Oauth2PermissionGrants().ByOAuth2PermissionGrantId(id).Get(c, nil)
	if err != nil || *got.GetScope() != "User.Read" {
		t.Fatalf("after PATCH: %v", err)
	}
	if gs := e.Portal().DelegatedGrants(sp.ObjectID); len(gs) != 1 || gs[0].Scope != "User.Read" {
		t.Fatalf("portal grants %+v", gs)
	}
	if err := g.Oauth2PermissionGrants().ByOAuth2PermissionGrantId(id).Delete(c, nil); err != nil {
		t.Fatal(err)
	}
	_, err = g.Oauth2PermissionGrants().ByOAuth2PermissionGrantId(id).Get(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", id)

	grant.SetClientId(ptr(uuid.NewString()))
	_, err = g.Oauth2PermissionGrants().Post(c, grant, nil)
	wantGraphErr(t, err, 404, "Directory_ObjectNotFound", "")
}

func TestUsersMailboxesOrganization(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	seed := e.Seed()

	for _, key := range []string{"adele.vance@contoso.com", seed.Users[1].ID} {
		u, err := g.Users().ByUserId(key).Get(c, nil)
		if err != nil || *u.GetDisplayName() != "Adele Vance" || *u.GetMail() != "adele.vance@contoso.com" {
			t.Fatalf("user %s: %v", key, err)
		}
	}
	_, err := g.Users().ByUserId("nobody@contoso.com").Get(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", "nobody@contoso.com")

	// The bootstrap app holds no MailboxSettings permission: Exchange's own 403.
	_, err = g.Users().ByUserId("admin@contoso.com").MailboxSettings().Get(c, nil)
	wantGraphErr(t, err, 403, "ErrorAccessDenied", "Access is denied")

	reader, secret := e.Portal().CreateApplication("mailbox reader", "MailboxSettings.Read", "User.ReadBasic.All")
	rg := graphClient(t, e, reader.AppID, secret)
	ms, err := rg.Users().ByUserId("megan.bowen@contoso.com").MailboxSettings().Get(c, nil)
	if err != nil || *ms.GetTimeZone() != "W. Europe Standard Time" {
		t.Fatalf("mailboxSettings: %v", err)
	}
	_, err = rg.Users().ByUserId("no.mailbox@contoso.com").MailboxSettings().Get(c, nil)
	wantGraphErr(t, err, 404, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")

	// User.ReadBasic.All reads users but not the organization.
	if _, err := rg.Users().ByUserId("no.mailbox@contoso.com").Get(c, nil); err != nil {
		t.Fatal(err)
	}
	_, err = rg.Organization().Get(c, nil)
	wantGraphErr(t, err, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")

	orgs, err := g.Organization().Get(c, nil)
	if err != nil || len(orgs.GetValue()) != 1 {
		t.Fatal(err)
	}
	org := orgs.GetValue()[0]
	var names []string
	var def string
	for _, d := range org.GetVerifiedDomains() {
		names = append(names, *d.GetName())
		if *d.GetIsDefault() {
			def = *d.GetName()
		}
	}
	if *org.GetId() != seed.TenantID || *org.GetDisplayName() != "Contoso" || def != "contoso.com" || !slices.Contains(names, "contoso.onmicrosoft.com") {
		t.Fatalf("organization %v %v", names, def)
	}
	if o, err := g.Organization().ByOrganizationId(seed.TenantID).Get(c, nil); err != nil || *o.GetId() != seed.TenantID {
		t.Fatalf("organization by id: %v", err)
	}
}

func TestDeletedItems(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	app, err := g.Applications().Post(c, newApp("Doomed"), nil)
	if err != nil {
		t.Fatal(err)
	}
	id := *app.GetId()
	if err := g.Applications().ByApplicationId(id).Delete(c, nil); err != nil {
		t.Fatal(err)
	}
	_, err = g.Applications().ByApplicationId(id).Get(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", id)

	obj, err := g.Directory().DeletedItems().ByDirectoryObjectId(id).Get(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	deleted, ok := obj.(models.Applicationable)
	if !ok || deleted.GetDeletedDateTime() == nil || *deleted.GetDisplayName() != "Doomed" {
		t.Fatalf("deleted item is %T", obj)
	}
	list, err := g.Directory().DeletedItems().GraphApplication().Get(c, nil)
	if err != nil || len(list.GetValue()) != 1 {
		t.Fatalf("deleted applications: %v", err)
	}

	restored, err := g.Directory().DeletedItems().ByDirectoryObjectId(id).Restore().Post(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ra, ok := restored.(models.Applicationable); !ok || ra.GetDeletedDateTime() != nil {
		t.Fatalf("restored %T", restored)
	}
	if _, err := g.Applications().ByApplicationId(id).Get(c, nil); err != nil {
		t.Fatalf("after restore: %v", err)
	}

	if err := g.Applications().ByApplicationId(id).Delete(c, nil); err != nil {
		t.Fatal(err)
	}
	if err := g.Directory().DeletedItems().ByDirectoryObjectId(id).Delete(c, nil); err != nil {
		t.Fatal(err)
	}
	if len(e.Portal().DeletedApplications()) != 0 {
		t.Fatal("purged application still in deleted items")
	}
	err = g.Directory().DeletedItems().ByDirectoryObjectId(id).Delete(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", id)
}

// TestGraphAuthentication: Graph's 401s for missing, foreign and expired tokens, and 403 for a
// token without the role.
func TestGraphAuthentication(t *testing.T) {
	e := start(t, emulator.Options{})
	c := ctx(t)
	other := start(t, emulator.Options{})
	seed := e.Seed()
	exchangeTok, err := token(t, e, seed.BootstrapClientID, seed.BootstrapSecret, exchangeScope)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, tok, msg string }{
		{"no token", "", "Access token is empty."},
		{"garbage", "not-a-token", "CompactToken parsing failed"},
		{"signed by another tenant service", bootstrapToken(t, other), "Access token validation failure."},
		{"for Exchange", exchangeTok, "Invalid audience"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := graphClientWith(t, e, staticTokens{tc.tok}).Organization().Get(c, nil)
			wantGraphErr(t, err, 401, "InvalidAuthenticationToken", tc.msg)
		})
	}

	reader, secret := e.Portal().CreateApplication("reader", "Application.Read.All")
	rg := graphClient(t, e, reader.AppID, secret)
	if _, err := rg.Applications().Get(c, nil); err != nil {
		t.Fatalf("read with Application.Read.All: %v", err)
	}
	_, err = rg.Applications().Post(c, newApp("nope"), nil)
	wantGraphErr(t, err, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	_, err = rg.Oauth2PermissionGrants().Get(c, nil)
	wantGraphErr(t, err, 403, "Authorization_RequestDenied", "")
	a := models.NewAppRoleAssignment()
	_, err = rg.ServicePrincipals().ByServicePrincipalId(seed.GraphServicePrincipalID).AppRoleAssignedTo().Post(c, a, nil)
	wantGraphErr(t, err, 403, "Authorization_RequestDenied", "")
}

func TestGraphResponseConventions(t *testing.T) {
	e := start(t, emulator.Options{})
	tok := bootstrapToken(t, e)
	req, _ := http.NewRequest(http.MethodGet, e.URL()+"/v1.0/organization", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("client-request-id", "my-id")
	resp, err := e.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json;odata.metadata=minimal") {
		t.Errorf("Content-Type %q", ct)
	}
	if resp.Header.Get("request-id") == "" || resp.Header.Get("client-request-id") != "my-id" {
		t.Errorf("request ids %v", resp.Header)
	}
	status, body := rawGraph(t, e, "GET", "/v1.0/applications/"+uuid.NewString(), tok, nil)
	inner, _ := body["error"].(map[string]any)["innerError"].(map[string]any)
	if status != 404 || inner["request-id"] == nil || inner["client-request-id"] == nil || inner["date"] == nil {
		t.Fatalf("error shape %d %v", status, body)
	}
	status, body = rawGraph(t, e, "GET", "/v1.0/applications?$filter=appId eq '"+emulator.BootstrapClientID+"'", tok, nil)
	if status != 200 || body["@odata.context"] != "https://graph.microsoft.com/v1.0/$metadata#applications" {
		t.Fatalf("collection %d %v", status, body["@odata.context"])
	}
	if v := as[[]any](t, body["value"]); len(v) != 1 || as[map[string]any](t, v[0])["@odata.type"] != "#microsoft.graph.application" {
		t.Fatalf("collection value %v", v)
	}
	status, _ = rawGraph(t, e, "GET", "/v1.0/groups", tok, nil)
	if status != 400 {
		t.Fatalf("unknown segment: %d", status)
	}
}
