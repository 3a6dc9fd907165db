package emulator

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Portal is the administrator at the Entra admin center: changes made behind a client's back
// (drift), and inspection for tests. It goes through the same directory operations as Graph,
// with the same rules, but sees and changes objects at once, ignoring replication lag and
// injected faults, and leaves nothing in the request log.
type Portal struct{ e *Emulator }

func (p *Portal) store() *store { return p.e.store }

// notFound wraps a directory error for a Portal caller, naming the object.
func notFound(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Applications returns every live application, oldest first.
func (p *Portal) Applications() []Application {
	var out []Application
	for _, a := range p.store().applications(portalView()) {
		out = append(out, a.snapshot())
	}
	return out
}

// Application returns a live application by object id.
func (p *Portal) Application(objectID string) (Application, bool) {
	a, err := p.store().application(byID(objectID), portalView())
	if err != nil {
		return Application{}, false
	}
	return a.snapshot(), true
}

// ApplicationByAppID returns a live application by client id.
func (p *Portal) ApplicationByAppID(appID string) (Application, bool) {
	a, err := p.store().application(ref{value: appID, byAppID: true}, portalView())
	if err != nil {
		return Application{}, false
	}
	return a.snapshot(), true
}

// DeletedApplications returns the applications in the deleted items container.
func (p *Portal) DeletedApplications() []Application {
	var out []Application
	for _, a := range p.store().deletedApplications() {
		out = append(out, a.snapshot())
	}
	return out
}

// DeletedServicePrincipals returns the service principals in the deleted items container.
func (p *Portal) DeletedServicePrincipals() []ServicePrincipal {
	var out []ServicePrincipal
	for _, sp := range p.store().deletedServicePrincipals() {
		out = append(out, sp.snapshot())
	}
	return out
}

// ServicePrincipalByAppID returns the service principal of an application.
func (p *Portal) ServicePrincipalByAppID(appID string) (ServicePrincipal, bool) {
	sp, err := p.store().servicePrincipal(ref{value: appID, byAppID: true}, portalView())
	if err != nil {
		return ServicePrincipal{}, false
	}
	return sp.snapshot(), true
}

// ServicePrincipal returns a service principal by object id.
func (p *Portal) ServicePrincipal(objectID string) (ServicePrincipal, bool) {
	sp, err := p.store().servicePrincipal(byID(objectID), portalView())
	if err != nil {
		return ServicePrincipal{}, false
	}
	return sp.snapshot(), true
}

// AppRoleAssignments returns the app role assignments held by a service principal.
func (p *Portal) AppRoleAssignments(principalSPID string) []AppRoleAssignment {
	_, list, _ := p.store().assignmentsOf(byID(principalSPID), onPrincipal, portalView())
	return list
}

// DelegatedGrants returns the delegated permission grants of a client service principal.
func (p *Portal) DelegatedGrants(clientSPID string) []DelegatedGrant {
	client := byID(clientSPID)
	_, list, _ := p.store().grantsOf(&client, portalView())
	return list
}

// DeleteApplication soft-deletes an application, as the portal's Delete button does: it moves
// to the deleted items, and its service principal, assignments and grants go with it.
func (p *Portal) DeleteApplication(objectID string) error {
	return notFound("application "+objectID, p.store().deleteApplication(byID(objectID), portalView()))
}

// RemovePassword deletes a client secret.
func (p *Portal) RemovePassword(objectID, keyID string) error {
	err := p.store().removePassword(byID(objectID), keyID, portalView())
	var ge *graphError
	if errors.As(err, &ge) && ge.status == 400 {
		return fmt.Errorf("password %s of application %s: %w", keyID, objectID, ErrNotFound)
	}
	return notFound("application "+objectID, err)
}

// ExpirePassword moves a client secret's end into the past, so sign-ins with it fail with
// AADSTS7000222.
func (p *Portal) ExpirePassword(objectID, keyID string) error {
	return notFound("password "+keyID+" of application "+objectID, p.store().expirePassword(byID(objectID), keyID, portalView()))
}

// AddPassword adds a client secret ending at end (zero: in two years) and returns it with its
// secret text.
func (p *Portal) AddPassword(objectID, displayName string, end time.Time) (Password, string, error) {
	pw, err := p.store().addPassword(byID(objectID), passwordRequest{displayName: displayName, end: end}, portalView())
	if err != nil {
		return Password{}, "", notFound("application "+objectID, err)
	}
	return pw.snapshot(), pw.secret, nil
}

// SetRequiredResourceAccess replaces the API permissions an application asks for, as editing
// "API permissions" in the portal does (without granting consent).
func (p *Portal) SetRequiredResourceAccess(objectID string, rra []RequiredResourceAccess) error {
	rra = cloneRRA(rra)
	return notFound("application "+objectID, p.store().updateApplication(byID(objectID), applicationChange{rra: &rra}, portalView()))
}

// SetDisplayName renames an application.
func (p *Portal) SetDisplayName(objectID, name string) error {
	return notFound("application "+objectID, p.store().updateApplication(byID(objectID), applicationChange{displayName: &name}, portalView()))
}

// RemoveAppRoleAssignment revokes one application permission.
func (p *Portal) RemoveAppRoleAssignment(id string) error {
	return notFound("app role assignment "+id, p.store().removeAssignment(nil, onPrincipal, id, portalView()))
}

// AssignAppRole grants the application permission roleValue of the resource application
// resourceAppID to a service principal (admin consent for one permission). Granting one the
// principal already holds returns the existing assignment.
func (p *Portal) AssignAppRole(principalSPID, resourceAppID, roleValue string) (AppRoleAssignment, error) {
	v := portalView()
	resource, err := p.store().servicePrincipal(ref{value: resourceAppID, byAppID: true}, v)
	if err != nil {
		return AppRoleAssignment{}, notFound("service principal of "+resourceAppID, err)
	}
	role := resource.appRoleByValue(roleValue)
	if role == nil {
		return AppRoleAssignment{}, fmt.Errorf("app role %s of %s: %w", roleValue, resource.displayName, ErrNotFound)
	}
	in := AppRoleAssignment{PrincipalID: principalSPID, ResourceID: resource.id, AppRoleID: role.ID}
	_, a, err := p.store().assignAppRole(byID(principalSPID), onPrincipal, in, v)
	if err == nil {
		return a, nil
	}
	for _, held := range p.AppRoleAssignments(principalSPID) {
		if held.ResourceID == resource.id && held.AppRoleID == role.ID {
			return held, nil
		}
	}
	return AppRoleAssignment{}, notFound("service principal "+principalSPID, err)
}

// DirectoryRoleAssignments lists the directory roles the person or service principal
// principalID holds, as an administrator sees them in the portal (no replication lag).
func (p *Portal) DirectoryRoleAssignments(principalID string) []DirectoryRoleAssignment {
	var out []DirectoryRoleAssignment
	for _, a := range p.store().directoryRoleAssignments(portalView()) {
		if strings.EqualFold(a.PrincipalID, principalID) {
			out = append(out, a)
		}
	}
	return out
}

// AssignDirectoryRole gives a person or a service principal a directory role (a Role*
// template ID) tenant-wide, as an administrator does out of band.
func (p *Portal) AssignDirectoryRole(principalID, roleTemplateID string) (DirectoryRoleAssignment, error) {
	a, err := p.store().assignDirectoryRole(principalID, roleTemplateID, portalView())
	return a, notFound("principal "+principalID+" or role "+roleTemplateID, err)
}

// RemoveDirectoryRoleAssignment ends a directory role assignment.
func (p *Portal) RemoveDirectoryRoleAssignment(id string) error {
	return notFound("directory role assignment "+id, p.store().removeDirectoryRoleAssignment(id, portalView()))
}

// DeleteDelegatedGrant revokes a delegated permission grant.
func (p *Portal) DeleteDelegatedGrant(id string) error {
	return notFound("delegated grant "+id, p.store().deleteGrant(id, portalView()))
}

// DeleteServicePrincipal deletes a service principal (the enterprise application) with its
// assignments and grants, into the deleted items; the application registration stays.
func (p *Portal) DeleteServicePrincipal(id string) error {
	return notFound("service principal "+id, p.store().deleteServicePrincipal(byID(strings.ToLower(id)), portalView()))
}

// CreateApplication registers an application with a client secret and a service principal,
// and grants admin consent for the named Microsoft Graph application permissions (values such
// as "User.Read.All"). It returns the application and the secret. An unknown permission
// panics: it is a typo in the test.
func (p *Portal) CreateApplication(displayName string, roles ...string) (Application, string) {
	v := portalView()
	app, _ := p.store().registerWithConsent(displayName, "", roles, v)
	pw, err := p.store().addPassword(byID(app.id), passwordRequest{displayName: "portal"}, v)
	if err != nil {
		panic(err)
	}
	a, _ := p.store().application(byID(app.id), v)
	return a.snapshot(), pw.secret
}

// AddCertificate registers a certificate credential on an application, for client-assertion
// sign-ins.
func (p *Portal) AddCertificate(objectID string, cert *x509.Certificate) error {
	if cert == nil {
		return errors.New("emulator: AddCertificate: nil certificate")
	}
	return notFound("application "+objectID, p.store().addCertificate(byID(objectID), cert, portalView()))
}

// RemoveCertificate deletes a certificate credential, as its delete button on the portal's
// Certificates & secrets page does.
func (p *Portal) RemoveCertificate(objectID, keyID string) error {
	app, ok := p.Application(objectID)
	if !ok {
		return fmt.Errorf("application %s: %w", objectID, ErrNotFound)
	}
	keep := []keyCredentialChange{}
	for _, c := range app.Certificates {
		if !strings.EqualFold(c.KeyID, keyID) {
			keep = append(keep, keyCredentialChange{keyID: c.KeyID})
		}
	}
	if len(keep) == len(app.Certificates) {
		return fmt.Errorf("certificate %s of application %s: %w", keyID, objectID, ErrNotFound)
	}
	return notFound("application "+objectID, p.store().updateApplication(byID(objectID), applicationChange{keys: &keep}, portalView()))
}
