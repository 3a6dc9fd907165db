package tenant_test

import (
	"context"
	"testing"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

// consentFixture is a new application with its service principal and what consent on the
// migration permissions asks for: six Graph app roles and one delegated scope.
func consentFixture(t *testing.T, e *emulator.Emulator, c *tenant.Client) (emulator.Application, tenant.ConsentRequest) {
	t.Helper()
	graphSP, err := c.Catalogue(context.Background(), graphAppID)
	if err != nil {
		t.Fatal(err)
	}
	app, _ := e.Portal().CreateApplication("consented")
	sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)
	req := tenant.ConsentRequest{PrincipalID: sp.ObjectID, ReadObjectID: app.ObjectID, ReadAppID: app.AppID,
		Grants: []tenant.DelegatedGrant{{ResourceID: graphSP.ObjectID, Scopes: []string{"User.Read"}}}}
	for _, v := range []string{"Mail.ReadWrite", "Calendars.ReadWrite", "Contacts.ReadWrite", "MailboxSettings.ReadWrite", "Tasks.ReadWrite.All", "User.Read.All"} {
		for _, r := range graphSP.AppRoles {
			if r.Value == v {
				req.Assignments = append(req.Assignments, tenant.AppRoleAssignment{ResourceID: graphSP.ObjectID, AppRoleID: r.ID})
			}
		}
	}
	return app, req
}

// TestGrantConsentOneRoundTrip: the assignments, the delegated grant and the read of the
// application and its service principal go in one $batch round trip; the tenant then holds
// exactly what the answer says was made, and no replication lag is reported.
func TestGrantConsentOneRoundTrip(t *testing.T) {
	e := startEmulator(t)
	c := client(t, e, "", "", fast)
	app, req := consentFixture(t, e, c)
	before := time.Now()
	n := len(e.Requests())
	got, err := c.GrantConsent(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if rt := topLevel(e, n); len(rt) != 1 || rt[0].Path != "/v1.0/$batch" {
		t.Fatalf("consent made %d round trips (%+v), want one $batch", len(rt), rt)
	}
	if got.Application == nil || got.Application.ObjectID != app.ObjectID || got.ServicePrincipal == nil || got.ServicePrincipal.ObjectID != req.PrincipalID {
		t.Fatalf("the read beside the writes found %+v / %+v, want the application and its service principal", got.Application, got.ServicePrincipal)
	}
	held := e.Portal().AppRoleAssignments(req.PrincipalID)
	if len(got.Assignments) != len(req.Assignments) || len(held) != len(req.Assignments) {
		t.Fatalf("answered %d assignments, the tenant holds %d, want %d", len(got.Assignments), len(held), len(req.Assignments))
	}
	for _, a := range got.Assignments {
		found := false
		for _, h := range held {
			found = found || h.ID == a.ID
		}
		if !found {
			t.Fatalf("assignment %s of the answer is not in the tenant", a.ID)
		}
	}
	grants := e.Portal().DelegatedGrants(req.PrincipalID)
	if len(got.Grants) != 1 || len(grants) != 1 || grants[0].ID != got.Grants[0].ID || grants[0].Scope != "User.Read" {
		t.Fatalf("answered grants %+v, the tenant holds %+v, want one all-users grant of User.Read", got.Grants, grants)
	}
	if c.SawReplicationLagSince(before) {
		t.Fatal("replication lag reported for a consent that met none")
	}
}

// TestGrantConsentItemLags: an assignment and the grant that meet replication lag inside the
// batch are finished on their own; the result holds every assignment once, and the lag is
// reported so that the apply reads back what it wrote.
func TestGrantConsentItemLags(t *testing.T) {
	e := startEmulator(t)
	c := client(t, e, "", "", fast)
	_, req := consentFixture(t, e, c)
	e.Inject(emulator.Fault{Method: "POST", PathRegexp: "/appRoleAssignedTo$", Status: 404, Times: 1})
	e.Inject(emulator.Fault{Method: "POST", PathRegexp: "^/v1.0/oauth2PermissionGrants$", Status: 404, Times: 1})
	before := time.Now()
	got, err := c.GrantConsent(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Assignments) != len(req.Assignments) || len(e.Portal().AppRoleAssignments(req.PrincipalID)) != len(req.Assignments) {
		t.Fatalf("after a lagging item: answered %d, the tenant holds %d, want %d",
			len(got.Assignments), len(e.Portal().AppRoleAssignments(req.PrincipalID)), len(req.Assignments))
	}
	if len(got.Grants) != 1 || len(e.Portal().DelegatedGrants(req.PrincipalID)) != 1 {
		t.Fatalf("after a lagging grant: answered %+v, the tenant holds %+v", got.Grants, e.Portal().DelegatedGrants(req.PrincipalID))
	}
	if !c.SawReplicationLagSince(before) {
		t.Fatal("the lag met inside the batch is not reported")
	}
}

// TestGrantConsentItemFails: an item that fails for good is reported with its own error, and
// the rest are made.
func TestGrantConsentItemFails(t *testing.T) {
	e := startEmulator(t)
	c := client(t, e, "", "", fast)
	_, req := consentFixture(t, e, c)
	e.Inject(emulator.Fault{Method: "POST", PathRegexp: "/appRoleAssignedTo$", Status: 403, Times: 1})
	got, err := c.GrantConsent(context.Background(), req)
	if err == nil {
		t.Fatal("a 403 on one assignment was not reported")
	}
	if len(got.Assignments) != len(req.Assignments)-1 || len(e.Portal().AppRoleAssignments(req.PrincipalID)) != len(req.Assignments)-1 {
		t.Fatalf("answered %d assignments, the tenant holds %d, want %d", len(got.Assignments),
			len(e.Portal().AppRoleAssignments(req.PrincipalID)), len(req.Assignments)-1)
	}
	if len(got.Grants) != 1 {
		t.Fatalf("the grant was not made beside the failed assignment: %+v", got.Grants)
	}
}
