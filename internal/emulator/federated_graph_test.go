package emulator_test

import (
	"fmt"
	"slices"
	"testing"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

const tokenExchangeAudience = "api://AzureADTokenExchange"

func newFIC(name, issuer, subject string, audiences ...string) models.FederatedIdentityCredentialable {
	fc := models.NewFederatedIdentityCredential()
	fc.SetName(ptr(name))
	fc.SetIssuer(ptr(issuer))
	fc.SetSubject(ptr(subject))
	if audiences != nil {
		fc.SetAudiences(audiences)
	}
	return fc
}

// TestFederatedCredentialsThroughGraph: create, read by id and by name, list with $filter,
// update and delete a federated identity credential as msgraph-sdk-go calls them, with
// Graph's rules on each.
func TestFederatedCredentialsThroughGraph(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	app, _ := e.Portal().CreateApplication("Federated")
	fics := g.Applications().ByApplicationId(app.ObjectID).FederatedIdentityCredentials()
	issuer := e.Portal().OIDCIssuer("github")

	created, err := fics.Post(c, newFIC("main", issuer, "repo:contoso/migrate:ref:refs/heads/main", tokenExchangeAudience), nil)
	if err != nil {
		t.Fatal(err)
	}
	id := *created.GetId()
	if *created.GetName() != "main" || *created.GetIssuer() != issuer || !slices.Equal(created.GetAudiences(), []string{tokenExchangeAudience}) || created.GetDescription() != nil {
		t.Fatalf("created %v %v %v", *created.GetName(), *created.GetIssuer(), created.GetAudiences())
	}
	status, raw := rawGraph(t, e, "GET", "/v1.0/applications/"+app.ObjectID+"/federatedIdentityCredentials/"+id, bootstrapToken(t, e), nil)
	if want := "https://graph.microsoft.com/v1.0/$metadata#applications('" + app.ObjectID + "')/federatedIdentityCredentials/$entity"; status != 200 || raw["@odata.context"] != want {
		t.Fatalf("GET by id: %d %v, want @odata.context %s", status, raw["@odata.context"], want)
	}

	// By name, in both of Graph's forms, and under the application's appId.
	byName, err := fics.ByFederatedIdentityCredentialId("main").Get(c, nil)
	if err != nil || *byName.GetId() != id {
		t.Fatalf("GET by name: %v", err)
	}
	if status, raw := rawGraph(t, e, "GET", "/v1.0/applications(appId='"+app.AppID+"')/federatedIdentityCredentials/main", bootstrapToken(t, e), nil); status != 200 || raw["id"] != id {
		t.Fatalf("GET under the appId: %d %v", status, raw)
	}
	if _, err := g.Applications().ByApplicationId(app.ObjectID).FederatedIdentityCredentialsWithName(ptr("main")).Get(c, nil); err != nil {
		t.Fatalf("GET (name='main'): %v", err)
	}
	list, err := fics.Get(c, &applications.ItemFederatedIdentityCredentialsRequestBuilderGetRequestConfiguration{
		QueryParameters: &applications.ItemFederatedIdentityCredentialsRequestBuilderGetQueryParameters{Filter: ptr("subject eq 'repo:contoso/migrate:ref:refs/heads/main'")},
	})
	if err != nil || len(list.GetValue()) != 1 {
		t.Fatalf("list by subject: %v", err)
	}

	patch := models.NewFederatedIdentityCredential()
	patch.SetDescription(ptr("CI on main"))
	if _, err := fics.ByFederatedIdentityCredentialId(id).Patch(c, patch, nil); err != nil {
		t.Fatal(err)
	}
	if got := e.Portal().FederatedCredentials(app.ObjectID); len(got) != 1 || got[0].Description != "CI on main" || got[0].Subject != "repo:contoso/migrate:ref:refs/heads/main" {
		t.Fatalf("after PATCH: %+v", got)
	}
	rename := models.NewFederatedIdentityCredential()
	rename.SetName(ptr("renamed"))
	_, err = fics.ByFederatedIdentityCredentialId(id).Patch(c, rename, nil)
	wantGraphErr(t, err, 400, "Request_BadRequest", "'name' is read-only")

	if err := fics.ByFederatedIdentityCredentialId("main").Delete(c, nil); err != nil {
		t.Fatal(err)
	}
	_, err = fics.ByFederatedIdentityCredentialId(id).Get(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", id)
}

// TestFederatedCredentialRules: what Graph refuses, with its status and code.
func TestFederatedCredentialRules(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	app, _ := e.Portal().CreateApplication("Rules")
	fics := g.Applications().ByApplicationId(app.ObjectID).FederatedIdentityCredentials()
	issuer := e.Portal().OIDCIssuer("k8s")
	if _, err := fics.Post(c, newFIC("first", issuer, "system:serviceaccount:migrate:runner", tokenExchangeAudience), nil); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		body   models.FederatedIdentityCredentialable
		status int
		code   string
		msg    string
	}{
		{"no audience", newFIC("a", issuer, "s1"), 400, "Request_BadRequest", "'audiences'"},
		{"two audiences", newFIC("b", issuer, "s2", tokenExchangeAudience, "api://other"), 400, "Request_BadRequest", "'audiences'"},
		{"no subject", newFIC("c", issuer, "", tokenExchangeAudience), 400, "Request_BadRequest", "'subject'"},
		{"no issuer", newFIC("d", "", "s3", tokenExchangeAudience), 400, "Request_BadRequest", "'issuer'"},
		{"name not URL friendly", newFIC("ci/main", issuer, "s4", tokenExchangeAudience), 400, "Request_BadRequest", "'name'"},
		{"name taken", newFIC("FIRST", issuer, "s5", tokenExchangeAudience), 409, "Request_MultipleObjectsWithSameKeyValue", "FederatedIdentityCredential with name FIRST already exists."},
		{"issuer and subject taken", newFIC("other", issuer, "system:serviceaccount:migrate:runner", tokenExchangeAudience), 400, "InvalidFederatedIdentityCredentialValue", "combination of issuer and subject must be unique"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fics.Post(c, tc.body, nil)
			wantGraphErr(t, err, tc.status, tc.code, tc.msg)
		})
	}

	// At most 20 per application.
	for i := 2; i <= 20; i++ {
		if _, err := fics.Post(c, newFIC(fmt.Sprintf("fic-%d", i), issuer, fmt.Sprintf("sub-%d", i), tokenExchangeAudience), nil); err != nil {
			t.Fatalf("credential %d: %v", i, err)
		}
	}
	_, err := fics.Post(c, newFIC("fic-21", issuer, "sub-21", tokenExchangeAudience), nil)
	wantGraphErr(t, err, 400, "Request_BadRequest", "maximum of 20")
	if n := len(e.Portal().FederatedCredentials(app.ObjectID)); n != 20 {
		t.Fatalf("%d credentials, want 20", n)
	}

	// Reading needs Application.Read.All, writing Application.ReadWrite.All.
	reader, secret := e.Portal().CreateApplication("Reader", "Application.Read.All")
	rg := graphClient(t, e, reader.AppID, secret)
	if _, err := rg.Applications().ByApplicationId(app.ObjectID).FederatedIdentityCredentials().Get(c, nil); err != nil {
		t.Fatalf("reader lists: %v", err)
	}
	_, err = rg.Applications().ByApplicationId(app.ObjectID).FederatedIdentityCredentials().Post(c, newFIC("x", issuer, "x", tokenExchangeAudience), nil)
	wantGraphErr(t, err, 403, "Authorization_RequestDenied", "Insufficient privileges")
}

// TestFederatedCredentialUpsert: PATCH (name='...') with Prefer: create-if-missing creates the
// credential once (201), then updates it (204): the idempotent write a retried apply needs.
func TestFederatedCredentialUpsert(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	app, _ := e.Portal().CreateApplication("Upsert")
	byName := g.Applications().ByApplicationId(app.ObjectID).FederatedIdentityCredentialsWithName(ptr("deploy"))
	body := models.NewFederatedIdentityCredential()
	body.SetIssuer(ptr(e.Portal().OIDCIssuer("ado")))
	body.SetSubject(ptr("sc://contoso/migrate/stellar"))
	body.SetAudiences([]string{tokenExchangeAudience})

	_, err := byName.Patch(c, body, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", "deploy") // without Prefer, an update

	h := abstractions.NewRequestHeaders()
	h.Add("Prefer", "create-if-missing")
	cfg := &applications.ItemFederatedIdentityCredentialsWithNameRequestBuilderPatchRequestConfiguration{Headers: h}
	created, err := byName.Patch(c, body, cfg)
	if err != nil || created == nil || *created.GetName() != "deploy" {
		t.Fatalf("upsert create: %v", err)
	}
	body.SetDescription(ptr("again"))
	if _, err := byName.Patch(c, body, cfg); err != nil {
		t.Fatalf("upsert update: %v", err)
	}
	if got := e.Portal().FederatedCredentials(app.ObjectID); len(got) != 1 || got[0].Description != "again" {
		t.Fatalf("after two upserts: %+v", got)
	}
}

// TestFederatedCredentialsFollowTheApplication: a soft-deleted application keeps its
// credentials, and a restored one has them back.
func TestFederatedCredentialsFollowTheApplication(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	app, _ := e.Portal().CreateApplication("Deleted with credentials")
	want, err := e.Portal().AddFederatedCredential(app.ObjectID, emulator.FederatedCredential{Name: "main", Issuer: e.Portal().OIDCIssuer("github"), Subject: "repo:contoso/migrate:ref:refs/heads/main", Audiences: []string{tokenExchangeAudience}})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Applications().ByApplicationId(app.ObjectID).Delete(c, nil); err != nil {
		t.Fatal(err)
	}
	_, err = g.Applications().ByApplicationId(app.ObjectID).FederatedIdentityCredentials().Get(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", app.ObjectID)
	deleted := e.Portal().DeletedApplications()
	if len(deleted) != 1 || len(deleted[0].FederatedCredentials) != 1 || deleted[0].FederatedCredentials[0].ID != want.ID {
		t.Fatalf("deleted application's credentials: %+v", deleted)
	}
	if _, err := g.Directory().DeletedItems().ByDirectoryObjectId(app.ObjectID).Restore().Post(c, nil); err != nil {
		t.Fatal(err)
	}
	list, err := g.Applications().ByApplicationId(app.ObjectID).FederatedIdentityCredentials().Get(c, nil)
	if err != nil || len(list.GetValue()) != 1 || *list.GetValue()[0].GetId() != want.ID {
		t.Fatalf("restored application's credentials: %v", err)
	}
	if *list.GetValue()[0].GetSubject() != want.Subject {
		t.Fatalf("subject %s", *list.GetValue()[0].GetSubject())
	}
}
