package emulator

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The directory's rules, once each, at the level where they live: the store methods that
// Graph handlers, the Portal and the seed all call. The Graph shapes of the same rules are
// tested through msgraph-sdk-go in the external tests.

// fixture is a seeded directory with one registration (application, service principal, one
// Graph role assigned) made at t0, and views before and after its replication lag.
type fixture struct {
	s         *store
	app       *application
	sp        *servicePrincipal
	graph     *servicePrincipal
	role      string // the app role id assigned to sp
	otherRole string // a Graph app role id sp does not hold
	// during sees only replicated objects while a 10 s lag is running; later sees them all.
	during, later view
}

const testLag = 10 * time.Second

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s, _ := newSeededStore("")
	t0 := time.Now().UTC()
	f := &fixture{s: s,
		during: view{now: t0.Add(time.Second), visibleAt: t0.Add(time.Second + testLag)},
		later:  view{now: t0.Add(2 * testLag), visibleAt: t0.Add(3 * testLag)},
	}
	f.app, f.sp = s.registerWithConsent("Fixture", "", []string{"User.Read.All"}, view{now: t0, visibleAt: t0, all: true})
	graph, err := s.servicePrincipal(ref{value: GraphAppID, byAppID: true}, f.later)
	if err != nil {
		t.Fatal(err)
	}
	f.graph = graph
	f.role = graph.appRoleByValue("User.Read.All").ID
	f.otherRole = graph.appRoleByValue("Mail.ReadWrite").ID
	return f
}

// created makes an application and its service principal through Graph's view during the
// lag: both exist but have not replicated.
func (f *fixture) replicating(t *testing.T) (*application, *servicePrincipal) {
	t.Helper()
	name := "Replicating"
	a, err := f.s.createApplication("", applicationChange{displayName: &name}, f.during)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := f.s.createServicePrincipal(a.appID, view{now: f.during.now, visibleAt: f.during.visibleAt, all: true})
	if err != nil {
		t.Fatal(err)
	}
	return a, sp
}

func sptr(s string) *string { return &s }

func TestDirectoryRules(t *testing.T) {
	long := strings.Repeat("x", maxGrantScope+1)
	manyAPIs := make([]RequiredResourceAccess, maxRequiredResources+1)
	for i := range manyAPIs {
		manyAPIs[i] = RequiredResourceAccess{ResourceAppID: newGUID()}
	}
	manyPerms := []RequiredResourceAccess{{ResourceAppID: GraphAppID}}
	for range maxRequiredPermissions + 1 {
		manyPerms[0].ResourceAccess = append(manyPerms[0].ResourceAccess, ResourceAccess{ID: newGUID(), Type: "Role"})
	}

	cases := []struct {
		name string
		run  func(t *testing.T, f *fixture) error
		// want is the Graph status, code and a part of the message; status 0: success.
		status    int
		code, msg string
	}{
		// Applications.
		{"create: displayName required", func(t *testing.T, f *fixture) error {
			_, err := f.s.createApplication("", applicationChange{}, f.later)
			return err
		}, 400, "Request_BadRequest", "'displayName' of resource 'Application'"},
		{"create: blank displayName", func(t *testing.T, f *fixture) error {
			_, err := f.s.createApplication("", applicationChange{displayName: sptr("  ")}, f.later)
			return err
		}, 400, "Request_BadRequest", "'displayName'"},
		{"create: signInAudience must be known", func(t *testing.T, f *fixture) error {
			_, err := f.s.createApplication("", applicationChange{displayName: sptr("x"), signInAudience: sptr("Everyone")}, f.later)
			return err
		}, 400, "Request_BadRequest", "'signInAudience'"},
		{"create: at most 50 APIs", func(t *testing.T, f *fixture) error {
			_, err := f.s.createApplication("", applicationChange{displayName: sptr("x"), rra: &manyAPIs}, f.later)
			return err
		}, 400, "Request_BadRequest", "limit of 50"},
		{"update: at most 400 permissions", func(t *testing.T, f *fixture) error {
			return f.s.updateApplication(byID(f.app.id), applicationChange{rra: &manyPerms}, f.later)
		}, 400, "Request_BadRequest", "limit of 400"},
		{"create: invisible until replicated", func(t *testing.T, f *fixture) error {
			a, _ := f.replicating(t)
			if _, err := f.s.application(byID(a.id), f.later); err != nil {
				t.Errorf("after the lag: %v", err)
			}
			_, err := f.s.application(byID(a.id), f.during)
			return err
		}, 404, "Request_ResourceNotFound", "does not exist"},
		{"update: appId is read-only", func(t *testing.T, f *fixture) error {
			return f.s.updateApplication(byID(f.app.id), applicationChange{appID: sptr(newGUID())}, f.later)
		}, 400, "Request_BadRequest", "'appId' is read-only"},
		{"update: a rejected change changes nothing", func(t *testing.T, f *fixture) error {
			err := f.s.updateApplication(byID(f.app.id), applicationChange{displayName: sptr("Renamed"), signInAudience: sptr("nope")}, f.later)
			if a, _ := f.s.application(byID(f.app.id), f.later); a.displayName != "Fixture" {
				t.Errorf("displayName %q after a rejected update", a.displayName)
			}
			return err
		}, 400, "Request_BadRequest", "'signInAudience'"},
		{"update: a kept certificate must exist", func(t *testing.T, f *fixture) error {
			keys := []keyCredentialChange{{keyID: newGUID()}}
			return f.s.updateApplication(byID(f.app.id), applicationChange{keys: &keys}, f.later)
		}, 400, "Request_BadRequest", "'key' of resource 'KeyCredential'"},
		{"update: by appId", func(t *testing.T, f *fixture) error {
			return f.s.updateApplication(ref{value: f.app.appID, byAppID: true}, applicationChange{displayName: sptr("By appId")}, f.later)
		}, 0, "", ""},
		{"addPassword: end after start", func(t *testing.T, f *fixture) error {
			_, err := f.s.addPassword(byID(f.app.id), passwordRequest{start: f.later.now, end: f.later.now.Add(-time.Hour)}, f.later)
			return err
		}, 400, "Request_BadRequest", "'endDateTime'"},
		{"addPassword: two years by default, secret returned once", func(t *testing.T, f *fixture) error {
			p, err := f.s.addPassword(byID(f.app.id), passwordRequest{}, f.later)
			if err == nil && (!p.end.Equal(f.later.now.AddDate(2, 0, 0)) || len(p.secret) < 16 || p.hint != p.secret[:3]) {
				t.Errorf("password %+v", p.snapshot())
			}
			return err
		}, 0, "", ""},
		{"addPassword: application not replicated", func(t *testing.T, f *fixture) error {
			a, _ := f.replicating(t)
			_, err := f.s.addPassword(byID(a.id), passwordRequest{}, f.during)
			return err
		}, 404, "Request_ResourceNotFound", ""},
		{"removePassword: unknown keyId", func(t *testing.T, f *fixture) error {
			return f.s.removePassword(byID(f.app.id), newGUID(), f.later)
		}, 400, "Request_BadRequest", "No password credential"},
		{"deleteApplication: takes its service principal, assignments and grants along", func(t *testing.T, f *fixture) error {
			if _, err := f.s.createGrant(DelegatedGrant{ClientID: f.sp.id, ResourceID: f.graph.id, ConsentType: "AllPrincipals", Scope: "User.Read"}, f.later); err != nil {
				t.Fatal(err)
			}
			if err := f.s.deleteApplication(byID(f.app.id), f.later); err != nil {
				return err
			}
			_, held, _ := f.s.assignmentsOf(byID(f.graph.id), onResource, f.later)
			for _, a := range held {
				if a.PrincipalID == f.sp.id {
					t.Error("assignment survived its principal")
				}
			}
			if d, err := f.s.deletedItem(f.sp.id); err != nil || d.sp == nil || d.sp.deleted.IsZero() {
				t.Errorf("service principal not in deleted items: %v", err)
			}
			_, err := f.s.servicePrincipal(byID(f.sp.id), f.later)
			return err
		}, 404, "Request_ResourceNotFound", ""},

		// Service principals.
		{"createServicePrincipal: one per appId, also while replicating", func(t *testing.T, f *fixture) error {
			a, _ := f.replicating(t)
			_, err := f.s.createServicePrincipal(a.appID, f.later)
			return err
		}, 409, "Request_MultipleObjectsWithSameKeyValue", "already in use"},
		{"createServicePrincipal: the application must have replicated", func(t *testing.T, f *fixture) error {
			a, err := f.s.createApplication("", applicationChange{displayName: sptr("New")}, f.during)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.s.createServicePrincipal(a.appID, f.during)
			return err
		}, 400, "Request_BadRequest", "does not reference a valid application object"},
		{"updateServicePrincipal: appId is read-only", func(t *testing.T, f *fixture) error {
			return f.s.updateServicePrincipal(byID(f.sp.id), servicePrincipalChange{appID: sptr(newGUID())}, f.later)
		}, 400, "Request_BadRequest", "'appId' is read-only"},
		{"updateServicePrincipal: blank displayName", func(t *testing.T, f *fixture) error {
			return f.s.updateServicePrincipal(byID(f.sp.id), servicePrincipalChange{displayName: sptr("")}, f.later)
		}, 400, "Request_BadRequest", "'displayName' of resource 'ServicePrincipal'"},
		{"deleteServicePrincipal: soft, the registration stays", func(t *testing.T, f *fixture) error {
			if err := f.s.deleteServicePrincipal(byID(f.sp.id), f.later); err != nil {
				return err
			}
			if _, err := f.s.application(byID(f.app.id), f.later); err != nil {
				t.Errorf("application gone with its service principal: %v", err)
			}
			if len(f.s.deletedServicePrincipals()) != 1 {
				t.Error("service principal not in deleted items")
			}
			return nil
		}, 0, "", ""},

		// App role assignments.
		{"assign: the principal must have replicated", func(t *testing.T, f *fixture) error {
			_, sp := f.replicating(t)
			_, _, err := f.s.assignAppRole(byID(f.graph.id), onResource, AppRoleAssignment{PrincipalID: sp.id, ResourceID: f.graph.id, AppRoleID: f.role}, f.during)
			return err
		}, 400, "Request_BadRequest", "Not a valid reference update."},
		{"assign: unknown principal", func(t *testing.T, f *fixture) error {
			_, _, err := f.s.assignAppRole(byID(f.graph.id), onResource, AppRoleAssignment{PrincipalID: newGUID(), ResourceID: f.graph.id, AppRoleID: f.role}, f.later)
			return err
		}, 404, "Request_ResourceNotFound", ""},
		{"assign: unknown resource", func(t *testing.T, f *fixture) error {
			_, _, err := f.s.assignAppRole(byID(f.sp.id), onPrincipal, AppRoleAssignment{PrincipalID: f.sp.id, ResourceID: newGUID(), AppRoleID: f.role}, f.later)
			return err
		}, 404, "Request_ResourceNotFound", ""},
		{"assign: the path's principal is the body's", func(t *testing.T, f *fixture) error {
			_, _, err := f.s.assignAppRole(byID(f.sp.id), onPrincipal, AppRoleAssignment{PrincipalID: f.graph.id, ResourceID: f.graph.id, AppRoleID: f.role}, f.later)
			return err
		}, 400, "Request_BadRequest", "'principalId'"},
		{"assign: the path's resource is the body's", func(t *testing.T, f *fixture) error {
			_, _, err := f.s.assignAppRole(byID(f.graph.id), onResource, AppRoleAssignment{PrincipalID: f.sp.id, ResourceID: f.sp.id, AppRoleID: f.role}, f.later)
			return err
		}, 400, "Request_BadRequest", "'resourceId'"},
		{"assign: the role must exist on the resource", func(t *testing.T, f *fixture) error {
			_, _, err := f.s.assignAppRole(byID(f.graph.id), onResource, AppRoleAssignment{PrincipalID: f.sp.id, ResourceID: f.graph.id, AppRoleID: newGUID()}, f.later)
			return err
		}, 400, "Request_BadRequest", "was not found on application '" + GraphAppID + "'"},
		{"assign: once per role", func(t *testing.T, f *fixture) error {
			_, _, err := f.s.assignAppRole(byID(f.sp.id), onPrincipal, AppRoleAssignment{PrincipalID: f.sp.id, ResourceID: f.graph.id, AppRoleID: f.role}, f.later)
			return err
		}, 400, "Request_BadRequest", "already exists on the object"},
		{"assign: a new role", func(t *testing.T, f *fixture) error {
			_, a, err := f.s.assignAppRole(byID(f.graph.id), onResource, AppRoleAssignment{PrincipalID: f.sp.id, ResourceID: f.graph.id, AppRoleID: f.otherRole}, f.later)
			if err == nil && (len(a.ID) != 43 || a.PrincipalDisplayName != "Fixture") {
				t.Errorf("assignment %+v", a)
			}
			return err
		}, 0, "", ""},
		{"removeAssignment: only under its own principal", func(t *testing.T, f *fixture) error {
			_, held, _ := f.s.assignmentsOf(byID(f.sp.id), onPrincipal, f.later)
			other := byID(f.graph.id)
			return f.s.removeAssignment(&other, onPrincipal, held[0].ID, f.later)
		}, 404, "Request_ResourceNotFound", ""},

		// Delegated grants.
		{"createGrant: both principals must have replicated", func(t *testing.T, f *fixture) error {
			_, sp := f.replicating(t)
			_, err := f.s.createGrant(DelegatedGrant{ClientID: sp.id, ResourceID: f.graph.id, ConsentType: "AllPrincipals", Scope: "User.Read"}, f.during)
			return err
		}, 404, "Directory_ObjectNotFound", ""},
		{"createGrant: a user's consent needs the user", func(t *testing.T, f *fixture) error {
			_, err := f.s.createGrant(DelegatedGrant{ClientID: f.sp.id, ResourceID: f.graph.id, ConsentType: "Principal", PrincipalID: newGUID(), Scope: "User.Read"}, f.later)
			return err
		}, 404, "Request_ResourceNotFound", ""},
		{"createGrant: once per client and resource", func(t *testing.T, f *fixture) error {
			in := DelegatedGrant{ClientID: f.sp.id, ResourceID: f.graph.id, ConsentType: "AllPrincipals", Scope: "User.Read"}
			if _, err := f.s.createGrant(in, f.later); err != nil {
				t.Fatal(err)
			}
			_, err := f.s.createGrant(in, f.later)
			return err
		}, 400, "Request_BadRequest", "Permission entry already exists."},
		{"createGrant: scope at most 3850 characters", func(t *testing.T, f *fixture) error {
			_, err := f.s.createGrant(DelegatedGrant{ClientID: f.sp.id, ResourceID: f.graph.id, ConsentType: "AllPrincipals", Scope: long}, f.later)
			return err
		}, 400, "Request_BadRequest", "'scope'"},
		{"updateGrantScope: scope at most 3850 characters", func(t *testing.T, f *fixture) error {
			g, err := f.s.createGrant(DelegatedGrant{ClientID: f.sp.id, ResourceID: f.graph.id, ConsentType: "AllPrincipals", Scope: "User.Read"}, f.later)
			if err != nil {
				t.Fatal(err)
			}
			return f.s.updateGrantScope(g.ID, long, f.later)
		}, 400, "Request_BadRequest", "'scope'"},
		{"deleteGrant: unknown id", func(t *testing.T, f *fixture) error {
			return f.s.deleteGrant("nope", f.later)
		}, 404, "Request_ResourceNotFound", ""},

		// Deleted items.
		{"restore application: not while another has its appId", func(t *testing.T, f *fixture) error {
			if err := f.s.deleteApplication(byID(f.app.id), f.later); err != nil {
				t.Fatal(err)
			}
			f.s.apps[f.app.id+"x"] = &application{id: f.app.id + "x", appID: f.app.appID, displayName: "Twin"}
			_, err := f.s.restore(f.app.id, f.later)
			return err
		}, 409, "Request_MultipleObjectsWithSameKeyValue", "cannot be restored"},
		{"restore application: without its service principal", func(t *testing.T, f *fixture) error {
			if err := f.s.deleteApplication(byID(f.app.id), f.later); err != nil {
				t.Fatal(err)
			}
			if _, err := f.s.restore(f.app.id, f.later); err != nil {
				return err
			}
			_, err := f.s.servicePrincipal(ref{value: f.app.appID, byAppID: true}, f.later)
			return err
		}, 404, "Request_ResourceNotFound", ""},
		{"restore service principal: with its assignments", func(t *testing.T, f *fixture) error {
			if err := f.s.deleteServicePrincipal(byID(f.sp.id), f.later); err != nil {
				t.Fatal(err)
			}
			if _, err := f.s.restore(f.sp.id, f.later); err != nil {
				return err
			}
			if _, held, _ := f.s.assignmentsOf(byID(f.sp.id), onPrincipal, f.later); len(held) != 1 || held[0].AppRoleID != f.role {
				t.Errorf("assignments after restore: %+v", held)
			}
			return nil
		}, 0, "", ""},
		{"restore service principal: not while another has its appId", func(t *testing.T, f *fixture) error {
			if err := f.s.deleteServicePrincipal(byID(f.sp.id), f.later); err != nil {
				t.Fatal(err)
			}
			if _, err := f.s.createServicePrincipal(f.app.appID, f.later); err != nil {
				t.Fatal(err)
			}
			_, err := f.s.restore(f.sp.id, f.later)
			return err
		}, 409, "Request_MultipleObjectsWithSameKeyValue", "cannot be created, updated, or restored"},
		{"restore service principal: needs its application", func(t *testing.T, f *fixture) error {
			if err := f.s.deleteApplication(byID(f.app.id), f.later); err != nil {
				t.Fatal(err)
			}
			_, err := f.s.restore(f.sp.id, f.later)
			return err
		}, 400, "Request_BadRequest", "does not reference a valid application object"},
		{"purge application: its deleted service principal goes too", func(t *testing.T, f *fixture) error {
			if err := f.s.deleteApplication(byID(f.app.id), f.later); err != nil {
				t.Fatal(err)
			}
			if err := f.s.purge(f.app.id); err != nil {
				return err
			}
			if n := len(f.s.deletedServicePrincipals()); n != 0 {
				t.Errorf("%d deleted service principals left", n)
			}
			return f.s.purge(f.app.id)
		}, 404, "Request_ResourceNotFound", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run(t, newFixture(t))
			if tc.status == 0 {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			var ge *graphError
			if !errors.As(err, &ge) {
				t.Fatalf("want Graph error %d %s, got %v", tc.status, tc.code, err)
			}
			if ge.status != tc.status || ge.code != tc.code || !strings.Contains(ge.message, tc.msg) {
				t.Fatalf("got %d %s %q, want %d %s containing %q", ge.status, ge.code, ge.message, tc.status, tc.code, tc.msg)
			}
			if tc.status == 404 && !errors.Is(err, ErrNotFound) {
				t.Error("a 404 does not match ErrNotFound")
			}
		})
	}
}
