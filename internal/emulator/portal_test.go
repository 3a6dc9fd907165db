package emulator_test

import (
	"slices"
	"testing"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// TestPortalDrift: changes an administrator makes in the portal are what Graph and the token
// service see next, at once, and leave the request log alone.
func TestPortalDrift(t *testing.T) {
	e := start(t, emulator.Options{ReplicationLag: 0})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	p := e.Portal()
	e.SetReplicationLag(1 << 40) // the portal ignores lag

	app, secret := p.CreateApplication("Drifting", "User.Read.All", "Mail.ReadWrite")
	sp, ok := p.ServicePrincipalByAppID(app.AppID)
	if !ok || len(app.Passwords) != 1 || len(p.AppRoleAssignments(sp.ObjectID)) != 2 {
		t.Fatalf("CreateApplication: %+v", app)
	}
	tok, err := token(t, e, app.AppID, secret, graphScope)
	if err != nil {
		t.Fatal(err)
	}
	if got := roles(t, tok); !slices.Equal(got, []string{"Mail.ReadWrite", "User.Read.All"}) {
		t.Fatalf("roles %v", got)
	}
	e.SetReplicationLag(0)

	// Someone revokes a permission.
	for _, a := range p.AppRoleAssignments(sp.ObjectID) {
		if a.AppRoleID == mailRWRole {
			if err := p.RemoveAppRoleAssignment(a.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	tok, _ = token(t, e, app.AppID, secret, graphScope)
	if got := roles(t, tok); !slices.Equal(got, []string{"User.Read.All"}) {
		t.Fatalf("roles after revocation %v", got)
	}

	// Someone edits the API permissions.
	want := []emulator.RequiredResourceAccess{{ResourceAppID: emulator.ExchangeAppID, ResourceAccess: []emulator.ResourceAccess{{ID: "dc890d15-9560-4a4c-9b7f-a736ec74ec40", Type: "Role"}}}}
	if err := p.SetRequiredResourceAccess(app.ObjectID, want); err != nil {
		t.Fatal(err)
	}
	got, err := g.Applications().ByApplicationId(app.ObjectID).Get(c, nil)
	if err != nil || *got.GetRequiredResourceAccess()[0].GetResourceAppId() != emulator.ExchangeAppID {
		t.Fatalf("requiredResourceAccess after portal edit: %v", err)
	}

	// Someone deletes the secret.
	if err := p.RemovePassword(app.ObjectID, app.Passwords[0].KeyID); err != nil {
		t.Fatal(err)
	}
	_, err = token(t, e, app.AppID, secret, graphScope)
	wantAADSTS(t, err, 401, "AADSTS7000215")

	// Someone removes a delegated grant.
	grant := newGrant(t, e, sp.ObjectID)
	if err := p.DeleteDelegatedGrant(grant); err != nil {
		t.Fatal(err)
	}
	_, err = g.Oauth2PermissionGrants().ByOAuth2PermissionGrantId(grant).Get(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", grant)

	// Someone deletes the application.
	e.ResetRequests()
	if err := p.DeleteApplication(app.ObjectID); err != nil {
		t.Fatal(err)
	}
	if len(e.Requests()) != 0 {
		t.Fatal("portal actions appear in the request log")
	}
	_, err = g.Applications().ByApplicationId(app.ObjectID).Get(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", app.ObjectID)
	if d := p.DeletedApplications(); len(d) != 1 || d[0].ObjectID != app.ObjectID || d[0].DeletedDateTime.IsZero() {
		t.Fatalf("deleted %+v", d)
	}
	if _, ok := p.ServicePrincipalByAppID(app.AppID); ok {
		t.Fatal("service principal survived its application")
	}
	if err := p.DeleteApplication(app.ObjectID); err == nil {
		t.Fatal("deleting twice succeeded")
	}
}

func newGrant(t *testing.T, e *emulator.Emulator, clientSP string) string {
	t.Helper()
	status, body := rawGraph(t, e, "POST", "/v1.0/oauth2PermissionGrants", bootstrapToken(t, e), map[string]any{
		"clientId": clientSP, "resourceId": e.Seed().GraphServicePrincipalID, "consentType": "AllPrincipals", "scope": "User.Read",
	})
	if status != 201 {
		t.Fatalf("grant: %d %v", status, body)
	}
	return as[string](t, body["id"])
}
