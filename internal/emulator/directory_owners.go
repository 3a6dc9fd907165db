package emulator

import (
	"net/url"
	"strings"
)

// The directory's owners of applications and service principals. An owner is a user or a
// service principal ("Application owners can be individual users, the associated service
// principal, or another service principal", application-post-owners.md; the same for service
// principals). A person who owns an object may manage it without a directory role
// (store.owns); an application that owns one gains nothing from it here, since the emulator
// does not model Application.ReadWrite.OwnedBy.

// Graph's answers to a reference already there, or not there, on the owners collection: the
// directory's generic wording for reference properties, as clients that match on it record
// it for members and owners alike.
const (
	msgOwnerExists  = "One or more added object references already exist for the following modified properties: 'owners'."
	msgOwnerMissing = "One or more removed object references do not exist for the following modified properties: 'owners'."
)

// directoryObject is an owner as Graph lists it: a user or a service principal.
type directoryObject struct {
	user *user
	sp   *servicePrincipal
}

func (o directoryObject) render() map[string]any {
	if o.user != nil {
		return renderUser(*o.user)
	}
	return renderServicePrincipal(o.sp)
}

// ownersList finds the owners of the application (onSP false) or the service principal r
// names. The caller holds the lock.
func (s *store) ownersList(r ref, onSP bool, v view) (*[]string, error) {
	if onSP {
		if sp := s.spByRef(r, v); sp != nil {
			return &sp.owners, nil
		}
		return nil, errObjectNotFound(r.value)
	}
	if a := s.appByRef(r, v); a != nil {
		return &a.owners, nil
	}
	return nil, errObjectNotFound(r.value)
}

// ownerObject finds the user or the service principal id names, as v sees them. The caller
// holds the lock.
func (s *store) ownerObject(id string, v view) (directoryObject, bool) {
	if u := s.userByIDOrUPN(id); u != nil && strings.EqualFold(u.id, id) {
		cp := *u
		return directoryObject{user: &cp}, true
	}
	if sp := s.spByRef(byID(id), v); sp != nil {
		return directoryObject{sp: sp.clone()}, true
	}
	return directoryObject{}, false
}

// owners lists the owners of the object r names, in the order they were added. An owner that
// has been deleted since is no longer listed.
func (s *store) owners(r ref, onSP bool, v view) ([]directoryObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list, err := s.ownersList(r, onSP, v)
	if err != nil {
		return nil, err
	}
	out := make([]directoryObject, 0, len(*list))
	for _, id := range *list {
		if o, ok := s.ownerObject(id, v); ok {
			out = append(out, o)
		}
	}
	return out, nil
}

// addOwner adds the user or service principal ownerID to the owners of the object r names.
func (s *store) addOwner(r ref, onSP bool, ownerID string, v view) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	list, err := s.ownersList(r, onSP, v)
	if err != nil {
		return err
	}
	if _, ok := s.ownerObject(ownerID, v); !ok {
		return errObjectNotFound(ownerID)
	}
	if ownedBy(*list, ownerID) {
		return errBadRequest(msgOwnerExists)
	}
	*list = append(*list, strings.ToLower(ownerID))
	return nil
}

// removeOwner removes ownerID from the owners of the object r names. An application or a
// service principal may be left without owners (only groups keep their last one).
func (s *store) removeOwner(r ref, onSP bool, ownerID string, v view) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	list, err := s.ownersList(r, onSP, v)
	if err != nil {
		return err
	}
	for i, o := range *list {
		if strings.EqualFold(o, ownerID) {
			*list = append((*list)[:i], (*list)[i+1:]...)
			return nil
		}
	}
	if _, ok := s.ownerObject(ownerID, v); !ok {
		return errObjectNotFound(ownerID)
	}
	return errBadRequest(msgOwnerMissing)
}

// checkOwners resolves the owners a create binds (owners@odata.bind), adds first (the person
// creating the object, "" for none) and drops repeats. The caller holds the lock.
func (s *store) checkOwners(first string, bound []string, v view) ([]string, error) {
	var out []string
	if first != "" {
		out = append(out, strings.ToLower(first))
	}
	for _, id := range bound {
		if _, ok := s.ownerObject(id, v); !ok {
			return nil, errObjectNotFound(id)
		}
		if !ownedBy(out, id) {
			out = append(out, strings.ToLower(id))
		}
	}
	return out, nil
}

// isUser reports whether id is the object id of a user of the tenant.
func (s *store) isUser(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userByIDOrUPN(id)
	return u != nil && strings.EqualFold(u.id, id)
}

// directoryObjectID reads the object id out of a reference URL as @odata.id and @odata.bind
// carry it: https://graph.microsoft.com/v1.0/directoryObjects/{id}, or .../users/{id} and
// .../servicePrincipals/{id}, on any host (a client names Graph by the base URL it was
// given), also in the key form directoryObjects('{id}'). ok is false for anything else.
func directoryObjectID(ref string) (id string, ok bool) {
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return "", false
	}
	segs := splitPath(u.Path)
	if len(segs) < 2 {
		return "", false
	}
	coll, key := segs[len(segs)-2], segs[len(segs)-1]
	if coll.key || key.key && !strings.EqualFold(key.keyProp, "id") {
		return "", false
	}
	for _, name := range []string{"directoryObjects", "users", "servicePrincipals"} {
		if sameLiteral(name, coll.name) {
			return key.name, key.name != ""
		}
	}
	return "", false
}
