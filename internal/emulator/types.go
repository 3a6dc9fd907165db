package emulator

import (
	"crypto/x509"
	"time"
)

// Seed describes the tenant every emulator starts with.
type Seed struct {
	TenantID     string
	TenantDomain string // the default verified domain, e.g. contoso.com
	// InitialDomain is the *.onmicrosoft.com domain every tenant has.
	InitialDomain string
	DisplayName   string

	// BootstrapClientID and BootstrapSecret sign in as the "Stellar Terraform bootstrap" app,
	// which holds the Graph roles needed to register other applications.
	BootstrapClientID string
	BootstrapSecret   string
	// BootstrapObjectID is the object id of the bootstrap application,
	// BootstrapServicePrincipalID the object id of its service principal.
	BootstrapObjectID           string
	BootstrapServicePrincipalID string

	// GraphServicePrincipalID and ExchangeServicePrincipalID are the tenant-specific object ids
	// of the Microsoft Graph and Office 365 Exchange Online service principals.
	GraphServicePrincipalID    string
	ExchangeServicePrincipalID string
	// ARMServicePrincipalID is the object id of the Windows Azure Service Management API
	// service principal (AzureServiceManagementAppID), Azure Resource Manager's resource.
	ARMServicePrincipalID string

	Users []SeedUser
}

// SeedUser is one seeded user. Every seeded user signs in with SeedUserPassword.
type SeedUser struct {
	UPN         string
	ID          string
	DisplayName string
	HasMailbox  bool
	// Roles are the template IDs of the user's directory roles (RoleGlobalAdministrator, ...).
	Roles []string
}

// Application is a snapshot of an application object, as an administrator sees it in the portal.
type Application struct {
	ObjectID               string
	AppID                  string
	DisplayName            string
	RequiredResourceAccess []RequiredResourceAccess
	Passwords              []Password
	Certificates           []Certificate
	// FederatedCredentials are the external tokens the application trusts, oldest first.
	FederatedCredentials []FederatedCredential
	CreatedDateTime      time.Time
	// DeletedDateTime is zero unless the application is in the deleted items container.
	DeletedDateTime time.Time
}

// RequiredResourceAccess is one API an application asks permissions of.
type RequiredResourceAccess struct {
	ResourceAppID  string
	ResourceAccess []ResourceAccess
}

// ResourceAccess is one permission: Type "Role" (an appRoles id of the resource) or
// "Scope" (an oauth2PermissionScopes id).
type ResourceAccess struct {
	ID   string
	Type string
}

// Password is a client secret's metadata; the secret text itself is returned only once,
// by addPassword (or Portal.CreateApplication / Portal.AddPassword).
type Password struct {
	KeyID       string
	DisplayName string
	Hint        string
	Start       time.Time
	End         time.Time
}

// Certificate is a certificate credential (keyCredential) of an application.
type Certificate struct {
	KeyID       string
	DisplayName string
	// Thumbprint is the SHA-1 thumbprint in upper-case hex, as the portal shows it.
	Thumbprint  string
	Start       time.Time
	End         time.Time
	Certificate *x509.Certificate
}

// FederatedCredential is a federated identity credential of an application: a token from
// Issuer whose sub is Subject and whose aud holds one of Audiences signs in as the application
// (workload identity federation). Matching is exact, case and trailing slash included.
type FederatedCredential struct {
	ID          string
	Name        string // unique within the application, immutable
	Issuer      string
	Subject     string
	Audiences   []string // Graph takes exactly one, e.g. api://AzureADTokenExchange
	Description string
}

// ServicePrincipal is a snapshot of a service principal.
type ServicePrincipal struct {
	ObjectID    string
	AppID       string
	DisplayName string
	AppRoles    []AppRole
	Scopes      []PermissionScope
}

// AppRole is an application permission a resource offers.
type AppRole struct {
	ID                 string
	Value              string
	DisplayName        string
	Description        string
	AllowedMemberTypes []string // nil means ["Application"]
	Disabled           bool
}

// PermissionScope is a delegated permission a resource offers.
type PermissionScope struct {
	ID                      string
	Value                   string
	Type                    string // "User" or "Admin"
	AdminConsentDisplayName string
	AdminConsentDescription string
	Disabled                bool
}

// AppRoleAssignment grants an application permission (AppRoleID on ResourceID) to PrincipalID.
type AppRoleAssignment struct {
	ID                   string
	PrincipalID          string
	PrincipalDisplayName string
	ResourceID           string
	ResourceDisplayName  string
	AppRoleID            string
	CreatedDateTime      time.Time
}

// DelegatedGrant is an oauth2PermissionGrant: delegated permissions (Scope, space separated
// values) of ResourceID consented for ClientID.
type DelegatedGrant struct {
	ID          string
	ClientID    string
	ResourceID  string
	ConsentType string // "AllPrincipals" or "Principal"
	PrincipalID string // empty for AllPrincipals
	Scope       string
}

// DirectoryRoleAssignment is a directory role held by a person or a service principal (Graph's
// unifiedRoleAssignment). RoleDefinitionID is the role's template ID (Role* constants);
// DirectoryScopeID is "/", tenant-wide, the one scope the emulator serves.
type DirectoryRoleAssignment struct {
	ID               string
	PrincipalID      string
	RoleDefinitionID string
	DirectoryScopeID string
}

// Request is one entry of the request log.
type Request struct {
	Method string
	// Host is the host the client addressed (the Host header): "127.0.0.1:40123", or a
	// cloud's host name such as "login.microsoftonline.us" for a client that reached the
	// emulator by it.
	Host     string
	Path     string
	Query    string // decoded, e.g. "$filter=appId eq '...'"
	Status   int
	Duration time.Duration
	InBatch  bool // a sub-request of a JSON batch
	Time     time.Time
	// Code is the error code of a failed request: the Graph error code or the AADSTS
	// error ("invalid_client"), empty on success.
	Code string
	// ClientRequestID is the client-request-id the client sent (MSAL and kiota send one).
	ClientRequestID string
	// Fault is true when an injected fault produced the response.
	Fault bool
	// AnswerLost is true when the request was served (its write done) but an injected fault
	// dropped the answer; AnswerDelay is how long one held the answer back.
	AnswerLost  bool
	AnswerDelay time.Duration
	// Compressed is true when the request body came gzip-compressed (msgraph-sdk-go's default).
	Compressed bool
	// Audience is the aud claim of the bearer token the request carried (a Graph call), ""
	// without one: which resource the client asked the token service for.
	Audience string
}
