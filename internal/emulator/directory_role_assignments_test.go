package emulator_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// Directory roles through Graph's unified RBAC API: what a provider does to give an
// application's service principal the Exchange Administrator role that Exchange.ManageAsApp
// needs, read it back and take it away, and what the principal's tokens then carry.

// roleManagementScope is the delegated scope that writes role assignments.
const roleManagementScope = "https://graph.microsoft.com/RoleManagement.ReadWrite.Directory"

func newRoleAssignment(principalID, roleID string) models.UnifiedRoleAssignmentable {
	a := models.NewUnifiedRoleAssignment()
	a.SetPrincipalId(&principalID)
	a.SetRoleDefinitionId(&roleID)
	a.SetDirectoryScopeId(ptr("/"))
	return a
}

// roleAssignmentsWhere lists the role assignments $filter selects.
func roleAssignmentsWhere(t *testing.T, g *msgraphsdk.GraphServiceClient, filter string) ([]models.UnifiedRoleAssignmentable, error) {
	t.Helper()
	res, err := g.RoleManagement().Directory().RoleAssignments().Get(ctx(t), &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetRequestConfiguration{
		QueryParameters: &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetQueryParameters{Filter: &filter},
	})
	if err != nil {
		return nil, err
	}
	return res.GetValue(), nil
}

// heldRoleIDs is the roleDefinitionIds of the principal's assignments, as a client reads them.
func heldRoleIDs(t *testing.T, g *msgraphsdk.GraphServiceClient, principalID string) []string {
	t.Helper()
	list, err := roleAssignmentsWhere(t, g, "principalId eq '"+principalID+"'")
	if err != nil {
		t.Fatalf("list the roles of %s: %v", principalID, err)
	}
	var out []string
	for _, a := range list {
		out = append(out, *a.GetRoleDefinitionId())
	}
	return out
}

func wids(t *testing.T, tok string) []string {
	t.Helper()
	var out []string
	if ws, ok := claims(t, tok)["wids"].([]any); ok {
		for _, w := range ws {
			out = append(out, as[string](t, w))
		}
	}
	return out
}

// lastRequest is the request log's last entry for method and path.
func lastRequest(t *testing.T, e *emulator.Emulator, method, path string) emulator.Request {
	t.Helper()
	rs := e.Requests()
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].Method == method && rs[i].Path == path {
			return rs[i]
		}
	}
	t.Fatalf("no %s %s in the request log", method, path)
	return emulator.Request{}
}

// TestDirectoryRoleAssignment: create (201 in Graph's shape), read back by principal and by
// id, a second create of the same assignment refused, delete (204, then 404), and the
// service principal's next app-only token carrying the role in wids, then not.
func TestDirectoryRoleAssignment(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	app, secret := e.Portal().CreateApplication("Exchange PowerShell")
	sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)

	tok, err := token(t, e, app.AppID, secret, graphScope)
	if err != nil {
		t.Fatal(err)
	}
	if w := wids(t, tok); slices.Contains(w, emulator.RoleExchangeAdministrator) || len(w) != 1 {
		t.Fatalf("wids before the assignment: %v, want only the implicit one of app-only tokens", w)
	}

	// The documented request, by hand, for the exact answer.
	status, body := rawGraph(t, e, "POST", "/v1.0/roleManagement/directory/roleAssignments", bootstrapToken(t, e), map[string]any{
		"@odata.type": "#microsoft.graph.unifiedRoleAssignment", "principalId": sp.ObjectID,
		"roleDefinitionId": emulator.RoleExchangeAdministrator, "directoryScopeId": "/",
	})
	if status != 201 {
		t.Fatalf("create: %d %v", status, body)
	}
	id := as[string](t, body["id"])
	if !strings.HasSuffix(as[string](t, body["@odata.context"]), "/v1.0/$metadata#roleManagement/directory/roleAssignments/$entity") ||
		body["principalId"] != sp.ObjectID || body["roleDefinitionId"] != emulator.RoleExchangeAdministrator ||
		body["directoryScopeId"] != "/" || body["appScopeId"] != nil || !strings.HasSuffix(id, "-1") {
		t.Fatalf("created %v", body)
	}

	// Read back the way the provider does: by principal, by principal and role, by id.
	if got := heldRoleIDs(t, g, sp.ObjectID); !slices.Equal(got, []string{emulator.RoleExchangeAdministrator}) {
		t.Fatalf("roles of the service principal: %v", got)
	}
	both, err := roleAssignmentsWhere(t, g, "principalId eq '"+sp.ObjectID+"' and roleDefinitionId eq '"+emulator.RoleExchangeAdministrator+"'")
	if err != nil || len(both) != 1 || *both[0].GetId() != id {
		t.Fatalf("filter on principal and role: %v %d", err, len(both))
	}
	got, err := g.RoleManagement().Directory().RoleAssignments().ByUnifiedRoleAssignmentId(id).Get(c, nil)
	if err != nil || *got.GetPrincipalId() != sp.ObjectID || *got.GetDirectoryScopeId() != "/" {
		t.Fatalf("get by id: %v", err)
	}

	// The same assignment again: Graph's conflict, which a client takes for "already held".
	_, err = g.RoleManagement().Directory().RoleAssignments().Post(c, newRoleAssignment(sp.ObjectID, emulator.RoleExchangeAdministrator), nil)
	wantGraphErr(t, err, 400, "Request_BadRequest", "A conflicting object with one or more of the specified property values is present in the directory.")

	// The principal's next app-only token carries the role, for Graph and Exchange alike.
	for _, scope := range []string{graphScope, exchangeScope} {
		tok, err := token(t, e, app.AppID, secret, scope)
		if err != nil {
			t.Fatal(err)
		}
		if w := wids(t, tok); !slices.Contains(w, emulator.RoleExchangeAdministrator) {
			t.Fatalf("wids of a %s token after the assignment: %v", scope, w)
		}
	}

	if err := g.RoleManagement().Directory().RoleAssignments().ByUnifiedRoleAssignmentId(id).Delete(c, nil); err != nil {
		t.Fatal(err)
	}
	path := "/v1.0/roleManagement/directory/roleAssignments/" + id
	if r := lastRequest(t, e, "DELETE", path); r.Status != 204 {
		t.Fatalf("delete answered %d, want 204", r.Status)
	}
	_, err = g.RoleManagement().Directory().RoleAssignments().ByUnifiedRoleAssignmentId(id).Get(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", id)
	err = g.RoleManagement().Directory().RoleAssignments().ByUnifiedRoleAssignmentId(id).Delete(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", id)
	tok, err = token(t, e, app.AppID, secret, graphScope)
	if err != nil {
		t.Fatal(err)
	}
	if w := wids(t, tok); slices.Contains(w, emulator.RoleExchangeAdministrator) {
		t.Fatalf("wids after the delete: %v", w)
	}
}

// TestDirectoryRoleAssignmentBadRequests: what Graph refuses before or while looking the
// principal and the role up.
func TestDirectoryRoleAssignmentBadRequests(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	app, _ := e.Portal().CreateApplication("Target")
	sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)
	unknown := "5b8f2a10-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
	noScope := newRoleAssignment(sp.ObjectID, emulator.RoleExchangeAdministrator)
	noScope.SetDirectoryScopeId(nil)
	auScope := newRoleAssignment(sp.ObjectID, emulator.RoleExchangeAdministrator)
	auScope.SetDirectoryScopeId(ptr("/administrativeUnits/" + unknown))
	for _, tc := range []struct {
		name   string
		body   models.UnifiedRoleAssignmentable
		status int
		code   string
		msg    string
	}{
		{"unknown principal", newRoleAssignment(unknown, emulator.RoleExchangeAdministrator), 404, "Request_ResourceNotFound", "Resource '" + unknown + "' does not exist"},
		{"unknown role", newRoleAssignment(sp.ObjectID, unknown), 404, "Request_ResourceNotFound", "Resource '" + unknown + "' does not exist"},
		{"no directoryScopeId", noScope, 400, "Request_BadRequest", "Must specify valid property scope of entity RoleAssignment"},
		{"a scope the emulator does not serve", auScope, 400, "Request_BadRequest", "Must specify valid property scope"},
		{"principal not a GUID", newRoleAssignment("exchange-app", emulator.RoleExchangeAdministrator), 400, "Request_BadRequest", "'principalId'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := g.RoleManagement().Directory().RoleAssignments().Post(ctx(t), tc.body, nil)
			wantGraphErr(t, err, tc.status, tc.code, tc.msg)
		})
	}
	if held := e.Portal().DirectoryRoleAssignments(sp.ObjectID); len(held) != 0 {
		t.Fatalf("a refused create left %v", held)
	}
}

// TestDirectoryRoleAssignmentPermissions: an application needs RoleManagement.ReadWrite.Directory
// to assign and one of the read permissions to list; a person needs the scope and a Global or
// Privileged Role Administrator role to assign.
func TestDirectoryRoleAssignmentPermissions(t *testing.T) {
	e := start(t, emulator.Options{})
	target, _ := e.Portal().CreateApplication("Target")
	sp, _ := e.Portal().ServicePrincipalByAppID(target.AppID)
	body := func() models.UnifiedRoleAssignmentable {
		return newRoleAssignment(sp.ObjectID, emulator.RoleExchangeAdministrator)
	}

	reader, readerSecret := e.Portal().CreateApplication("Role reader", "RoleManagement.Read.Directory")
	rg := graphClient(t, e, reader.AppID, readerSecret)
	if _, err := roleAssignmentsWhere(t, rg, "principalId eq '"+sp.ObjectID+"'"); err != nil {
		t.Fatalf("RoleManagement.Read.Directory lists: %v", err)
	}
	_, err := rg.RoleManagement().Directory().RoleAssignments().Post(ctx(t), body(), nil)
	wantGraphErr(t, err, 403, "Authorization_RequestDenied", "Insufficient privileges")

	users, usersSecret := e.Portal().CreateApplication("Users only", "User.Read.All")
	_, err = roleAssignmentsWhere(t, graphClient(t, e, users.AppID, usersSecret), "principalId eq '"+sp.ObjectID+"'")
	wantGraphErr(t, err, 403, "Authorization_RequestDenied", "Insufficient privileges")

	// A person: the Azure CLI's pre-authorized scopes hold no RoleManagement permission.
	_, err = roleAssignmentsWhere(t, graphClientWith(t, e, azureCLIGraph(t, e, "admin@contoso.com")), "principalId eq '"+sp.ObjectID+"'")
	wantGraphErr(t, err, 403, "Authorization_RequestDenied", "")

	// With the scope, the role decides: an Application Administrator may consent to it but not
	// assign roles; a Privileged Role Administrator may.
	asUser := func(upn string) *msgraphsdk.GraphServiceClient {
		res, err := deviceCodeToken(t, e, emulator.GraphCLIClientID, upn, []string{roleManagementScope})
		if err != nil {
			t.Fatalf("sign in as %s: %v", upn, err)
		}
		if scp := claims(t, res.AccessToken)["scp"]; !strings.Contains(as[string](t, scp), "RoleManagement.ReadWrite.Directory") {
			t.Fatalf("scp of %s: %v", upn, scp)
		}
		return graphClientWith(t, e, staticTokens{tok: res.AccessToken})
	}
	appAdmin := asUser("appadmin@contoso.com")
	if _, err := roleAssignmentsWhere(t, appAdmin, "principalId eq '"+sp.ObjectID+"'"); err != nil {
		t.Fatalf("a member reads role assignments: %v", err)
	}
	_, err = appAdmin.RoleManagement().Directory().RoleAssignments().Post(ctx(t), body(), nil)
	wantGraphErr(t, err, 403, "Authorization_RequestDenied", "Insufficient privileges")
	if _, err := asUser("roleadmin@contoso.com").RoleManagement().Directory().RoleAssignments().Post(ctx(t), body(), nil); err != nil {
		t.Fatalf("a Privileged Role Administrator assigns: %v", err)
	}
}

// TestSeededRolesAreAssignments: the seeded administrators' roles are role assignments with
// Graph's ids, the built-in role definitions can be looked up by name, and a role assigned to a
// person shows in their next token's wids.
func TestSeededRolesAreAssignments(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	admin, megan := e.Seed().Users[0], e.Seed().Users[2]

	held, err := roleAssignmentsWhere(t, g, "principalId eq '"+admin.ID+"'")
	if err != nil || len(held) != 1 || *held[0].GetRoleDefinitionId() != emulator.RoleGlobalAdministrator {
		t.Fatalf("the administrator's roles: %v %d", err, len(held))
	}
	// Graph's ids start with the role's template ID bytes ("lAPpYvVpN0KRkAEhdxReE" is Global
	// Administrator's, in the documented list examples) and end "-1" for the tenant scope.
	if id := *held[0].GetId(); !strings.HasPrefix(id, "lAPpYvVpN0KRkAEhdxReE") || !strings.HasSuffix(id, "-1") {
		t.Fatalf("assignment id %q is not in Graph's form", id)
	}
	globalAdmins, err := roleAssignmentsWhere(t, g, "roleDefinitionId eq '"+emulator.RoleGlobalAdministrator+"'")
	if err != nil || len(globalAdmins) != 1 || *globalAdmins[0].GetPrincipalId() != admin.ID {
		t.Fatalf("Global Administrators: %v %d", err, len(globalAdmins))
	}

	// The role definition a provider looks up by name, and by id.
	defs, err := g.RoleManagement().Directory().RoleDefinitions().Get(c, &rolemanagement.DirectoryRoleDefinitionsRequestBuilderGetRequestConfiguration{
		QueryParameters: &rolemanagement.DirectoryRoleDefinitionsRequestBuilderGetQueryParameters{Filter: ptr("displayName eq 'Exchange Administrator'")},
	})
	if err != nil || len(defs.GetValue()) != 1 {
		t.Fatalf("role definition by name: %v", err)
	}
	def := defs.GetValue()[0]
	if *def.GetId() != emulator.RoleExchangeAdministrator || *def.GetTemplateId() != emulator.RoleExchangeAdministrator || !*def.GetIsBuiltIn() || !*def.GetIsEnabled() {
		t.Fatalf("Exchange Administrator: id %s template %s", *def.GetId(), *def.GetTemplateId())
	}
	byID, err := g.RoleManagement().Directory().RoleDefinitions().ByUnifiedRoleDefinitionId(emulator.RolePrivilegedRoleAdministrator).Get(c, nil)
	if err != nil || *byID.GetDisplayName() != "Privileged Role Administrator" {
		t.Fatalf("role definition by id: %v", err)
	}
	_, err = g.RoleManagement().Directory().RoleDefinitions().ByUnifiedRoleDefinitionId("00000000-0000-0000-0000-000000000001").Get(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", "")

	// A person's next token carries a role assigned to them.
	if _, err := g.RoleManagement().Directory().RoleAssignments().Post(c, newRoleAssignment(megan.ID, emulator.RoleExchangeAdministrator), nil); err != nil {
		t.Fatal(err)
	}
	tok := azureCLIGraph(t, e, megan.UPN).tok
	if w := wids(t, tok); !slices.Contains(w, emulator.RoleExchangeAdministrator) {
		t.Fatalf("wids of %s after the assignment: %v", megan.UPN, w)
	}
}

// TestDirectoryRoleAssignmentsGoWithTheServicePrincipal: deleting a service principal ends its
// role assignments, and restoring it from the deleted items does not bring them back.
func TestDirectoryRoleAssignmentsGoWithTheServicePrincipal(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	app, secret := e.Portal().CreateApplication("Deleted later")
	sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)
	a, err := g.RoleManagement().Directory().RoleAssignments().Post(c, newRoleAssignment(sp.ObjectID, emulator.RoleExchangeAdministrator), nil)
	if err != nil {
		t.Fatal(err)
	}

	if err := g.ServicePrincipals().ByServicePrincipalId(sp.ObjectID).Delete(c, nil); err != nil {
		t.Fatal(err)
	}
	if got := heldRoleIDs(t, g, sp.ObjectID); len(got) != 0 {
		t.Fatalf("roles of the deleted principal: %v", got)
	}
	_, err = g.RoleManagement().Directory().RoleAssignments().ByUnifiedRoleAssignmentId(*a.GetId()).Get(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", "")

	if _, err := g.Directory().DeletedItems().ByDirectoryObjectId(sp.ObjectID).Restore().Post(c, nil); err != nil {
		t.Fatal(err)
	}
	if got := heldRoleIDs(t, g, sp.ObjectID); len(got) != 0 {
		t.Fatalf("roles of the restored principal: %v", got)
	}
	tok, err := token(t, e, app.AppID, secret, graphScope)
	if err != nil {
		t.Fatal(err)
	}
	if w := wids(t, tok); slices.Contains(w, emulator.RoleExchangeAdministrator) {
		t.Fatalf("wids after the restore: %v", w)
	}
}

// TestDirectoryRoleAssignmentReplicationLag: a new assignment, like any new object, is
// invisible to reads and to token issuance until it has replicated, while a second create
// conflicts at once.
func TestDirectoryRoleAssignmentReplicationLag(t *testing.T) {
	const lag = 1500 * time.Millisecond
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	app, secret := e.Portal().CreateApplication("Lagging role")
	sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)
	e.SetReplicationLag(lag)

	a, err := g.RoleManagement().Directory().RoleAssignments().Post(c, newRoleAssignment(sp.ObjectID, emulator.RoleExchangeAdministrator), nil)
	if err != nil {
		t.Fatal(err)
	}
	id := *a.GetId()
	_, err = g.RoleManagement().Directory().RoleAssignments().ByUnifiedRoleAssignmentId(id).Get(c, nil)
	wantGraphErr(t, err, 404, "Request_ResourceNotFound", id)
	if got := heldRoleIDs(t, g, sp.ObjectID); len(got) != 0 {
		t.Fatalf("listed while replicating: %v", got)
	}
	_, err = g.RoleManagement().Directory().RoleAssignments().Post(c, newRoleAssignment(sp.ObjectID, emulator.RoleExchangeAdministrator), nil)
	wantGraphErr(t, err, 400, "Request_BadRequest", "A conflicting object")

	eventually(t, 10*lag, "the assignment replicates", func() error {
		_, err := g.RoleManagement().Directory().RoleAssignments().ByUnifiedRoleAssignmentId(id).Get(c, nil)
		return err
	})
	tok, err := token(t, e, app.AppID, secret, graphScope)
	if err != nil {
		t.Fatal(err)
	}
	if w := wids(t, tok); !slices.Contains(w, emulator.RoleExchangeAdministrator) {
		t.Fatalf("wids once replicated: %v", w)
	}
}

// TestDirectoryRoleAssignmentInBatch: the create and a read that depends on it as items of
// one JSON batch, served and logged like direct calls.
func TestDirectoryRoleAssignmentInBatch(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	adapter := g.GetAdapter()
	app, _ := e.Portal().CreateApplication("Batched role")
	sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)

	b := msgraphcore.NewBatchRequest(adapter)
	createRI, err := g.RoleManagement().Directory().RoleAssignments().ToPostRequestInformation(c, newRoleAssignment(sp.ObjectID, emulator.RoleExchangeAdministrator), nil)
	if err != nil {
		t.Fatal(err)
	}
	create, err := b.AddBatchRequestStep(*createRI)
	if err != nil {
		t.Fatal(err)
	}
	filter := "principalId eq '" + sp.ObjectID + "'"
	listRI, _ := g.RoleManagement().Directory().RoleAssignments().ToGetRequestInformation(c, &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetRequestConfiguration{
		QueryParameters: &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetQueryParameters{Filter: &filter},
	})
	list, _ := b.AddBatchRequestStep(*listRI)
	list.SetDependsOn([]string{*create.GetId()})

	resp, err := b.Send(c, adapter)
	if err != nil {
		t.Fatal(err)
	}
	if st := resp.GetStatusCodes(); st[*create.GetId()] != 201 || st[*list.GetId()] != 200 {
		t.Fatalf("batch statuses %v", st)
	}
	created, err := msgraphcore.GetBatchResponseById[models.UnifiedRoleAssignmentable](resp, *create.GetId(), models.CreateUnifiedRoleAssignmentFromDiscriminatorValue)
	if err != nil || *created.GetRoleDefinitionId() != emulator.RoleExchangeAdministrator {
		t.Fatalf("created item: %v", err)
	}
	listed, err := msgraphcore.GetBatchResponseById[models.UnifiedRoleAssignmentCollectionResponseable](resp, *list.GetId(), models.CreateUnifiedRoleAssignmentCollectionResponseFromDiscriminatorValue)
	if err != nil || len(listed.GetValue()) != 1 || *listed.GetValue()[0].GetId() != *created.GetId() {
		t.Fatalf("listed item: %v", err)
	}
	if r := lastRequest(t, e, "POST", "/v1.0/roleManagement/directory/roleAssignments"); !r.InBatch || r.Status != 201 {
		t.Fatalf("the batch item in the request log: %+v", r)
	}
}

// TestDirectoryRoleAssignmentsInStateFile: the state file holds the seeded roles from the
// start, and a created or deleted assignment as soon as its answer is back.
func TestDirectoryRoleAssignmentsInStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := start(t, emulator.Options{StateFile: path})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	admin := e.Seed().Users[0]
	app, _ := e.Portal().CreateApplication("Stateful role")
	sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)

	find := func(st emulator.State, principalID string) []emulator.StateRoleAssignment {
		var out []emulator.StateRoleAssignment
		for _, a := range st.Tenants[0].RoleAssignments {
			if a.PrincipalID == principalID {
				out = append(out, a)
			}
		}
		return out
	}
	st, _ := readState(t, path)
	if got := find(st, admin.ID); len(got) != 1 || got[0].RoleDefinitionID != emulator.RoleGlobalAdministrator || got[0].RoleDisplayName != "Global Administrator" {
		t.Fatalf("the administrator's role in the state file: %+v", got)
	}

	a, err := g.RoleManagement().Directory().RoleAssignments().Post(c, newRoleAssignment(sp.ObjectID, emulator.RoleExchangeAdministrator), nil)
	if err != nil {
		t.Fatal(err)
	}
	st, _ = readState(t, path)
	want := emulator.StateRoleAssignment{ID: *a.GetId(), PrincipalID: sp.ObjectID, RoleDefinitionID: emulator.RoleExchangeAdministrator,
		RoleDisplayName: "Exchange Administrator", DirectoryScopeID: "/"}
	if got := find(st, sp.ObjectID); len(got) != 1 || got[0] != want {
		t.Fatalf("the new assignment in the state file: %+v", got)
	}

	if err := g.RoleManagement().Directory().RoleAssignments().ByUnifiedRoleAssignmentId(*a.GetId()).Delete(c, nil); err != nil {
		t.Fatal(err)
	}
	if st, _ = readState(t, path); len(find(st, sp.ObjectID)) != 0 {
		t.Fatalf("the deleted assignment is still in the state file: %+v", find(st, sp.ObjectID))
	}
}

// TestExchangeOnlineAppToken: an application granted Exchange Online's application
// permissions gets, for https://outlook.office365.com/.default, a token for Exchange whose
// roles are exactly those permissions, and none of them in its Graph token.
func TestExchangeOnlineAppToken(t *testing.T) {
	e := start(t, emulator.Options{})
	for _, tc := range []struct {
		name  string
		grant []string
		want  []string
	}{
		{"Exchange.ManageAsApp", []string{"Exchange.ManageAsApp"}, []string{"Exchange.ManageAsApp"}},
		{"both", []string{"full_access_as_app", "Exchange.ManageAsApp"}, []string{"Exchange.ManageAsApp", "full_access_as_app"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app, secret := e.Portal().CreateApplication("Exchange "+tc.name, "User.Read.All")
			sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)
			for _, v := range tc.grant {
				if _, err := e.Portal().AssignAppRole(sp.ObjectID, emulator.ExchangeAppID, v); err != nil {
					t.Fatal(err)
				}
			}
			tok, err := token(t, e, app.AppID, secret, exchangeScope)
			if err != nil {
				t.Fatal(err)
			}
			cl := claims(t, tok)
			if cl["aud"] != emulator.ExchangeResource || cl["idtyp"] != "app" || cl["appid"] != app.AppID {
				t.Fatalf("Exchange token claims %v", cl)
			}
			if got := roles(t, tok); !slices.Equal(got, tc.want) {
				t.Fatalf("roles of the Exchange token %v, want %v", got, tc.want)
			}
			graphTok, err := token(t, e, app.AppID, secret, graphScope)
			if err != nil {
				t.Fatal(err)
			}
			if got := roles(t, graphTok); !slices.Equal(got, []string{"User.Read.All"}) {
				t.Fatalf("roles of the Graph token %v", got)
			}
		})
	}
}
