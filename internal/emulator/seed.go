package emulator

import (
	"fmt"
	"strings"
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
// enough to register an application, grant it permissions, assign its service principal a
// directory role (Exchange Administrator, which Exchange.ManageAsApp needs: creating a role
// assignment needs RoleManagement.ReadWrite.Directory, rbacapplication-post-roleassignments)
// and look up users and the tenant.
var bootstrapRoles = []string{
	"Application.ReadWrite.All",
	"AppRoleAssignment.ReadWrite.All",
	"DelegatedPermissionGrant.ReadWrite.All",
	"User.Read.All",
	"Organization.Read.All",
	"RoleManagement.ReadWrite.Directory",
}

// SeedUserPassword is the password of every seeded user: the emulator is a test tenant, and
// tests and CI jobs sign in as its people by name.
const SeedUserPassword = "Contoso-Emulator-1!"

// seedUsers are the tenant's people: an administrator per role that matters to registering
// and consenting, and members without a role.
var seedUsers = []*user{
	{id: "0b1f6c2e-7a3d-4e58-9c41-2d6f8a1b3c5e", upn: "admin@contoso.com", displayName: "MOD Administrator", givenName: "MOD", surname: "Administrator", mail: "admin@contoso.com", hasMailbox: true, timeZone: "Pacific Standard Time", seedRoles: []string{RoleGlobalAdministrator}},
	{id: "3c9e2a71-5d4b-4f86-a2c7-8e1d0b6f4a93", upn: "adele.vance@contoso.com", displayName: "Adele Vance", givenName: "Adele", surname: "Vance", mail: "adele.vance@contoso.com", jobTitle: "Retail Manager", officeLocation: "18/2111", hasMailbox: true, timeZone: "Pacific Standard Time"},
	{id: "6e4a8d15-2b7c-4c39-b5e8-1f0a7d3c9b62", upn: "megan.bowen@contoso.com", displayName: "Megan Bowen", givenName: "Megan", surname: "Bowen", mail: "megan.bowen@contoso.com", jobTitle: "Marketing Manager", officeLocation: "12/1110", hasMailbox: true, timeZone: "W. Europe Standard Time"},
	// An account without an Exchange Online mailbox (no licence): mail is empty and
	// mailboxSettings answers MailboxNotEnabledForRESTAPI.
	{id: "9a2d5f38-6c1e-4b74-8d93-4e7b2a0c6f15", upn: "no.mailbox@contoso.com", displayName: "No Mailbox", givenName: "No", surname: "Mailbox"},
	{id: "5d7e1a93-4c2b-4f08-9e6d-3b8a0c1f2e47", upn: "roleadmin@contoso.com", displayName: "Privileged Role Admin", givenName: "Priya", surname: "Roles", mail: "roleadmin@contoso.com", hasMailbox: true, timeZone: "Pacific Standard Time", seedRoles: []string{RolePrivilegedRoleAdministrator}},
	{id: "7f3b9c21-8e4d-4a16-b2c5-6d0e9f1a3b58", upn: "appadmin@contoso.com", displayName: "Application Admin", givenName: "Alex", surname: "Apps", mail: "appadmin@contoso.com", hasMailbox: true, timeZone: "Pacific Standard Time", seedRoles: []string{RoleApplicationAdministrator}},
	{id: "2a6c4e80-1b3d-4f57-a9e2-8c0d6b4f1e39", upn: "cloudappadmin@contoso.com", displayName: "Cloud Application Admin", givenName: "Cleo", surname: "Cloud", mail: "cloudappadmin@contoso.com", hasMailbox: true, timeZone: "Pacific Standard Time", seedRoles: []string{RoleCloudApplicationAdministrator}},
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
	return newSeededTenant(primaryTenant, bootstrapSecret)
}

// newSeededTenant builds a seeded tenant (tenants.go): the first, or one beside it with the
// same people under its own domain.
func newSeededTenant(t tenantSpec, bootstrapSecret string) (*store, Seed) {
	now := time.Now().UTC()
	created := now.AddDate(-1, 0, 0)
	s := &store{
		tenantID:    t.tenantID,
		displayName: t.displayName,
		domains: []domain{
			{name: t.initialDomain, initial: true},
			{name: t.domain, isDefault: true},
		},
		created:     created,
		apps:        map[string]*application{},
		deleted:     map[string]*application{},
		sps:         map[string]*servicePrincipal{},
		deletedSPs:  map[string]*deletedServicePrincipal{},
		assignments: map[string]*assignment{},
		grants:      map[string]*grant{},

		roleAssignments: map[string]*roleAssignment{},
	}
	for _, u := range seedUsers {
		cp := *u
		cp.password = SeedUserPassword
		cp.id = t.userID(u.id)
		if t.domain != SeedDefaultDomain {
			cp.upn = strings.TrimSuffix(u.upn, "@"+SeedDefaultDomain) + "@" + t.domain
			if cp.mail != "" {
				cp.mail = cp.upn
			}
		}
		cp.seedRoles = append([]string(nil), u.seedRoles...)
		s.users = append(s.users, &cp)
	}
	for _, u := range s.users {
		for _, r := range u.seedRoles {
			if _, err := s.assignDirectoryRole(u.id, r, view{now: created, visibleAt: created, all: true}); err != nil {
				panic(err)
			}
		}
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
	arm := &servicePrincipal{
		id: newGUID(), appID: AzureServiceManagementAppID, displayName: "Windows Azure Service Management API", appDisplayName: "Windows Azure Service Management API",
		ownerTenant: microsoftServicesTenantID, scopes: []PermissionScope{armUserImpersonation}, created: created.Add(1500 * time.Millisecond),
		resourceURIs: trimSlashes(armGlobal.audiences),
	}
	s.addFirstPartyServicePrincipal(graph)
	s.addFirstPartyServicePrincipal(exchange)
	s.addFirstPartyServicePrincipal(arm)
	for i, pc := range firstPartyPublicClients {
		sp := *pc
		sp.id, sp.created = newGUID(), created.Add(time.Duration(i+2)*time.Second)
		s.addFirstPartyServicePrincipal(&sp)
	}

	if bootstrapSecret == "" {
		bootstrapSecret = newSecret()
	}
	at := created.Add(2 * time.Second)
	app, sp := s.registerWithConsent(BootstrapDisplayName, t.bootstrapClientID, bootstrapRoles, view{now: at, visibleAt: at, all: true})
	if _, err := s.addPassword(byID(app.id), passwordRequest{displayName: "stellar-emulator", secret: bootstrapSecret, start: now}, view{now: now, visibleAt: now, all: true}); err != nil {
		panic(err)
	}

	seed := Seed{
		TenantID:                    t.tenantID,
		TenantDomain:                t.domain,
		InitialDomain:               t.initialDomain,
		DisplayName:                 t.displayName,
		BootstrapClientID:           t.bootstrapClientID,
		BootstrapSecret:             bootstrapSecret,
		BootstrapObjectID:           app.id,
		BootstrapServicePrincipalID: sp.id,
		GraphServicePrincipalID:     graph.id,
		ExchangeServicePrincipalID:  exchange.id,
		ARMServicePrincipalID:       arm.id,
	}
	for _, u := range s.users {
		seed.Users = append(seed.Users, SeedUser{UPN: u.upn, ID: u.id, DisplayName: u.displayName, HasMailbox: u.hasMailbox, Roles: append([]string(nil), u.seedRoles...)})
	}
	return s, seed
}

// trimSlashes is uris without their trailing slashes: the form resourceURIs keeps.
func trimSlashes(uris []string) []string {
	out := make([]string, len(uris))
	for i, u := range uris {
		out[i] = strings.TrimSuffix(u, "/")
	}
	return out
}

// registerWithConsent does what an administrator does in the portal: registers an application
// (appID empty: a new one) asking for the named Graph application permissions, creates its
// service principal and grants admin consent for them. It panics on an unknown permission or
// a rule broken: callers pass constants.
func (s *store) registerWithConsent(displayName, appID string, graphRoles []string, v view) (*application, *servicePrincipal) {
	graph, err := s.servicePrincipal(ref{value: GraphAppID, byAppID: true}, v)
	if err != nil {
		panic(err)
	}
	rra := RequiredResourceAccess{ResourceAppID: GraphAppID}
	var roleIDs []string
	for _, value := range graphRoles {
		role := graph.appRoleByValue(value)
		if role == nil {
			panic(fmt.Sprintf("emulator: unknown Microsoft Graph application permission %q", value))
		}
		rra.ResourceAccess = append(rra.ResourceAccess, ResourceAccess{ID: role.ID, Type: "Role"})
		roleIDs = append(roleIDs, role.ID)
	}
	c := applicationChange{displayName: &displayName}
	if len(graphRoles) > 0 {
		c.rra = &[]RequiredResourceAccess{rra}
	}
	app, err := s.createApplication(appID, c, v)
	if err != nil {
		panic(err)
	}
	sp, err := s.createServicePrincipal(app.appID, v)
	if err != nil {
		panic(err)
	}
	for i, id := range roleIDs {
		// A millisecond apart, so the assignments list in the order they were granted.
		vi := v
		vi.now = v.now.Add(time.Duration(i) * time.Millisecond)
		in := AppRoleAssignment{PrincipalID: sp.id, ResourceID: graph.id, AppRoleID: id}
		if _, _, err := s.assignAppRole(byID(graph.id), onResource, in, vi); err != nil {
			panic(err)
		}
	}
	return app, sp
}
