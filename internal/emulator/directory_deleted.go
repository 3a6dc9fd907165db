package emulator

import (
	"net/http"
	"strings"
	"time"
)

// The deleted items container (30 days in Entra): soft-deleted applications and service
// principals, until restored or purged.

// deletedObject is one item of the container: an application or a service principal.
type deletedObject struct {
	app *application
	sp  *servicePrincipal
}

func (s *store) deletedApplications() []*application {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*application
	for _, a := range sortedApps(s.deleted) {
		out = append(out, a.clone())
	}
	return out
}

func (s *store) deletedServicePrincipals() []*servicePrincipal {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]*servicePrincipal, len(s.deletedSPs))
	for id, d := range s.deletedSPs {
		m[id] = d.sp
	}
	var out []*servicePrincipal
	for _, sp := range sortedSPs(m) {
		out = append(out, sp.clone())
	}
	return out
}

func (s *store) deletedItem(id string) (deletedObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id = strings.ToLower(id)
	if a := s.deleted[id]; a != nil {
		return deletedObject{app: a.clone()}, nil
	}
	if d := s.deletedSPs[id]; d != nil {
		return deletedObject{sp: d.sp.clone()}, nil
	}
	return deletedObject{}, errObjectNotFound(id)
}

// purge deletes an item for good. Purging an application purges its deleted service
// principal too: without its registration the principal could never be restored.
func (s *store) purge(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id = strings.ToLower(id)
	if a := s.deleted[id]; a != nil {
		delete(s.deleted, id)
		for spID, d := range s.deletedSPs {
			if strings.EqualFold(d.sp.appID, a.appID) && d.sp.ownerTenant == s.tenantID {
				delete(s.deletedSPs, spID)
			}
		}
		return nil
	}
	if s.deletedSPs[id] != nil {
		delete(s.deletedSPs, id)
		return nil
	}
	return errObjectNotFound(id)
}

// restore brings an item back. An application comes back with its credentials but without
// its service principal, which is restored on its own (directory-deleteditems-restore.md); a
// service principal comes back with the assignments and grants whose other end still exists.
func (s *store) restore(id string, v view) (deletedObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id = strings.ToLower(id)
	if a := s.deleted[id]; a != nil {
		if s.appByAppID(a.appID, view{all: true}) != nil {
			return deletedObject{}, newGraphError(http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue", "The application cannot be restored because an object with the same appId already exists.")
		}
		delete(s.deleted, id)
		a.deleted = time.Time{}
		s.apps[a.id] = a
		return deletedObject{app: a.clone()}, nil
	}
	d := s.deletedSPs[id]
	if d == nil {
		return deletedObject{}, errObjectNotFound(id)
	}
	sp := d.sp
	if s.spByAppID(sp.appID, view{all: true}) != nil {
		return deletedObject{}, errServicePrincipalNameInUse(sp.appID)
	}
	if sp.ownerTenant == s.tenantID && s.appByAppID(sp.appID, v) == nil {
		return deletedObject{}, errNoBackingApplication(sp.appID)
	}
	delete(s.deletedSPs, id)
	sp.deleted = time.Time{}
	s.sps[sp.id] = sp
	for _, a := range d.assignments {
		if s.sps[a.PrincipalID] != nil && s.sps[a.ResourceID] != nil {
			s.assignments[a.ID] = a
		}
	}
	for _, g := range d.grants {
		if s.sps[g.ClientID] != nil && s.sps[g.ResourceID] != nil {
			s.grants[g.ID] = g
		}
	}
	return deletedObject{sp: sp.clone()}, nil
}
