package tenant_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

// topLevel are the requests that were round trips of their own (not items of a batch),
// after the first n.
func topLevel(e *emulator.Emulator, n int) []emulator.Request {
	var out []emulator.Request
	for _, r := range e.Requests()[n:] {
		if !r.InBatch {
			out = append(out, r)
		}
	}
	return out
}

// registered is an application with a service principal and one assignment, made out of band.
func registered(t *testing.T, e *emulator.Emulator) emulator.Application {
	t.Helper()
	app, _ := e.Portal().CreateApplication("batched", "User.Read.All")
	return app
}

// TestReadRegistrationOneRoundTrip: with the client ID, a refresh is one $batch round trip
// (application, service principal, its assignments, its grants), and it reads what the
// tenant holds.
func TestReadRegistrationOneRoundTrip(t *testing.T) {
	e := startEmulator(t)
	c := client(t, e, "", "", fast)
	app := registered(t, e)
	if _, err := c.ReadRegistration(context.Background(), app.ObjectID, app.AppID); err != nil { // sign in, once
		t.Fatal(err)
	}
	n := len(e.Requests())
	reg, err := c.ReadRegistration(context.Background(), app.ObjectID, app.AppID)
	if err != nil {
		t.Fatal(err)
	}
	sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)
	if reg.Application.AppID != app.AppID || reg.ServicePrincipal == nil || reg.ServicePrincipal.ObjectID != sp.ObjectID || len(reg.Assignments) != 1 {
		t.Fatalf("ReadRegistration read %+v, want the app, its service principal and its one assignment", reg)
	}
	if got := topLevel(e, n); len(got) != 1 || got[0].Path != "/v1.0/$batch" {
		t.Fatalf("a refresh made %d round trips (%+v), want one $batch", len(got), got)
	}
}

// TestReadRegistrationItemThrottled: an item Graph throttles inside the batch is sent again,
// alone (as a request of its own), after its Retry-After; the others are not repeated.
func TestReadRegistrationItemThrottled(t *testing.T) {
	e := startEmulator(t)
	c := client(t, e, "", "", fast)
	app := registered(t, e)
	e.Inject(emulator.Fault{Method: "GET", PathRegexp: "/appRoleAssignments$", Status: 429, RetryAfter: "0.1", Times: 1})
	n := len(e.Requests())
	reg, err := c.ReadRegistration(context.Background(), app.ObjectID, app.AppID)
	if err != nil || len(reg.Assignments) != 1 {
		t.Fatalf("ReadRegistration after a throttled item: %+v, %v", reg, err)
	}
	var assignmentReads, batches int
	for _, r := range e.Requests()[n:] {
		switch {
		case r.Path == "/v1.0/$batch":
			batches++
		case strings.HasSuffix(r.Path, "/appRoleAssignments"):
			assignmentReads++
		}
	}
	if batches != 1 || assignmentReads != 2 {
		t.Fatalf("%d batches and %d assignment reads, want 1 and 2 (the throttled item alone again)", batches, assignmentReads)
	}
}

// TestReadRegistrationGoneAndWithoutSP: a deleted application is ErrNotFound; one without a
// service principal reads as such.
func TestReadRegistrationGoneAndWithoutSP(t *testing.T) {
	e := startEmulator(t)
	c := client(t, e, "", "", fast)
	app := registered(t, e)
	sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)
	mustNot(t, e.Portal().DeleteServicePrincipal(sp.ObjectID))
	reg, err := c.ReadRegistration(context.Background(), app.ObjectID, app.AppID)
	if err != nil || reg.ServicePrincipal != nil || len(reg.Assignments) != 0 {
		t.Fatalf("without a service principal: %+v, %v", reg, err)
	}
	mustNot(t, e.Portal().DeleteApplication(app.ObjectID))
	if _, err := c.ReadRegistration(context.Background(), app.ObjectID, app.AppID); !errors.Is(err, tenant.ErrNotFound) {
		t.Fatalf("a deleted application: %v, want ErrNotFound", err)
	}
}

func mustNot(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestAssignAppRolesOneRoundTrip: the default migration set's six application permissions are
// granted in one $batch round trip, and the tenant holds exactly them.
func TestAssignAppRolesOneRoundTrip(t *testing.T) {
	e := startEmulator(t)
	c := client(t, e, "", "", fast)
	ctx := context.Background()
	graphSP, err := c.Catalogue(ctx, graphAppID)
	if err != nil {
		t.Fatal(err)
	}
	app, _ := e.Portal().CreateApplication("batched")
	sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)
	var wanted []tenant.AppRoleAssignment
	for _, v := range []string{"Mail.ReadWrite", "Calendars.ReadWrite", "Contacts.ReadWrite", "MailboxSettings.ReadWrite", "Tasks.ReadWrite.All", "User.Read.All"} {
		for _, r := range graphSP.AppRoles {
			if r.Value == v {
				wanted = append(wanted, tenant.AppRoleAssignment{ResourceID: graphSP.ObjectID, AppRoleID: r.ID})
			}
		}
	}
	n := len(e.Requests())
	done, err := c.AssignAppRoles(ctx, sp.ObjectID, wanted)
	if err != nil || len(done) != len(wanted) {
		t.Fatalf("AssignAppRoles: %d of %d, %v", len(done), len(wanted), err)
	}
	if got := topLevel(e, n); len(got) != 1 || got[0].Path != "/v1.0/$batch" {
		t.Fatalf("assigning made %d round trips (%+v), want one $batch", len(got), got)
	}
	if held := e.Portal().AppRoleAssignments(sp.ObjectID); len(held) != len(wanted) {
		t.Fatalf("the tenant holds %d assignments, want %d", len(held), len(wanted))
	}
	// Again: every item answers "already exists", and the ids are read back, not duplicated.
	again, err := c.AssignAppRoles(ctx, sp.ObjectID, wanted)
	if err != nil || len(again) != len(wanted) || again[0].ID != done[0].ID {
		t.Fatalf("assigning again: %+v, %v; want the same assignments", again, err)
	}
	if held := e.Portal().AppRoleAssignments(sp.ObjectID); len(held) != len(wanted) {
		t.Fatalf("after assigning again the tenant holds %d assignments, want %d", len(held), len(wanted))
	}
	if err := c.RemoveAppRoleAssignments(ctx, done); err != nil || len(e.Portal().AppRoleAssignments(sp.ObjectID)) != 0 {
		t.Fatalf("RemoveAppRoleAssignments: %v, left %d", err, len(e.Portal().AppRoleAssignments(sp.ObjectID)))
	}
}

// TestDeleteAndPurgeOneRoundTrip: destroying with a purge is one $batch round trip, after
// which the application is neither live nor restorable; when the delete fails, the purge is
// not attempted (424) and each step reports its own error.
func TestDeleteAndPurgeOneRoundTrip(t *testing.T) {
	e := startEmulator(t)
	c := client(t, e, "", "", fast)
	app := registered(t, e)
	if _, err := c.GetApplication(context.Background(), app.ObjectID); err != nil { // sign in, once
		t.Fatal(err)
	}
	n := len(e.Requests())
	if delErr, purgeErr := c.DeleteAndPurgeApplication(context.Background(), app.ObjectID); delErr != nil || purgeErr != nil {
		t.Fatalf("DeleteAndPurgeApplication: %v, %v", delErr, purgeErr)
	}
	if got := topLevel(e, n); len(got) != 1 || got[0].Path != "/v1.0/$batch" {
		t.Fatalf("destroying made %d round trips (%+v), want one $batch", len(got), got)
	}
	if _, live := e.Portal().Application(app.ObjectID); live || len(e.Portal().DeletedApplications()) != 0 {
		t.Fatal("the application is still live or restorable")
	}
	other := registered(t, e)
	e.Inject(emulator.Fault{Method: "DELETE", PathRegexp: "^/v1.0/applications/", Status: 500, Times: 1})
	delErr, purgeErr := c.DeleteAndPurgeApplication(context.Background(), other.ObjectID)
	var de, pe *tenant.Error
	if !errors.As(delErr, &de) || de.Status != 500 || !errors.As(purgeErr, &pe) || pe.Status != 424 {
		t.Fatalf("a failed delete: %v, %v; want the 500 and a 424 for the purge", delErr, purgeErr)
	}
	if _, live := e.Portal().Application(other.ObjectID); !live {
		t.Fatal("the application whose delete failed is gone")
	}
	// A delete throttled once is sent again, and so is the purge that waited on it.
	e.Inject(emulator.Fault{Method: "DELETE", PathRegexp: "^/v1.0/applications/", Status: 503, RetryAfter: "0", Times: 1})
	if delErr, purgeErr := c.DeleteAndPurgeApplication(context.Background(), other.ObjectID); delErr != nil || purgeErr != nil {
		t.Fatalf("a delete throttled once: %v, %v; want both done", delErr, purgeErr)
	}
	if _, live := e.Portal().Application(other.ObjectID); live || len(e.Portal().DeletedApplications()) != 0 {
		t.Fatal("after a throttled delete the application is still live or restorable")
	}
}
