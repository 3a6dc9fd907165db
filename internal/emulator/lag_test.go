package emulator_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// eventually polls f until it succeeds or the bound passes: replication lag is the one wait
// these tests allow, and it is bounded.
func eventually(t *testing.T, bound time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after %v: %v", what, bound, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestReplicationLag(t *testing.T) {
	// Long enough that the checks right after each write finish inside it even on a loaded
	// machine; the test waits for it only once, by polling.
	const lag = 1500 * time.Millisecond
	e := start(t, emulator.Options{ReplicationLag: lag})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	seed := e.Seed()

	// A new application: created (201 with its body), then invisible elsewhere.
	created, err := g.Applications().Post(c, newApp("Lagging"), nil)
	if err != nil {
		t.Fatal(err)
	}
	id, appID := *created.GetId(), *created.GetAppId()
	_, err = g.Applications().ByApplicationId(id).Get(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", id)
	list, err := g.Applications().Get(c, &applications.ApplicationsRequestBuilderGetRequestConfiguration{
		QueryParameters: &applications.ApplicationsRequestBuilderGetQueryParameters{Filter: ptr("appId eq '" + appID + "'")},
	})
	if err != nil || len(list.GetValue()) != 0 {
		t.Fatalf("filter during lag: %v %d", err, len(list.GetValue()))
	}
	sp := models.NewServicePrincipal()
	sp.SetAppId(&appID)
	_, err = g.ServicePrincipals().Post(c, sp, nil)
	wantGraphErr(t, err, 400, "Request_BadRequest", "does not reference a valid application object")
	_, err = token(t, e, appID, "any", graphScope)
	wantAADSTS(t, err, 400, "AADSTS700016")

	// A new secret on a replicated application is unknown to sign-in for a while.
	visibleApp, _ := e.Portal().CreateApplication("Visible", "User.Read.All")
	newSecret := addPassword(t, g, visibleApp.ObjectID)
	_, err = token(t, e, visibleApp.AppID, newSecret, graphScope)
	wantAADSTS(t, err, 401, "AADSTS7000215")

	// A new service principal cannot be referenced yet.
	other, _ := e.Portal().CreateApplication("Other")
	otherSP, _ := e.Portal().ServicePrincipalByAppID(other.AppID)
	if err := e.Portal().DeleteServicePrincipal(otherSP.ObjectID); err != nil {
		t.Fatal(err)
	}
	sp.SetAppId(&other.AppID)
	newSP, err := g.ServicePrincipals().Post(c, sp, nil)
	if err != nil {
		t.Fatal(err)
	}
	assign := models.NewAppRoleAssignment()
	p, r, role := uuid.MustParse(*newSP.GetId()), uuid.MustParse(seed.GraphServicePrincipalID), uuid.MustParse(userReadAllRole)
	assign.SetPrincipalId(&p)
	assign.SetResourceId(&r)
	assign.SetAppRoleId(&role)
	_, err = g.ServicePrincipals().ByServicePrincipalId(seed.GraphServicePrincipalID).AppRoleAssignedTo().Post(c, assign, nil)
	wantGraphErr(t, err, 400, "Request_BadRequest", "Not a valid reference update.")
	_, err = g.ServicePrincipals().ByServicePrincipalId(*newSP.GetId()).AppRoleAssignments().Post(c, assign, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", *newSP.GetId())
	grant := models.NewOAuth2PermissionGrant()
	grant.SetClientId(newSP.GetId())
	grant.SetResourceId(ptr(seed.GraphServicePrincipalID))
	grant.SetConsentType(ptr("AllPrincipals"))
	grant.SetScope(ptr("User.Read"))
	_, err = g.Oauth2PermissionGrants().Post(c, grant, nil)
	wantGraphErr(t, err, 404, "Directory_ObjectNotFound", "")

	// Then everything replicates.
	bound := lag + 5*time.Second
	eventually(t, bound, "get application", func() error { _, err := g.Applications().ByApplicationId(id).Get(c, nil); return err })
	sp.SetAppId(&appID)
	if _, err := g.ServicePrincipals().Post(c, sp, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, bound, "sign in with the new secret", func() error { _, err := token(t, e, visibleApp.AppID, newSecret, graphScope); return err })
	eventually(t, bound, "assign to the new principal", func() error {
		_, err := g.ServicePrincipals().ByServicePrincipalId(seed.GraphServicePrincipalID).AppRoleAssignedTo().Post(c, assign, nil)
		return err
	})
	if _, err := g.Oauth2PermissionGrants().Post(c, grant, nil); err != nil {
		t.Fatal(err)
	}

	// Turning the lag off makes new objects visible at once.
	e.SetReplicationLag(0)
	created, err = g.Applications().Post(c, newApp("Instant"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Applications().ByApplicationId(*created.GetId()).Get(c, nil); err != nil {
		t.Fatalf("without lag: %v", err)
	}
}
