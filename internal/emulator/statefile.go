package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/atomicfile"
)

// The directory's state as JSON, for CI jobs that assert on what a run left in the tenant
// without calling Graph (Options.StateFile, stellar-emulator -state-file) and for Go tests
// (Emulator.State). It holds no secret: client secrets appear by key id and hint only.
//
// The file is rewritten, atomically, after every request that may change the directory (any
// method but GET, HEAD and OPTIONS, token requests included, as a sign-in may record
// consent) before the answer leaves, so a job that reads it right after a call sees that
// call's effect; and on Close. Changes made through the Portal show at the next such request,
// on Close, or through Emulator.WriteStateFile. Object properties are named as Graph names
// them.

// State is the directory of every tenant the emulator serves, the first first.
type State struct {
	Tenants []TenantState `json:"tenants"`
}

// TenantState is one tenant's directory: live objects oldest first, then the deleted items.
type TenantState struct {
	TenantID                 string                  `json:"tenantId"`
	DisplayName              string                  `json:"displayName"`
	DefaultDomain            string                  `json:"defaultDomain"`
	Domains                  []string                `json:"domains"`
	Applications             []StateApplication      `json:"applications"`
	ServicePrincipals        []StateServicePrincipal `json:"servicePrincipals"`
	AppRoleAssignments       []StateAssignment       `json:"appRoleAssignments"`
	OAuth2PermissionGrants   []StateGrant            `json:"oauth2PermissionGrants"`
	RoleAssignments          []StateRoleAssignment   `json:"roleAssignments"`
	Users                    []StateUser             `json:"users"`
	DeletedApplications      []StateApplication      `json:"deletedApplications"`
	DeletedServicePrincipals []StateServicePrincipal `json:"deletedServicePrincipals"`
}

// StateApplication is an application object.
type StateApplication struct {
	ID                           string                `json:"id"`
	AppID                        string                `json:"appId"`
	DisplayName                  string                `json:"displayName"`
	SignInAudience               string                `json:"signInAudience,omitempty"`
	CreatedDateTime              time.Time             `json:"createdDateTime"`
	DeletedDateTime              *time.Time            `json:"deletedDateTime,omitempty"`
	RequiredResourceAccess       []StateResourceAccess `json:"requiredResourceAccess"`
	PasswordCredentials          []StatePassword       `json:"passwordCredentials"`
	KeyCredentials               []StateKey            `json:"keyCredentials"`
	FederatedIdentityCredentials []StateFederated      `json:"federatedIdentityCredentials"`
	Owners                       []string              `json:"owners"` // object ids
}

// StateResourceAccess is one entry of requiredResourceAccess.
type StateResourceAccess struct {
	ResourceAppID  string `json:"resourceAppId"`
	ResourceAccess []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"resourceAccess"`
}

// StatePassword is a client secret's metadata: never its value.
type StatePassword struct {
	KeyID         string    `json:"keyId"`
	DisplayName   string    `json:"displayName"`
	Hint          string    `json:"hint"`
	StartDateTime time.Time `json:"startDateTime"`
	EndDateTime   time.Time `json:"endDateTime"`
}

// StateKey is a certificate credential, by its SHA-1 thumbprint.
type StateKey struct {
	KeyID         string    `json:"keyId"`
	DisplayName   string    `json:"displayName"`
	Thumbprint    string    `json:"thumbprint"`
	StartDateTime time.Time `json:"startDateTime"`
	EndDateTime   time.Time `json:"endDateTime"`
}

// StateFederated is a federated identity credential.
type StateFederated struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Issuer    string   `json:"issuer"`
	Subject   string   `json:"subject"`
	Audiences []string `json:"audiences"`
}

// StateServicePrincipal is a service principal.
type StateServicePrincipal struct {
	ID                     string     `json:"id"`
	AppID                  string     `json:"appId"`
	DisplayName            string     `json:"displayName"`
	AppOwnerOrganizationID string     `json:"appOwnerOrganizationId,omitempty"`
	ServicePrincipalType   string     `json:"servicePrincipalType"`
	DeletedDateTime        *time.Time `json:"deletedDateTime,omitempty"`
	Owners                 []string   `json:"owners"`
}

// StateAssignment is an app role assignment. AppRoleValue, the value of the role assigned
// ("User.Read.All"), is the emulator's addition: Graph gives the id only.
type StateAssignment struct {
	ID                   string    `json:"id"`
	PrincipalID          string    `json:"principalId"`
	PrincipalDisplayName string    `json:"principalDisplayName"`
	ResourceID           string    `json:"resourceId"`
	ResourceDisplayName  string    `json:"resourceDisplayName"`
	AppRoleID            string    `json:"appRoleId"`
	AppRoleValue         string    `json:"appRoleValue"`
	CreatedDateTime      time.Time `json:"createdDateTime"`
}

// StateGrant is a delegated permission grant (oauth2PermissionGrant).
type StateGrant struct {
	ID          string `json:"id"`
	ClientID    string `json:"clientId"`
	ConsentType string `json:"consentType"`
	PrincipalID string `json:"principalId,omitempty"`
	ResourceID  string `json:"resourceId"`
	Scope       string `json:"scope"`
}

// StateRoleAssignment is a directory role assignment. RoleDisplayName, the role's name
// ("Exchange Administrator"), is the emulator's addition: Graph gives the id only.
type StateRoleAssignment struct {
	ID               string `json:"id"`
	PrincipalID      string `json:"principalId"`
	RoleDefinitionID string `json:"roleDefinitionId"`
	RoleDisplayName  string `json:"roleDisplayName"`
	DirectoryScopeID string `json:"directoryScopeId"`
}

// StateUser is a person, with the names of their tenant-wide directory roles.
type StateUser struct {
	ID                string   `json:"id"`
	UserPrincipalName string   `json:"userPrincipalName"`
	DisplayName       string   `json:"displayName"`
	HasMailbox        bool     `json:"hasMailbox"`
	Roles             []string `json:"roles"`
	RoleTemplateIDs   []string `json:"roleTemplateIds"`
}

// State returns the directory of every tenant, as the state file holds it.
func (e *Emulator) State() State {
	var out State
	for _, t := range e.allTenants() {
		out.Tenants = append(out.Tenants, t.store.state())
	}
	return out
}

// WriteStateFile writes the state file now (Options.StateFile), e.g. on SIGUSR1 after
// changes made through the Portal.
func (e *Emulator) WriteStateFile() error {
	if e.top().state == nil {
		return errors.New("emulator: no state file (Options.StateFile)")
	}
	return e.top().writeState()
}

// stateFile is the file Options.StateFile names and what was last written to it.
type stateFile struct {
	path string
	mu   sync.Mutex
	last []byte
	err  error // the first failed write, reported by Close
}

// openStateFile writes the state file Options.StateFile names (none if path is empty) for the
// first time.
func (e *Emulator) openStateFile(path string) error {
	if path == "" {
		return nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("emulator state file: %w", err)
	}
	e.state = &stateFile{path: abs}
	if err := e.writeState(); err != nil {
		return fmt.Errorf("emulator state file: %w", err)
	}
	return nil
}

// mayWrite reports whether a request by method may change the directory.
func mayWrite(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// writeState writes the state file, unless it already holds this state.
func (e *Emulator) writeState() error {
	sf := e.state
	b, err := json.MarshalIndent(e.State(), "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	sf.mu.Lock()
	defer sf.mu.Unlock()
	if bytes.Equal(b, sf.last) {
		return nil
	}
	if err := atomicfile.Write(sf.path, b, 0o644); err != nil {
		return err
	}
	sf.last = b
	return nil
}

// saveState writes the state file after a request, keeping the first error for Close: the
// request's answer is the client's, not the place to report a full disk.
func (e *Emulator) saveState() {
	if e.state == nil {
		return
	}
	if err := e.writeState(); err != nil {
		e.state.mu.Lock()
		if e.state.err == nil {
			e.state.err = err
		}
		e.state.mu.Unlock()
	}
}

// state dumps the store. It takes the lock.
func (s *store) state() TenantState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := TenantState{TenantID: s.tenantID, DisplayName: s.displayName, Domains: []string{},
		Applications: []StateApplication{}, ServicePrincipals: []StateServicePrincipal{}, AppRoleAssignments: []StateAssignment{},
		OAuth2PermissionGrants: []StateGrant{}, RoleAssignments: []StateRoleAssignment{}, Users: []StateUser{}, DeletedApplications: []StateApplication{}, DeletedServicePrincipals: []StateServicePrincipal{}}
	for _, d := range s.domains {
		out.Domains = append(out.Domains, d.name)
		if d.isDefault {
			out.DefaultDomain = d.name
		}
	}
	for _, a := range sortedApps(s.apps) {
		out.Applications = append(out.Applications, a.state())
	}
	for _, a := range sortedApps(s.deleted) {
		out.DeletedApplications = append(out.DeletedApplications, a.state())
	}
	for _, sp := range sortedSPs(s.sps) {
		out.ServicePrincipals = append(out.ServicePrincipals, sp.state())
	}
	var deleted []*servicePrincipal
	for _, d := range s.deletedSPs {
		deleted = append(deleted, d.sp)
	}
	sort.Slice(deleted, func(i, j int) bool { return deleted[i].created.Before(deleted[j].created) })
	for _, sp := range deleted {
		out.DeletedServicePrincipals = append(out.DeletedServicePrincipals, sp.state())
	}
	for _, a := range sortedAssignments(s.assignments) {
		sa := StateAssignment{ID: a.ID, PrincipalID: a.PrincipalID, PrincipalDisplayName: a.PrincipalDisplayName, ResourceID: a.ResourceID,
			ResourceDisplayName: a.ResourceDisplayName, AppRoleID: a.AppRoleID, CreatedDateTime: a.CreatedDateTime.UTC()}
		if res := s.sps[strings.ToLower(a.ResourceID)]; res != nil {
			if role := res.appRole(a.AppRoleID); role != nil {
				sa.AppRoleValue = role.Value
			}
		}
		out.AppRoleAssignments = append(out.AppRoleAssignments, sa)
	}
	for _, g := range sortedGrants(s.grants) {
		out.OAuth2PermissionGrants = append(out.OAuth2PermissionGrants, StateGrant{ID: g.ID, ClientID: g.ClientID, ConsentType: g.ConsentType, PrincipalID: g.PrincipalID, ResourceID: g.ResourceID, Scope: g.Scope})
	}
	for _, a := range s.sortedRoleAssignments() {
		out.RoleAssignments = append(out.RoleAssignments, StateRoleAssignment{ID: a.ID, PrincipalID: a.PrincipalID, RoleDefinitionID: a.RoleDefinitionID,
			RoleDisplayName: roleNames[a.RoleDefinitionID], DirectoryScopeID: a.DirectoryScopeID})
	}
	for _, u := range s.users {
		su := StateUser{ID: u.id, UserPrincipalName: u.upn, DisplayName: u.displayName, HasMailbox: u.hasMailbox, Roles: []string{}, RoleTemplateIDs: []string{}}
		for _, r := range s.rolesHeldBy(u.id, view{all: true}) {
			su.Roles = append(su.Roles, roleNames[r])
			su.RoleTemplateIDs = append(su.RoleTemplateIDs, r)
		}
		out.Users = append(out.Users, su)
	}
	return out
}

func (a *application) state() StateApplication {
	out := StateApplication{ID: a.id, AppID: a.appID, DisplayName: a.displayName, SignInAudience: a.signInAudience, CreatedDateTime: a.created.UTC(),
		RequiredResourceAccess: []StateResourceAccess{}, PasswordCredentials: []StatePassword{}, KeyCredentials: []StateKey{},
		FederatedIdentityCredentials: []StateFederated{}, Owners: append([]string{}, a.owners...)}
	if !a.deleted.IsZero() {
		d := a.deleted.UTC()
		out.DeletedDateTime = &d
	}
	for _, r := range a.rra {
		sr := StateResourceAccess{ResourceAppID: r.ResourceAppID}
		for _, ra := range r.ResourceAccess {
			sr.ResourceAccess = append(sr.ResourceAccess, struct {
				ID   string `json:"id"`
				Type string `json:"type"`
			}{ra.ID, ra.Type})
		}
		out.RequiredResourceAccess = append(out.RequiredResourceAccess, sr)
	}
	for _, p := range a.passwords {
		out.PasswordCredentials = append(out.PasswordCredentials, StatePassword{KeyID: p.keyID, DisplayName: p.displayName, Hint: p.hint, StartDateTime: p.start.UTC(), EndDateTime: p.end.UTC()})
	}
	for _, k := range a.keys {
		out.KeyCredentials = append(out.KeyCredentials, StateKey{KeyID: k.keyID, DisplayName: k.displayName, Thumbprint: k.thumbprint(), StartDateTime: k.start.UTC(), EndDateTime: k.end.UTC()})
	}
	for _, fc := range a.federated {
		out.FederatedIdentityCredentials = append(out.FederatedIdentityCredentials, StateFederated{ID: fc.ID, Name: fc.Name, Issuer: fc.Issuer, Subject: fc.Subject, Audiences: append([]string{}, fc.Audiences...)})
	}
	return out
}

func (sp *servicePrincipal) state() StateServicePrincipal {
	out := StateServicePrincipal{ID: sp.id, AppID: sp.appID, DisplayName: sp.displayName, AppOwnerOrganizationID: sp.ownerTenant,
		ServicePrincipalType: sp.servicePrincipalType(), Owners: append([]string{}, sp.owners...)}
	if !sp.deleted.IsZero() {
		d := sp.deleted.UTC()
		out.DeletedDateTime = &d
	}
	return out
}
