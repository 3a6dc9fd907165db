package tenant

import "time"

// Application is an app registration.
type Application struct {
	ObjectID               string
	AppID                  string
	DisplayName            string
	RequiredResourceAccess []ResourceAccess
	Passwords              []Password
	Certificates           []Certificate
	// Tags are the application's tags, where the provider marks what it creates.
	Tags []string
}

// ResourceAccess lists the permissions an app requests on one resource API,
// by id: Roles are application permissions, Scopes delegated ones.
type ResourceAccess struct {
	ResourceAppID string
	Roles         []string
	Scopes        []string
}

// Password is a client secret. SecretText is set only in the result of
// AddPassword; Graph never returns it again.
type Password struct {
	KeyID       string
	DisplayName string
	Hint        string
	SecretText  string
	Start, End  time.Time
}

// ServicePrincipal is an app's instance in the tenant (its enterprise app).
// AppRoles and Scopes are the permissions it offers, when it is an API.
type ServicePrincipal struct {
	ObjectID    string
	AppID       string
	DisplayName string
	AppRoles    []Permission
	Scopes      []Permission
}

// Permission is an app role or a delegated permission scope of an API.
type Permission struct {
	ID          string
	Value       string
	DisplayName string
	Description string
	Enabled     bool
}

// AppRoleAssignment grants the app role AppRoleID of the resource service
// principal ResourceID to the service principal PrincipalID.
type AppRoleAssignment struct {
	ID          string
	PrincipalID string
	ResourceID  string
	AppRoleID   string
}

// DelegatedGrant (oauth2PermissionGrant) consents to delegated Scopes (claim
// values, e.g. "Mail.Send") of the resource service principal ResourceID for
// the client service principal ClientID. ConsentType is "AllPrincipals"
// (admin consent for everyone, the default) or "Principal", for the user
// PrincipalID alone.
type DelegatedGrant struct {
	ID          string
	ClientID    string
	ResourceID  string
	ConsentType string
	PrincipalID string
	Scopes      []string
}

// User is a user account.
type User struct {
	ID                string
	UserPrincipalName string
	Mail              string
	DisplayName       string
}

// Organization is the tenant itself.
type Organization struct {
	ID              string
	DisplayName     string
	DefaultDomain   string
	VerifiedDomains []string
}

// Registration is everything that makes up one app registration's footprint
// in the tenant. ServicePrincipal is nil when the app has none.
type Registration struct {
	Application      *Application
	ServicePrincipal *ServicePrincipal
	Assignments      []AppRoleAssignment
	Grants           []DelegatedGrant
	// DirectoryRoles are the service principal's tenant-wide directory roles, when
	// DirectoryRolesRead (ReadRegistrationWithRoles); DirectoryRolesErr is why that read failed.
	DirectoryRoles     []DirectoryRoleAssignment
	DirectoryRolesRead bool
	DirectoryRolesErr  error
}

// Consent types of a DelegatedGrant.
const (
	ConsentAllPrincipals = "AllPrincipals"
	ConsentPrincipal     = "Principal"
)

// Certificate is a certificate credential (keyCredential) of an application: Graph never
// returns its key, only the SHA-1 thumbprint (customKeyIdentifier), in upper-case hex here.
type Certificate struct {
	KeyID       string
	DisplayName string
	Thumbprint  string
	End         time.Time // when it stops being accepted
}

// NewCertificate is a certificate to add to an application: its DER encoding.
type NewCertificate struct {
	DER         []byte
	DisplayName string
}
