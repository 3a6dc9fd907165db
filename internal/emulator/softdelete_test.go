package emulator_test

import (
	"testing"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// TestDeletedServicePrincipals: service principals are soft-deleted like applications, and
// listed, read, restored and purged through /directory/deletedItems, as msgraph-sdk-go calls
// them.
func TestDeletedServicePrincipals(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	seed := e.Seed()
	app, secret := e.Portal().CreateApplication("Soft", "User.Read.All")
	sp, ok := e.Portal().ServicePrincipalByAppID(app.AppID)
	if !ok {
		t.Fatal("no service principal")
	}

	if err := g.ServicePrincipals().ByServicePrincipalId(sp.ObjectID).Delete(c, nil); err != nil {
		t.Fatal(err)
	}
	_, err := g.ServicePrincipals().ByServicePrincipalId(sp.ObjectID).Get(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", sp.ObjectID)
	if len(e.Portal().AppRoleAssignments(sp.ObjectID)) != 0 {
		t.Fatal("assignments of a deleted service principal still count")
	}

	list, err := g.Directory().DeletedItems().GraphServicePrincipal().Get(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := list.GetValue(); len(v) != 1 || *v[0].GetId() != sp.ObjectID || v[0].GetDeletedDateTime() == nil {
		t.Fatalf("deleted service principals: %d", len(v))
	}
	obj, err := g.Directory().DeletedItems().ByDirectoryObjectId(sp.ObjectID).Get(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := obj.(models.ServicePrincipalable); !ok || *d.GetAppId() != app.AppID {
		t.Fatalf("deleted item is %T", obj)
	}

	restored, err := g.Directory().DeletedItems().ByDirectoryObjectId(sp.ObjectID).Restore().Post(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := restored.(models.ServicePrincipalable); !ok || r.GetDeletedDateTime() != nil {
		t.Fatalf("restored %T", restored)
	}
	held := e.Portal().AppRoleAssignments(sp.ObjectID)
	if len(held) != 1 || held[0].ResourceID != seed.GraphServicePrincipalID {
		t.Fatalf("restored service principal holds %+v, want its Graph role back", held)
	}
	tok, err := token(t, e, app.AppID, secret, graphScope)
	if err != nil {
		t.Fatalf("sign in as the restored principal: %v", err)
	}
	if r := roles(t, tok); len(r) != 1 || r[0] != "User.Read.All" {
		t.Fatalf("restored principal's token roles %v", r)
	}

	// A deleted principal does not block a new one for the same application; restoring the
	// old one then conflicts, as in Entra.
	if err := g.ServicePrincipals().ByServicePrincipalId(sp.ObjectID).Delete(c, nil); err != nil {
		t.Fatal(err)
	}
	body := models.NewServicePrincipal()
	body.SetAppId(ptr(app.AppID))
	if _, err := g.ServicePrincipals().Post(c, body, nil); err != nil {
		t.Fatalf("new principal while the old one is deleted: %v", err)
	}
	_, err = g.Directory().DeletedItems().ByDirectoryObjectId(sp.ObjectID).Restore().Post(c, nil)
	wantGraphErr(t, err, 409, "Request_MultipleObjectsWithSameKeyValue", app.AppID)

	if err := g.Directory().DeletedItems().ByDirectoryObjectId(sp.ObjectID).Delete(c, nil); err != nil {
		t.Fatalf("purge: %v", err)
	}
	if n := len(e.Portal().DeletedServicePrincipals()); n != 0 {
		t.Fatalf("%d deleted service principals after purge", n)
	}
	err = g.Directory().DeletedItems().ByDirectoryObjectId(sp.ObjectID).Delete(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", sp.ObjectID)
}

// TestDeletedApplicationTakesItsServicePrincipal: deleting a registration soft-deletes its
// service principal; restoring the registration does not restore the principal (it is
// restored on its own), and purging the registration purges its deleted principal.
func TestDeletedApplicationTakesItsServicePrincipal(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	app, _ := e.Portal().CreateApplication("Both")
	sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)

	if err := g.Applications().ByApplicationId(app.ObjectID).Delete(c, nil); err != nil {
		t.Fatal(err)
	}
	if d := e.Portal().DeletedServicePrincipals(); len(d) != 1 || d[0].ObjectID != sp.ObjectID {
		t.Fatalf("deleted service principals %+v", d)
	}
	if _, err := g.Directory().DeletedItems().ByDirectoryObjectId(sp.ObjectID).Restore().Post(c, nil); err == nil {
		t.Fatal("restored a service principal whose application is deleted")
	}
	if _, err := g.Directory().DeletedItems().ByDirectoryObjectId(app.ObjectID).Restore().Post(c, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.Portal().ServicePrincipalByAppID(app.AppID); ok {
		t.Fatal("restoring the application restored its service principal")
	}
	if _, err := g.Directory().DeletedItems().ByDirectoryObjectId(sp.ObjectID).Restore().Post(c, nil); err != nil {
		t.Fatalf("restore the principal after its application: %v", err)
	}

	if err := g.Applications().ByApplicationId(app.ObjectID).Delete(c, nil); err != nil {
		t.Fatal(err)
	}
	if err := g.Directory().DeletedItems().ByDirectoryObjectId(app.ObjectID).Delete(c, nil); err != nil {
		t.Fatal(err)
	}
	if len(e.Portal().DeletedApplications()) != 0 || len(e.Portal().DeletedServicePrincipals()) != 0 {
		t.Fatal("purging the application left deleted items behind")
	}
}
