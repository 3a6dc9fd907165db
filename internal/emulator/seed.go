package emulator

import (
	"fmt"
	"time"
)

// Fixed identities of the seeded tenant. Examples, the demo and other packages' tests rely on
// them, so they are constants; the object ids of service principals and of the bootstrap
// application are random per start, as they differ per tenant in Entra.
const (
	SeedTenantID          = "4a1f6b2e-8c3d-4e5f-9a0b-1c2d3e4f5a6b"
	SeedTenantDisplayName = "Contoso"
	SeedInitialDomain     = "contoso.onmicrosoft.com"
	SeedDefaultDomain     = "contoso.com"

	BootstrapClientID    = "7d3c9a10-2b4e-4f6a-8c1d-5e9f0a2b3c4d"
	BootstrapDisplayName = "Stellar Terraform bootstrap"

	GraphAppID    = "00000003-0000-0000-c000-000000000000"
	ExchangeAppID = "00000002-0000-0ff1-ce00-000000000000"

	// GraphResource and ExchangeResource are the resource URIs (token audiences).
	GraphResource    = "https://graph.microsoft.com"
	ExchangeResource = "https://outlook.office365.com"

	// microsoftServicesTenantID owns Microsoft's first-party applications; Graph reports it
	// as appOwnerOrganizationId of their service principals.
	microsoftServicesTenantID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
)

// bootstrapRoles are the Graph application permissions consented for the bootstrap app:
// enough to register an application, grant it permissions and look up users and the tenant.
var bootstrapRoles = []string{
	"Application.ReadWrite.All",
	"AppRoleAssignment.ReadWrite.All",
	"DelegatedPermissionGrant.ReadWrite.All",
	"User.Read.All",
	"Organization.Read.All",
}

var seedUsers = []*user{
	{id: "0b1f6c2e-7a3d-4e58-9c41-2d6f8a1b3c5e", upn: "admin@contoso.com", displayName: "MOD Administrator", givenName: "MOD", surname: "Administrator", mail: "admin@contoso.com", hasMailbox: true, timeZone: "Pacific Standard Time"},
	{id: "3c9e2a71-5d4b-4f86-a2c7-8e1d0b6f4a93", upn: "adele.vance@contoso.com", displayName: "Adele Vance", givenName: "Adele", surname: "Vance", mail: "adele.vance@contoso.com", jobTitle: "Retail Manager", officeLocation: "18/2111", hasMailbox: true, timeZone: "Pacific Standard Time"},
	{id: "6e4a8d15-2b7c-4c39-b5e8-1f0a7d3c9b62", upn: "megan.bowen@contoso.com", displayName: "Megan Bowen", givenName: "Megan", surname: "Bowen", mail: "megan.bowen@contoso.com", jobTitle: "Marketing Manager", officeLocation: "12/1110", hasMailbox: true, timeZone: "W. Europe Standard Time"},
	// An account without an Exchange Online mailbox (no licence): mail is empty and
	// mailboxSettings answers MailboxNotEnabledForRESTAPI.
	{id: "9a2d5f38-6c1e-4b74-8d93-4e7b2a0c6f15", upn: "no.mailbox@contoso.com", displayName: "No Mailbox", givenName: "No", surname: "Mailbox"},
}

// exchangeAppRoles and exchangeScopes are the permissions of Office 365 Exchange Online the
// emulator knows. Ids are the same in every tenant (see the reference notes); display texts
// are those the Entra portal shows.
var exchangeAppRoles = []AppRole{
	{ID: "dc890d15-9560-4a4c-9b7f-a736ec74ec40", Value: "full_access_as_app", DisplayName: "Use Exchange Web Services with full access to all mailboxes", Description: "Allows the app to have full access via Exchange Web Services to all mailboxes without a signed-in user."},
	{ID: "dc50a0fb-09a3-484d-be87-e023b12c6440", Value: "Exchange.ManageAsApp", DisplayName: "Manage Exchange As Application", Description: "Allows the app to manage the organization's Exchange environment without any user interaction. This includes mailboxes, groups, and other configuration objects. To enable management actions, an admin must assign the appropriate roles directly to the app."},
}

var exchangeScopes = []PermissionScope{
	{ID: "3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5", Value: "EWS.AccessAsUser.All", Type: "User", AdminConsentDisplayName: "Access mailboxes as the signed-in user via Exchange Web Services", AdminConsentDescription: "Allows the app to have the same access to mailboxes as the signed-in user via Exchange Web Services."},
}

// newSeededStore builds the tenant every emulator starts with. bootstrapSecret empty means a
// random secret.
func newSeededStore(bootstrapSecret string) (*store, Seed) {
	now := time.Now().UTC()
	created := now.AddDate(-1, 0, 0)
	s := &store{
		tenantID:    SeedTenantID,
		displayName: SeedTenantDisplayName,
		domains: []domain{
			{name: SeedInitialDomain, initial: true},
			{name: SeedDefaultDomain, isDefault: true},
		},
		created:     created,
		apps:        map[string]*application{},
		deleted:     map[string]*application{},
		sps:         map[string]*servicePrincipal{},
		assignments: map[string]*assignment{},
		grants:      map[string]*grant{},
	}
	for _, u := range seedUsers {
		cp := *u
		s.users = append(s.users, &cp)
	}

	graph := &servicePrincipal{
		id: newGUID(), appID: GraphAppID, displayName: "Microsoft Graph", appDisplayName: "Microsoft Graph",
		ownerTenant: microsoftServicesTenantID, appRoles: append([]AppRole(nil), graphAppRoles...),
		scopes: append([]PermissionScope(nil), graphScopes...), created: created,
		resourceURIs: []string{GraphResource}, audience: GraphResource,
	}
	exchange := &servicePrincipal{
		id: newGUID(), appID: ExchangeAppID, displayName: "Office 365 Exchange Online", appDisplayName: "Office 365 Exchange Online",
		ownerTenant: microsoftServicesTenantID, appRoles: append([]AppRole(nil), exchangeAppRoles...),
		scopes: append([]PermissionScope(nil), exchangeScopes...), created: created.Add(time.Second),
		resourceURIs: []string{ExchangeResource}, audience: ExchangeResource,
	}
	s.sps[graph.id] = graph
	s.sps[exchange.id] = exchange

	if bootstrapSecret == "" {
		bootstrapSecret = newSecret()
	}
	app, sp := s.createAppWithSP(BootstrapDisplayName, BootstrapClientID, created.Add(2*time.Second), bootstrapRoles)
	p := &password{keyID: newGUID(), displayName: "stellar-emulator", secret: bootstrapSecret, hint: hint(bootstrapSecret), start: now, end: now.AddDate(2, 0, 0)}
	app.passwords = append(app.passwords, p)

	seed := Seed{
		TenantID:                    SeedTenantID,
		TenantDomain:                SeedDefaultDomain,
		InitialDomain:               SeedInitialDomain,
		DisplayName:                 SeedTenantDisplayName,
		BootstrapClientID:           BootstrapClientID,
		BootstrapSecret:             bootstrapSecret,
		BootstrapObjectID:           app.id,
		BootstrapServicePrincipalID: sp.id,
		GraphServicePrincipalID:     graph.id,
		ExchangeServicePrincipalID:  exchange.id,
	}
	for _, u := range s.users {
		seed.Users = append(seed.Users, SeedUser{UPN: u.upn, ID: u.id, DisplayName: u.displayName, HasMailbox: u.hasMailbox})
	}
	return s, seed
}

// createAppWithSP registers an application (appID empty: a new one) with a service principal
// and admin consent for the named Graph application permissions, immediately visible: what an
// administrator does in the portal. It panics on an unknown role: callers pass constants.
func (s *store) createAppWithSP(displayName, appID string, at time.Time, graphRoles []string) (*application, *servicePrincipal) {
	if appID == "" {
		appID = newGUID()
	}
	graph := s.spByAppIDAny(GraphAppID)
	app := &application{id: newGUID(), appID: appID, displayName: displayName, signInAudience: "AzureADMyOrg", created: at}
	if len(graphRoles) > 0 {
		rra := RequiredResourceAccess{ResourceAppID: GraphAppID}
		for _, v := range graphRoles {
			role := graph.appRoleByValue(v)
			if role == nil {
				panic(fmt.Sprintf("emulator: unknown Microsoft Graph application permission %q", v))
			}
			rra.ResourceAccess = append(rra.ResourceAccess, ResourceAccess{ID: role.ID, Type: "Role"})
		}
		app.rra = []RequiredResourceAccess{rra}
	}
	s.apps[app.id] = app
	sp := &servicePrincipal{id: newGUID(), appID: appID, displayName: displayName, appDisplayName: displayName, ownerTenant: s.tenantID, created: at}
	s.sps[sp.id] = sp
	for i, v := range graphRoles {
		role := graph.appRoleByValue(v)
		a := &assignment{AppRoleAssignment: AppRoleAssignment{
			ID: newAssignmentID(sp.id), PrincipalID: sp.id, PrincipalDisplayName: displayName,
			ResourceID: graph.id, ResourceDisplayName: graph.displayName, AppRoleID: role.ID,
			CreatedDateTime: at.Add(time.Duration(i) * time.Millisecond),
		}}
		s.assignments[a.ID] = a
	}
	return app, sp
}

// hint is what Graph shows of a secret after creation: its first three characters.
func hint(secret string) string {
	if len(secret) < 3 {
		return secret
	}
	return secret[:3]
}
