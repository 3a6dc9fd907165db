package emulator

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// store is the directory of the one emulated tenant: its objects, and (in directory.go) one
// method per read or write Entra knows, which applies Entra's rules. Graph handlers, the
// Portal and the seed all go through those methods, so each rule is written once.
//
// One mutex guards it: requests are few and short, and a single lock makes every operation
// atomic the way a test expects. The methods take the lock; the helpers in this file expect
// it held.
//
// Replication lag: every object carries visibleAt, the moment other "replicas" see it. Reads,
// references and sign-ins ignore an object until then; the write that created it does not.
type store struct {
	mu sync.Mutex

	tenantID    string
	displayName string
	domains     []domain
	created     time.Time

	apps        map[string]*application // live applications by object id
	deleted     map[string]*application // soft-deleted applications by object id
	sps         map[string]*servicePrincipal
	deletedSPs  map[string]*deletedServicePrincipal // soft-deleted service principals by object id
	assignments map[string]*assignment
	grants      map[string]*grant
	users       []*user
	// roleAssignments are the directory role assignments by id
	// (directory_role_assignments.go).
	roleAssignments map[string]*roleAssignment

	// ownURL reports whether a resource URI is the emulator's own URL, which names Microsoft
	// Graph (and ARM) for clients that found them through the emulator's endpoint metadata.
	ownURL func(string) bool
}

type domain struct {
	name               string
	isDefault, initial bool
}

type application struct {
	id, appID      string
	displayName    string
	signInAudience string
	created        time.Time
	deleted        time.Time
	visibleAt      time.Time
	rra            []RequiredResourceAccess
	passwords      []*password
	keys           []*keyCredential
	federated      []*federatedCredential // directory_federated.go
	// props holds the other writable application properties a client set, echoed back as
	// sent (the emulator does not interpret them).
	props map[string]json.RawMessage
	// owners are the object ids of the people who own the registration.
	owners []string
}

type password struct {
	keyID, displayName, hint string
	secret                   string
	start, end               time.Time
	visibleAt                time.Time
}

type keyCredential struct {
	keyID, displayName string
	cert               *x509.Certificate
	start, end         time.Time
	sha1, sha256       []byte
	visibleAt          time.Time
}

type servicePrincipal struct {
	id, appID      string
	displayName    string
	appDisplayName string
	ownerTenant    string
	appRoles       []AppRole
	scopes         []PermissionScope
	created        time.Time
	deleted        time.Time
	visibleAt      time.Time
	// resourceURIs are the identifier URIs a token request may name this resource by
	// (besides its appId), e.g. https://graph.microsoft.com.
	resourceURIs []string
	// audience is the aud claim of tokens for this resource; empty means the appId.
	audience string
	// props holds other writable properties a client PATCHed, echoed back as sent.
	props  map[string]json.RawMessage
	owners []string
	// managed is set for the principal of a managed identity (managedidentity.go).
	managed *managedIdentity
}

// deletedServicePrincipal is a service principal in the deleted items container, with the app
// role assignments and delegated grants that went with it: restoring the principal restores
// its configuration, as the Entra documentation for restoring enterprise applications says.
type deletedServicePrincipal struct {
	sp          *servicePrincipal
	assignments []*assignment
	grants      []*grant
}

type assignment struct {
	AppRoleAssignment
	visibleAt time.Time
}

type grant struct {
	DelegatedGrant
	visibleAt time.Time
}

type user struct {
	id, upn, displayName     string
	givenName, surname, mail string
	jobTitle, officeLocation string
	hasMailbox               bool
	timeZone                 string
	password                 string
	// seedRoles are the directory roles (template IDs) the seed assigns the person. Once the
	// tenant is seeded the directory's role assignments hold them: read those (rolesHeldBy).
	seedRoles []string
}

// checkSecret finds the password whose secret matches. Every candidate is compared in
// constant time so a timing probe cannot tell how close a guess came.
func (a *application) checkSecret(secret string, now time.Time) *password {
	var found *password
	for _, p := range a.passwords {
		if !visible(p.visibleAt, now) {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(p.secret), []byte(secret)) == 1 {
			found = p
		}
	}
	return found
}

func newKeyCredential(cert *x509.Certificate, displayName string, visibleAt time.Time) *keyCredential {
	s1 := sha1.Sum(cert.Raw)
	s256 := sha256.Sum256(cert.Raw)
	if displayName == "" {
		displayName = "CN=" + cert.Subject.CommonName
	}
	return &keyCredential{
		keyID:       newGUID(),
		displayName: displayName,
		cert:        cert,
		start:       cert.NotBefore.UTC(),
		end:         cert.NotAfter.UTC(),
		sha1:        s1[:],
		sha256:      s256[:],
		visibleAt:   visibleAt,
	}
}

func (k *keyCredential) thumbprint() string { return strings.ToUpper(hex.EncodeToString(k.sha1)) }

// snapshots for the Portal and tests

func (a *application) snapshot() Application {
	out := Application{
		ObjectID:        a.id,
		AppID:           a.appID,
		DisplayName:     a.displayName,
		CreatedDateTime: a.created,
		DeletedDateTime: a.deleted,
	}
	out.RequiredResourceAccess = cloneRRA(a.rra)
	for _, p := range a.passwords {
		out.Passwords = append(out.Passwords, p.snapshot())
	}
	for _, k := range a.keys {
		out.Certificates = append(out.Certificates, Certificate{KeyID: k.keyID, DisplayName: k.displayName, Thumbprint: k.thumbprint(), Start: k.start, End: k.end, Certificate: k.cert})
	}
	for _, fc := range a.federated {
		out.FederatedCredentials = append(out.FederatedCredentials, fc.snapshot())
	}
	return out
}

func (p *password) snapshot() Password {
	return Password{KeyID: p.keyID, DisplayName: p.displayName, Hint: p.hint, Start: p.start, End: p.end}
}

func cloneRRA(in []RequiredResourceAccess) []RequiredResourceAccess {
	if in == nil {
		return nil
	}
	out := make([]RequiredResourceAccess, len(in))
	for i, r := range in {
		out[i] = RequiredResourceAccess{ResourceAppID: r.ResourceAppID, ResourceAccess: append([]ResourceAccess(nil), r.ResourceAccess...)}
	}
	return out
}

func (sp *servicePrincipal) snapshot() ServicePrincipal {
	return ServicePrincipal{
		ObjectID:    sp.id,
		AppID:       sp.appID,
		DisplayName: sp.displayName,
		AppRoles:    append([]AppRole(nil), sp.appRoles...),
		Scopes:      append([]PermissionScope(nil), sp.scopes...),
	}
}

func (sp *servicePrincipal) appRole(id string) *AppRole {
	for i := range sp.appRoles {
		if strings.EqualFold(sp.appRoles[i].ID, id) {
			return &sp.appRoles[i]
		}
	}
	return nil
}

func (sp *servicePrincipal) appRoleByValue(v string) *AppRole {
	for i := range sp.appRoles {
		if sp.appRoles[i].Value == v {
			return &sp.appRoles[i]
		}
	}
	return nil
}
