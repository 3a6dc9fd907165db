package emulator

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Portal is the administrator at the Entra admin center: changes made behind a client's back
// (drift), and inspection for tests. It acts on the directory directly and at once, ignoring
// replication lag and injected faults, and leaves nothing in the request log.
type Portal struct{ e *Emulator }

// ErrNotFound is returned by Portal methods for an object that does not exist.
var ErrNotFound = errors.New("emulator: object not found")

func (p *Portal) lock() (*store, time.Time) {
	s := p.e.store
	s.mu.Lock()
	return s, time.Now().UTC()
}

// Applications returns every live application, oldest first.
func (p *Portal) Applications() []Application {
	s, _ := p.lock()
	defer s.mu.Unlock()
	var out []Application
	for _, a := range sortedApps(s.apps) {
		out = append(out, a.snapshot())
	}
	return out
}

// Application returns a live application by object id.
func (p *Portal) Application(objectID string) (Application, bool) {
	s, _ := p.lock()
	defer s.mu.Unlock()
	if a := s.apps[strings.ToLower(objectID)]; a != nil {
		return a.snapshot(), true
	}
	return Application{}, false
}

// ApplicationByAppID returns a live application by client id.
func (p *Portal) ApplicationByAppID(appID string) (Application, bool) {
	s, _ := p.lock()
	defer s.mu.Unlock()
	if a := s.appByAppIDAny(appID); a != nil {
		return a.snapshot(), true
	}
	return Application{}, false
}

// DeletedApplications returns the applications in the deleted items container.
func (p *Portal) DeletedApplications() []Application {
	s, _ := p.lock()
	defer s.mu.Unlock()
	var out []Application
	for _, a := range sortedApps(s.deleted) {
		out = append(out, a.snapshot())
	}
	return out
}

// ServicePrincipalByAppID returns the service principal of an application.
func (p *Portal) ServicePrincipalByAppID(appID string) (ServicePrincipal, bool) {
	s, _ := p.lock()
	defer s.mu.Unlock()
	if sp := s.spByAppIDAny(appID); sp != nil {
		return sp.snapshot(), true
	}
	return ServicePrincipal{}, false
}

// ServicePrincipal returns a service principal by object id.
func (p *Portal) ServicePrincipal(objectID string) (ServicePrincipal, bool) {
	s, _ := p.lock()
	defer s.mu.Unlock()
	if sp := s.sps[strings.ToLower(objectID)]; sp != nil {
		return sp.snapshot(), true
	}
	return ServicePrincipal{}, false
}

// AppRoleAssignments returns the app role assignments held by a service principal.
func (p *Portal) AppRoleAssignments(principalSPID string) []AppRoleAssignment {
	s, _ := p.lock()
	defer s.mu.Unlock()
	var out []AppRoleAssignment
	for _, a := range sortedAssignments(s.assignments) {
		if strings.EqualFold(a.PrincipalID, principalSPID) {
			out = append(out, a.AppRoleAssignment)
		}
	}
	return out
}

// DelegatedGrants returns the delegated permission grants of a client service principal.
func (p *Portal) DelegatedGrants(clientSPID string) []DelegatedGrant {
	s, _ := p.lock()
	defer s.mu.Unlock()
	var out []DelegatedGrant
	for _, g := range sortedGrants(s.grants) {
		if strings.EqualFold(g.ClientID, clientSPID) {
			out = append(out, g.DelegatedGrant)
		}
	}
	return out
}

// DeleteApplication soft-deletes an application, as the portal's Delete button does: it moves
// to the deleted items, and its service principal, assignments and grants go away.
func (p *Portal) DeleteApplication(objectID string) error {
	s, now := p.lock()
	defer s.mu.Unlock()
	a := s.apps[strings.ToLower(objectID)]
	if a == nil {
		return fmt.Errorf("application %s: %w", objectID, ErrNotFound)
	}
	s.softDeleteApp(a, now)
	return nil
}

// RemovePassword deletes a client secret.
func (p *Portal) RemovePassword(objectID, keyID string) error {
	s, _ := p.lock()
	defer s.mu.Unlock()
	a := s.apps[strings.ToLower(objectID)]
	if a == nil {
		return fmt.Errorf("application %s: %w", objectID, ErrNotFound)
	}
	for i, pw := range a.passwords {
		if strings.EqualFold(pw.keyID, keyID) {
			a.passwords = append(a.passwords[:i], a.passwords[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("password %s of application %s: %w", keyID, objectID, ErrNotFound)
}

// ExpirePassword moves a client secret's end into the past, so sign-ins with it fail with
// AADSTS7000222.
func (p *Portal) ExpirePassword(objectID, keyID string) error {
	s, now := p.lock()
	defer s.mu.Unlock()
	a := s.apps[strings.ToLower(objectID)]
	if a == nil {
		return fmt.Errorf("application %s: %w", objectID, ErrNotFound)
	}
	for _, pw := range a.passwords {
		if strings.EqualFold(pw.keyID, keyID) {
			pw.end = now.Add(-time.Minute)
			if !pw.start.Before(pw.end) {
				pw.start = pw.end.Add(-time.Hour)
			}
			return nil
		}
	}
	return fmt.Errorf("password %s of application %s: %w", keyID, objectID, ErrNotFound)
}

// AddPassword adds a client secret ending at end (zero: in two years) and returns it with its
// secret text.
func (p *Portal) AddPassword(objectID, displayName string, end time.Time) (Password, string, error) {
	s, now := p.lock()
	defer s.mu.Unlock()
	a := s.apps[strings.ToLower(objectID)]
	if a == nil {
		return Password{}, "", fmt.Errorf("application %s: %w", objectID, ErrNotFound)
	}
	if end.IsZero() {
		end = now.AddDate(2, 0, 0)
	}
	secret := newSecret()
	pw := &password{keyID: newGUID(), displayName: displayName, secret: secret, hint: hint(secret), start: now, end: end.UTC()}
	a.passwords = append(a.passwords, pw)
	return Password{KeyID: pw.keyID, DisplayName: displayName, Hint: pw.hint, Start: pw.start, End: pw.end}, secret, nil
}

// SetRequiredResourceAccess replaces the API permissions an application asks for, as editing
// "API permissions" in the portal does (without granting consent).
func (p *Portal) SetRequiredResourceAccess(objectID string, rra []RequiredResourceAccess) error {
	s, _ := p.lock()
	defer s.mu.Unlock()
	a := s.apps[strings.ToLower(objectID)]
	if a == nil {
		return fmt.Errorf("application %s: %w", objectID, ErrNotFound)
	}
	a.rra = cloneRRA(rra)
	if a.rra == nil {
		a.rra = []RequiredResourceAccess{}
	}
	return nil
}

// SetDisplayName renames an application.
func (p *Portal) SetDisplayName(objectID, name string) error {
	s, _ := p.lock()
	defer s.mu.Unlock()
	a := s.apps[strings.ToLower(objectID)]
	if a == nil {
		return fmt.Errorf("application %s: %w", objectID, ErrNotFound)
	}
	a.displayName = name
	return nil
}

// RemoveAppRoleAssignment revokes one application permission.
func (p *Portal) RemoveAppRoleAssignment(id string) error {
	s, _ := p.lock()
	defer s.mu.Unlock()
	if s.assignments[id] == nil {
		return fmt.Errorf("app role assignment %s: %w", id, ErrNotFound)
	}
	delete(s.assignments, id)
	return nil
}

// AssignAppRole grants the application permission roleValue of the resource application
// resourceAppID to a service principal (admin consent for one permission).
func (p *Portal) AssignAppRole(principalSPID, resourceAppID, roleValue string) (AppRoleAssignment, error) {
	s, now := p.lock()
	defer s.mu.Unlock()
	principal := s.sps[strings.ToLower(principalSPID)]
	if principal == nil {
		return AppRoleAssignment{}, fmt.Errorf("service principal %s: %w", principalSPID, ErrNotFound)
	}
	resource := s.spByAppIDAny(resourceAppID)
	if resource == nil {
		return AppRoleAssignment{}, fmt.Errorf("service principal of %s: %w", resourceAppID, ErrNotFound)
	}
	role := resource.appRoleByValue(roleValue)
	if role == nil {
		return AppRoleAssignment{}, fmt.Errorf("app role %s of %s: %w", roleValue, resource.displayName, ErrNotFound)
	}
	for _, a := range s.assignments {
		if a.PrincipalID == principal.id && a.ResourceID == resource.id && a.AppRoleID == role.ID {
			return a.AppRoleAssignment, nil
		}
	}
	a := &assignment{AppRoleAssignment: AppRoleAssignment{
		ID: newAssignmentID(principal.id), PrincipalID: principal.id, PrincipalDisplayName: principal.displayName,
		ResourceID: resource.id, ResourceDisplayName: resource.displayName, AppRoleID: role.ID, CreatedDateTime: now,
	}}
	s.assignments[a.ID] = a
	return a.AppRoleAssignment, nil
}

// DeleteDelegatedGrant revokes a delegated permission grant.
func (p *Portal) DeleteDelegatedGrant(id string) error {
	s, _ := p.lock()
	defer s.mu.Unlock()
	if s.grants[id] == nil {
		return fmt.Errorf("delegated grant %s: %w", id, ErrNotFound)
	}
	delete(s.grants, id)
	return nil
}

// DeleteServicePrincipal deletes a service principal (the enterprise application) with its
// assignments and grants; the application registration stays.
func (p *Portal) DeleteServicePrincipal(id string) error {
	s, _ := p.lock()
	defer s.mu.Unlock()
	id = strings.ToLower(id)
	if s.sps[id] == nil {
		return fmt.Errorf("service principal %s: %w", id, ErrNotFound)
	}
	s.removeSP(id)
	return nil
}

// CreateApplication registers an application with a client secret and a service principal,
// and grants admin consent for the named Microsoft Graph application permissions (values such
// as "User.Read.All"). It returns the application and the secret. An unknown permission
// panics: it is a typo in the test.
func (p *Portal) CreateApplication(displayName string, roles ...string) (Application, string) {
	s, now := p.lock()
	defer s.mu.Unlock()
	app, _ := s.createAppWithSP(displayName, "", now, roles)
	secret := newSecret()
	app.passwords = append(app.passwords, &password{keyID: newGUID(), displayName: "portal", secret: secret, hint: hint(secret), start: now, end: now.AddDate(2, 0, 0)})
	return app.snapshot(), secret
}

// AddCertificate registers a certificate credential on an application, for client-assertion
// sign-ins.
func (p *Portal) AddCertificate(objectID string, cert *x509.Certificate) error {
	if cert == nil {
		return errors.New("emulator: AddCertificate: nil certificate")
	}
	s, _ := p.lock()
	defer s.mu.Unlock()
	a := s.apps[strings.ToLower(objectID)]
	if a == nil {
		return fmt.Errorf("application %s: %w", objectID, ErrNotFound)
	}
	a.keys = append(a.keys, newKeyCredential(cert, "", time.Time{}))
	return nil
}
