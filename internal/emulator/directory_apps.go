package emulator

import (
	"crypto/x509"
	"encoding/json"
	"strings"
	"time"
)

// The directory's application operations: registrations, their credentials, soft delete.

const (
	maxRequiredResources   = 50  // APIs in requiredResourceAccess (application-update.md)
	maxRequiredPermissions = 400 // permissions across all of them
	// defaultSecretYears is Graph's default lifetime for addPassword without an endDateTime.
	defaultSecretYears = 2
)

// applicationChange is what a create or update sets; nil fields stay as they are.
type applicationChange struct {
	displayName    *string
	signInAudience *string
	// appID is the appId a client echoed back; it must equal the application's own.
	appID *string
	rra   *[]RequiredResourceAccess
	keys  *[]keyCredentialChange
	props map[string]json.RawMessage
	// owner is the person who registers the application and so owns it; "" for none.
	owner string
	// bound are the owners a create names in owners@odata.bind (user or service principal ids).
	bound []string
}

// keyCredentialChange is one entry of a keyCredentials update: a new certificate, or (cert
// nil) an existing credential kept by keyId, since Graph never returns key material to resend.
type keyCredentialChange struct {
	keyID       string
	displayName string
	cert        *x509.Certificate
}

// passwordRequest is addPassword's body; zero times take Graph's defaults.
type passwordRequest struct {
	displayName string
	start, end  time.Time
	// secret is the seed's fixed secret text; empty (always, for Graph) means a new one.
	secret string
}

func (s *store) application(r ref, v view) (*application, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appByRef(r, v)
	if a == nil {
		return nil, errObjectNotFound(r.value)
	}
	return a.clone(), nil
}

// applications lists the live applications v sees, oldest first.
func (s *store) applications(v view) []*application {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*application
	for _, a := range sortedApps(s.apps) {
		if v.sees(a.visibleAt) {
			out = append(out, a.clone())
		}
	}
	return out
}

// createApplication registers an application. appID empty means a new client id (the seed
// passes its fixed one).
func (s *store) createApplication(appID string, c applicationChange, v view) (*application, error) {
	if c.displayName == nil {
		return nil, errInvalidValue("displayName", "Application")
	}
	if appID == "" {
		appID = newGUID()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.appByAppID(appID, view{all: true}) != nil {
		return nil, newGraphError(409, "Request_MultipleObjectsWithSameKeyValue", "Another object with the same value for property appId already exists.")
	}
	owners, err := s.checkOwners(c.owner, c.bound, v)
	if err != nil {
		return nil, err
	}
	a := &application{id: newGUID(), appID: appID, signInAudience: "AzureADMyOrg", created: v.now, visibleAt: v.visibleAt, props: map[string]json.RawMessage{}, owners: owners}
	if err := s.applyApplicationChange(a, c, v); err != nil {
		return nil, err
	}
	s.apps[a.id] = a
	return a.clone(), nil
}

// updateApplication changes an application; a rejected change changes nothing.
func (s *store) updateApplication(r ref, c applicationChange, v view) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appByRef(r, v)
	if a == nil {
		return errObjectNotFound(r.value)
	}
	if c.appID != nil && !strings.EqualFold(*c.appID, a.appID) {
		return errReadOnly("appId")
	}
	cp := a.clone()
	if err := s.applyApplicationChange(cp, c, v); err != nil {
		return err
	}
	*a = *cp
	return nil
}

// applyApplicationChange sets c on a, checking Graph's rules for each property.
func (s *store) applyApplicationChange(a *application, c applicationChange, v view) error {
	if c.displayName != nil {
		if strings.TrimSpace(*c.displayName) == "" {
			return errInvalidValue("displayName", "Application")
		}
		a.displayName = *c.displayName
	}
	if c.signInAudience != nil {
		switch *c.signInAudience {
		case "AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount":
			a.signInAudience = *c.signInAudience
		default:
			return errInvalidValue("signInAudience", "Application")
		}
	}
	if c.rra != nil {
		if err := checkRequiredResourceAccess(*c.rra); err != nil {
			return err
		}
		a.rra = cloneRRA(*c.rra)
		if a.rra == nil {
			a.rra = []RequiredResourceAccess{}
		}
	}
	if c.keys != nil {
		keys, err := mergeKeyCredentials(a.keys, *c.keys, v)
		if err != nil {
			return err
		}
		a.keys = keys
	}
	for k, raw := range c.props {
		a.props[k] = raw
	}
	return nil
}

// checkRequiredResourceAccess applies Graph's limits. Graph does not check that the
// permission ids exist on the resource: the resource may live in another tenant.
func checkRequiredResourceAccess(rra []RequiredResourceAccess) error {
	if len(rra) > maxRequiredResources {
		// Emulator's wording for the documented limit of 50 resource APIs.
		return errBadRequest("The number of resources in requiredResourceAccess exceeds the limit of 50.")
	}
	total := 0
	for _, r := range rra {
		total += len(r.ResourceAccess)
	}
	if total > maxRequiredPermissions {
		// Emulator's wording for the documented limit of 400 permissions.
		return errBadRequest("The number of permissions in requiredResourceAccess exceeds the limit of 400.")
	}
	return nil
}

// mergeKeyCredentials replaces an application's certificates with the change's list.
func mergeKeyCredentials(old []*keyCredential, change []keyCredentialChange, v view) ([]*keyCredential, error) {
	var out []*keyCredential
	for _, k := range change {
		if k.cert != nil {
			kc := newKeyCredential(k.cert, k.displayName, v.visibleAt)
			if k.keyID != "" {
				kc.keyID = strings.ToLower(k.keyID)
			}
			out = append(out, kc)
			continue
		}
		var kept *keyCredential
		for _, o := range old {
			if strings.EqualFold(o.keyID, k.keyID) {
				kept = o
			}
		}
		if kept == nil {
			return nil, errInvalidValue("key", "KeyCredential")
		}
		out = append(out, kept)
	}
	return out, nil
}

// addCertificate adds one certificate credential, as uploading it in the portal does.
func (s *store) addCertificate(r ref, cert *x509.Certificate, v view) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appByRef(r, v)
	if a == nil {
		return errObjectNotFound(r.value)
	}
	a.keys = append(a.keys, newKeyCredential(cert, "", v.visibleAt))
	return nil
}

// addPassword creates a client secret and returns it with its only copy of the secret text.
func (s *store) addPassword(r ref, req passwordRequest, v view) (password, error) {
	start, end := req.start, req.end
	if start.IsZero() {
		start = v.now
	}
	if end.IsZero() {
		end = start.AddDate(defaultSecretYears, 0, 0)
	}
	if !end.After(start) {
		return password{}, errInvalidValue("endDateTime", "PasswordCredential")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appByRef(r, v)
	if a == nil {
		return password{}, errObjectNotFound(r.value)
	}
	secret := req.secret
	if secret == "" {
		secret = newSecret()
	}
	p := &password{keyID: newGUID(), displayName: req.displayName, secret: secret, hint: hint(secret), start: start.UTC(), end: end.UTC(), visibleAt: v.visibleAt}
	a.passwords = append(a.passwords, p)
	return *p, nil
}

func (s *store) removePassword(r ref, keyID string, v view) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appByRef(r, v)
	if a == nil {
		return errObjectNotFound(r.value)
	}
	for i, p := range a.passwords {
		if strings.EqualFold(p.keyID, keyID) {
			a.passwords = append(a.passwords[:i], a.passwords[i+1:]...)
			return nil
		}
	}
	// Emulator's wording: Graph answers 400 for a keyId the application does not have.
	return errBadRequest("No password credential found with keyId '" + keyID + "'.")
}

// expirePassword moves a secret's end into the past (a Portal test aid: Entra has no such
// operation, but time does the same).
func (s *store) expirePassword(r ref, keyID string, v view) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appByRef(r, v)
	if a == nil {
		return errObjectNotFound(r.value)
	}
	for _, p := range a.passwords {
		if strings.EqualFold(p.keyID, keyID) {
			p.end = v.now.Add(-time.Minute)
			if !p.start.Before(p.end) {
				p.start = p.end.Add(-time.Hour)
			}
			return nil
		}
	}
	return errObjectNotFound(keyID)
}

// deleteApplication moves an application to the deleted items container. Its service
// principal goes there too (Entra deletes the enterprise application of a deleted
// registration), and with the principal its assignments and grants.
func (s *store) deleteApplication(r ref, v view) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appByRef(r, v)
	if a == nil {
		return errObjectNotFound(r.value)
	}
	delete(s.apps, a.id)
	a.deleted = v.now
	s.deleted[a.id] = a
	for _, sp := range s.sps {
		if strings.EqualFold(sp.appID, a.appID) {
			s.softDeleteSP(sp, v)
		}
	}
	return nil
}

// hint is what Graph shows of a secret after creation: its first three characters.
func hint(secret string) string {
	if len(secret) < 3 {
		return secret
	}
	return secret[:3]
}

func cloneProps(in map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}
