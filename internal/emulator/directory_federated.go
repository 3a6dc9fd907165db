package emulator

import (
	"net/http"
	"strings"
	"time"
	"unicode"
)

// The directory's federated identity credentials: the external tokens (GitHub Actions, Azure
// Pipelines, Kubernetes, ...) an application trusts in place of a secret or certificate. They
// live on the application, so a soft-deleted application keeps them for its restore and a
// purge takes them with it. Limits and wordings follow Graph's federatedIdentityCredential
// pages (resources/federatedidentitycredential.md, application-post-federatedidentitycredentials.md).

const (
	maxFederatedCredentials = 20 // per application
	maxFederatedNameLength  = 120
	// maxFederatedValueLength bounds issuer, subject, each audience and description.
	maxFederatedValueLength = 600
)

type federatedCredential struct {
	FederatedCredential
	visibleAt time.Time
}

// federatedChange is what a PATCH sets; nil fields stay as they are.
type federatedChange struct {
	name, issuer, subject, description *string
	audiences                          *[]string
}

func (fc *federatedCredential) snapshot() FederatedCredential {
	out := fc.FederatedCredential
	out.Audiences = append([]string(nil), fc.Audiences...)
	return out
}

func cloneFederated(in []*federatedCredential) []*federatedCredential {
	if in == nil {
		return nil
	}
	out := make([]*federatedCredential, len(in))
	for i, fc := range in {
		cp := *fc
		cp.Audiences = append([]string(nil), fc.Audiences...)
		out[i] = &cp
	}
	return out
}

// federatedCredentials lists an application's credentials that v sees, oldest first, with the
// application's object id (Graph names it in @odata.context).
func (s *store) federatedCredentials(r ref, v view) (string, []FederatedCredential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appByRef(r, v)
	if a == nil {
		return "", nil, errObjectNotFound(r.value)
	}
	var out []FederatedCredential
	for _, fc := range a.federated {
		if v.sees(fc.visibleAt) {
			out = append(out, fc.snapshot())
		}
	}
	return a.id, out, nil
}

// federatedCredential finds one credential by id or by name, as Graph's paths allow.
func (s *store) federatedCredential(r ref, key string, v view) (string, FederatedCredential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appByRef(r, v)
	if a == nil {
		return "", FederatedCredential{}, errObjectNotFound(r.value)
	}
	fc := a.federatedByKey(key, v)
	if fc == nil {
		return "", FederatedCredential{}, errObjectNotFound(key)
	}
	return a.id, fc.snapshot(), nil
}

// addFederatedCredential creates a credential and returns it with its new id.
func (s *store) addFederatedCredential(r ref, in FederatedCredential, v view) (string, FederatedCredential, error) {
	if err := checkFederatedCredential(in); err != nil {
		return "", FederatedCredential{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appByRef(r, v)
	if a == nil {
		return "", FederatedCredential{}, errObjectNotFound(r.value)
	}
	fc, err := a.addFederated(in, v)
	if err != nil {
		return "", FederatedCredential{}, err
	}
	return a.id, fc.snapshot(), nil
}

// addFederated adds a checked credential. The limit and the uniqueness rules count
// credentials still replicating too: the directory knows them. The caller holds the lock.
func (a *application) addFederated(in FederatedCredential, v view) (*federatedCredential, error) {
	if len(a.federated) >= maxFederatedCredentials {
		// Emulator's wording for the documented maximum of 20 per application.
		return nil, errBadRequest("The application already has the maximum of 20 federated identity credentials.")
	}
	if err := a.checkFederatedUnique(in, nil); err != nil {
		return nil, err
	}
	fc := &federatedCredential{FederatedCredential: in, visibleAt: v.visibleAt}
	fc.ID = newGUID()
	fc.Audiences = append([]string(nil), in.Audiences...)
	a.federated = append(a.federated, fc)
	return fc, nil
}

// updateFederatedCredential applies a PATCH; a rejected change changes nothing. With
// createIfMissing (Graph's upsert) a key naming no credential creates one of that name, which
// it returns.
func (s *store) updateFederatedCredential(r ref, key string, c federatedChange, createIfMissing bool, v view) (string, *FederatedCredential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appByRef(r, v)
	if a == nil {
		return "", nil, errObjectNotFound(r.value)
	}
	fc := a.federatedByKey(key, v)
	if fc == nil && createIfMissing {
		return a.upsertFederated(key, c, v)
	}
	if fc == nil {
		return "", nil, errObjectNotFound(key)
	}
	if c.name != nil && *c.name != fc.Name {
		// The name is the credential's alternate key, immutable once created.
		return "", nil, errReadOnly("name")
	}
	next := fc.snapshot()
	c.apply(&next)
	if err := checkFederatedCredential(next); err != nil {
		return "", nil, err
	}
	if err := a.checkFederatedUnique(next, fc); err != nil {
		return "", nil, err
	}
	fc.FederatedCredential = next
	return a.id, nil, nil
}

// upsertFederated creates the credential an upsert names by key. The caller holds the lock.
func (a *application) upsertFederated(name string, c federatedChange, v view) (string, *FederatedCredential, error) {
	if c.name != nil && *c.name != name {
		return "", nil, errReadOnly("name")
	}
	in := FederatedCredential{Name: name}
	c.apply(&in)
	if err := checkFederatedCredential(in); err != nil {
		return "", nil, err
	}
	fc, err := a.addFederated(in, v)
	if err != nil {
		return "", nil, err
	}
	out := fc.snapshot()
	return a.id, &out, nil
}

func (c federatedChange) apply(fc *FederatedCredential) {
	if c.issuer != nil {
		fc.Issuer = *c.issuer
	}
	if c.subject != nil {
		fc.Subject = *c.subject
	}
	if c.description != nil {
		fc.Description = *c.description
	}
	if c.audiences != nil {
		fc.Audiences = append([]string(nil), *c.audiences...)
	}
}

func (s *store) removeFederatedCredential(r ref, key string, v view) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appByRef(r, v)
	if a == nil {
		return errObjectNotFound(r.value)
	}
	fc := a.federatedByKey(key, v)
	if fc == nil {
		return errObjectNotFound(key)
	}
	for i, x := range a.federated {
		if x == fc {
			a.federated = append(a.federated[:i], a.federated[i+1:]...)
			break
		}
	}
	return nil
}

// federatedByKey finds a credential v sees by id, else by name. The caller holds the lock.
func (a *application) federatedByKey(key string, v view) *federatedCredential {
	for _, fc := range a.federated {
		if v.sees(fc.visibleAt) && strings.EqualFold(fc.ID, key) {
			return fc
		}
	}
	for _, fc := range a.federated {
		if v.sees(fc.visibleAt) && strings.EqualFold(fc.Name, key) {
			return fc
		}
	}
	return nil
}

// checkFederatedUnique applies Graph's two uniqueness rules within an application: the name,
// and the pair of issuer and subject. self is the credential being updated, nil on create.
func (a *application) checkFederatedUnique(in FederatedCredential, self *federatedCredential) error {
	for _, fc := range a.federated {
		if fc == self {
			continue
		}
		if strings.EqualFold(fc.Name, in.Name) {
			// As Graph answered (Azure/azure-dev#1482).
			return newGraphError(http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue", "FederatedIdentityCredential with name "+in.Name+" already exists.")
		}
		if fc.Issuer == in.Issuer && fc.Subject == in.Subject {
			// As Graph answered (Azure/azure-workload-identity#434).
			return newGraphError(http.StatusBadRequest, "InvalidFederatedIdentityCredentialValue", "The combination of issuer and subject must be unique for the application. Issuer "+in.Issuer+" and Subject: "+in.Subject+" already exist. paramName: FederatedIdentityCredential.Subject, paramValue: "+in.Subject+", objectType: Microsoft.Online.DirectoryServices.Application")
		}
	}
	return nil
}

// checkFederatedCredential applies the documented rules of each property: name, issuer,
// subject and exactly one audience required; the lengths of each.
func checkFederatedCredential(fc FederatedCredential) error {
	if !validFederatedName(fc.Name) {
		return errFederatedValue("name")
	}
	for _, p := range []struct{ prop, value string }{{"issuer", fc.Issuer}, {"subject", fc.Subject}} {
		if strings.TrimSpace(p.value) == "" || len(p.value) > maxFederatedValueLength {
			return errFederatedValue(p.prop)
		}
	}
	// "This field can only accept a single value" (the resource page).
	if len(fc.Audiences) != 1 || strings.TrimSpace(fc.Audiences[0]) == "" || len(fc.Audiences[0]) > maxFederatedValueLength {
		return errFederatedValue("audiences")
	}
	if len(fc.Description) > maxFederatedValueLength {
		return errFederatedValue("description")
	}
	return nil
}

// validFederatedName: at most 120 characters and "URL friendly". The emulator reads that as no
// character a path segment cannot carry unescaped: no spaces, controls, / \ ? # or %.
func validFederatedName(name string) bool {
	if name == "" || len(name) > maxFederatedNameLength {
		return false
	}
	for _, c := range name {
		if unicode.IsSpace(c) || unicode.IsControl(c) || strings.ContainsRune(`/\?#%`, c) {
			return false
		}
	}
	return true
}

func errFederatedValue(prop string) *graphError {
	return errInvalidValue(prop, "FederatedIdentityCredential")
}
