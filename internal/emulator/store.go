package emulator

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"time"
)

// store is the directory of the one emulated tenant. One mutex guards it: requests are few and
// short, and a single lock makes every Graph call atomic the way a test expects.
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
	assignments map[string]*assignment
	grants      map[string]*grant
	users       []*user
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
	// props holds the other writable application properties a client set, echoed back as
	// sent (the emulator does not interpret them).
	props map[string]json.RawMessage
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
	visibleAt      time.Time
	// resourceURIs are the identifier URIs a token request may name this resource by
	// (besides its appId), e.g. https://graph.microsoft.com.
	resourceURIs []string
	// audience is the aud claim of tokens for this resource; empty means the appId.
	audience string
	// props holds other writable properties a client PATCHed, echoed back as sent.
	props map[string]json.RawMessage
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
}

func visible(at, now time.Time) bool { return !now.Before(at) }

func (s *store) appByID(id string, now time.Time) *application {
	if a := s.apps[strings.ToLower(id)]; a != nil && visible(a.visibleAt, now) {
		return a
	}
	return nil
}

func (s *store) appByAppID(appID string, now time.Time) *application {
	for _, a := range s.apps {
		if strings.EqualFold(a.appID, appID) && visible(a.visibleAt, now) {
			return a
		}
	}
	return nil
}

// appByAppIDAny finds an application whether or not it has replicated yet.
func (s *store) appByAppIDAny(appID string) *application {
	for _, a := range s.apps {
		if strings.EqualFold(a.appID, appID) {
			return a
		}
	}
	return nil
}

func (s *store) spByID(id string, now time.Time) *servicePrincipal {
	if sp := s.sps[strings.ToLower(id)]; sp != nil && visible(sp.visibleAt, now) {
		return sp
	}
	return nil
}

func (s *store) spByAppID(appID string, now time.Time) *servicePrincipal {
	for _, sp := range s.sps {
		if strings.EqualFold(sp.appID, appID) && visible(sp.visibleAt, now) {
			return sp
		}
	}
	return nil
}

func (s *store) spByAppIDAny(appID string) *servicePrincipal {
	for _, sp := range s.sps {
		if strings.EqualFold(sp.appID, appID) {
			return sp
		}
	}
	return nil
}

// resourceSP finds the service principal a token request names by appId or identifier URI.
func (s *store) resourceSP(resource string, now time.Time) *servicePrincipal {
	r := strings.TrimSuffix(strings.ToLower(resource), "/")
	for _, sp := range s.sps {
		if !visible(sp.visibleAt, now) {
			continue
		}
		if strings.EqualFold(sp.appID, r) {
			return sp
		}
		for _, u := range sp.resourceURIs {
			if strings.EqualFold(u, r) {
				return sp
			}
		}
	}
	return nil
}

func (s *store) userByIDOrUPN(key string) *user {
	for _, u := range s.users {
		if strings.EqualFold(u.id, key) || strings.EqualFold(u.upn, key) {
			return u
		}
	}
	return nil
}

// sortedApps returns applications in creation order, as Graph lists them stably.
func sortedApps(m map[string]*application) []*application {
	out := make([]*application, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].created.Equal(out[j].created) {
			return out[i].created.Before(out[j].created)
		}
		return out[i].id < out[j].id
	})
	return out
}

func sortedSPs(m map[string]*servicePrincipal) []*servicePrincipal {
	out := make([]*servicePrincipal, 0, len(m))
	for _, sp := range m {
		out = append(out, sp)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].created.Equal(out[j].created) {
			return out[i].created.Before(out[j].created)
		}
		return out[i].id < out[j].id
	})
	return out
}

func sortedAssignments(m map[string]*assignment) []*assignment {
	out := make([]*assignment, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedDateTime.Equal(out[j].CreatedDateTime) {
			return out[i].CreatedDateTime.Before(out[j].CreatedDateTime)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func sortedGrants(m map[string]*grant) []*grant {
	out := make([]*grant, 0, len(m))
	for _, g := range m {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// removeSP deletes a service principal and everything that hangs off it: the app role
// assignments it holds or grants, and the delegated grants it is client or resource of.
// Entra removes these with the principal.
func (s *store) removeSP(id string) {
	delete(s.sps, id)
	for aid, a := range s.assignments {
		if a.PrincipalID == id || a.ResourceID == id {
			delete(s.assignments, aid)
		}
	}
	for gid, g := range s.grants {
		if g.ClientID == id || g.ResourceID == id {
			delete(s.grants, gid)
		}
	}
}

// softDeleteApp moves an application to the deleted items container. Its service principal
// goes with it (Entra deletes the enterprise application of a deleted registration), and with
// that principal its assignments and grants.
func (s *store) softDeleteApp(a *application, now time.Time) {
	delete(s.apps, a.id)
	a.deleted = now
	s.deleted[a.id] = a
	for id, sp := range s.sps {
		if strings.EqualFold(sp.appID, a.appID) {
			s.removeSP(id)
		}
	}
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
		out.Passwords = append(out.Passwords, Password{KeyID: p.keyID, DisplayName: p.displayName, Hint: p.hint, Start: p.start, End: p.end})
	}
	for _, k := range a.keys {
		out.Certificates = append(out.Certificates, Certificate{KeyID: k.keyID, DisplayName: k.displayName, Thumbprint: k.thumbprint(), Start: k.start, End: k.end, Certificate: k.cert})
	}
	return out
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
