package emulator

import (
	"sort"
	"strings"
	"time"
)

// view is the moment a directory operation runs at and what it can see: Graph callers see an
// object only once it has replicated, the Portal and the seed see everything at once.
type view struct {
	now time.Time
	// visibleAt is when objects this operation creates become visible to other reads.
	visibleAt time.Time
	// all: objects still replicating are seen too.
	all bool
}

// sees reports whether an object that becomes visible at t is seen by this view.
func (v view) sees(t time.Time) bool { return v.all || !v.now.Before(t) }

// portalView is the administrator's view: now, without replication lag.
func portalView() view {
	now := time.Now().UTC()
	return view{now: now, visibleAt: now, all: true}
}

func visible(at, now time.Time) bool { return !now.Before(at) }

// ref names a directory object the way a Graph path does: by object id, or by appId for
// applications and service principals (/applications(appId='...')).
type ref struct {
	value   string
	byAppID bool
}

func byID(id string) ref { return ref{value: id} }

// The lookups below expect the store lock held.

func (s *store) appByRef(r ref, v view) *application {
	if r.byAppID {
		return s.appByAppID(r.value, v)
	}
	if a := s.apps[strings.ToLower(r.value)]; a != nil && v.sees(a.visibleAt) {
		return a
	}
	return nil
}

func (s *store) appByAppID(appID string, v view) *application {
	for _, a := range s.apps {
		if strings.EqualFold(a.appID, appID) && v.sees(a.visibleAt) {
			return a
		}
	}
	return nil
}

func (s *store) spByRef(r ref, v view) *servicePrincipal {
	if r.byAppID {
		return s.spByAppID(r.value, v)
	}
	if sp := s.sps[strings.ToLower(r.value)]; sp != nil && v.sees(sp.visibleAt) {
		return sp
	}
	return nil
}

func (s *store) spByAppID(appID string, v view) *servicePrincipal {
	for _, sp := range s.sps {
		if strings.EqualFold(sp.appID, appID) && v.sees(sp.visibleAt) {
			return sp
		}
	}
	return nil
}

// resourceSP finds the service principal a token request names by appId or identifier URI.
// The emulator's own URL names Microsoft Graph: its endpoint metadata gives the URL as
// microsoftGraphResourceId.
func (s *store) resourceSP(resource string, v view) *servicePrincipal {
	if s.ownURL != nil && s.ownURL(resource) {
		return s.spByAppID(GraphAppID, v)
	}
	r := strings.TrimSuffix(strings.ToLower(resource), "/")
	for _, sp := range s.sps {
		if !v.sees(sp.visibleAt) {
			continue
		}
		if strings.EqualFold(sp.appID, r) {
			return sp
		}
		for _, u := range sp.resourceURIs {
			if strings.EqualFold(strings.TrimSuffix(u, "/"), r) {
				return sp
			}
		}
	}
	return nil
}

// audienceFor is the aud claim of a token for sp asked for by the resource URI requested: a
// fixed audience where Entra has one (Microsoft Graph's, Exchange Online's); else, as for
// Azure Resource Manager, the URI as asked for; else the appId. A token asked for by the
// emulator's own URL carries that URL, which Graph and ARM both accept.
func (s *store) audienceFor(sp *servicePrincipal, requested string) string {
	switch {
	case s.ownURL != nil && s.ownURL(requested):
		return requested
	case sp.audience != "":
		return sp.audience
	case len(sp.resourceURIs) > 0 && !strings.EqualFold(requested, sp.appID):
		return requested
	}
	return sp.appID
}

func (s *store) userByIDOrUPN(key string) *user {
	for _, u := range s.users {
		if strings.EqualFold(u.id, key) || strings.EqualFold(u.upn, key) {
			return u
		}
	}
	return nil
}

// isTenant reports whether seg (a GUID or a verified domain, any case) names this tenant.
func (s *store) isTenant(seg string) bool {
	if strings.EqualFold(seg, s.tenantID) {
		return true
	}
	for _, d := range s.domains {
		if strings.EqualFold(seg, d.name) {
			return true
		}
	}
	return false
}

// sortByCreation returns the values of m oldest first, then by id: the stable order Graph
// lists directory objects in.
func sortByCreation[T any](m map[string]*T, created func(*T) time.Time, id func(*T) string) []*T {
	out := make([]*T, 0, len(m))
	for _, x := range m {
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool {
		ci, cj := created(out[i]), created(out[j])
		if !ci.Equal(cj) {
			return ci.Before(cj)
		}
		return id(out[i]) < id(out[j])
	})
	return out
}

func sortedApps(m map[string]*application) []*application {
	return sortByCreation(m, func(a *application) time.Time { return a.created }, func(a *application) string { return a.id })
}

func sortedSPs(m map[string]*servicePrincipal) []*servicePrincipal {
	return sortByCreation(m, func(sp *servicePrincipal) time.Time { return sp.created }, func(sp *servicePrincipal) string { return sp.id })
}

func sortedAssignments(m map[string]*assignment) []*assignment {
	return sortByCreation(m, func(a *assignment) time.Time { return a.CreatedDateTime }, func(a *assignment) string { return a.ID })
}

func sortedGrants(m map[string]*grant) []*grant {
	return sortByCreation(m, func(*grant) time.Time { return time.Time{} }, func(g *grant) string { return g.ID })
}

// Copies handed out of the lock, so handlers render them while other requests write.

func (a *application) clone() *application {
	cp := *a
	cp.rra = cloneRRA(a.rra)
	cp.passwords = make([]*password, len(a.passwords))
	for i, p := range a.passwords {
		pc := *p
		cp.passwords[i] = &pc
	}
	cp.keys = append([]*keyCredential(nil), a.keys...) // key credentials are never changed in place
	cp.federated = cloneFederated(a.federated)
	cp.props = cloneProps(a.props)
	cp.owners = append([]string(nil), a.owners...)
	return &cp
}

func (sp *servicePrincipal) clone() *servicePrincipal {
	cp := *sp
	cp.props = cloneProps(sp.props)
	cp.owners = append([]string(nil), sp.owners...)
	return &cp
}

func ownedBy(owners []string, userID string) bool {
	for _, o := range owners {
		if strings.EqualFold(o, userID) {
			return true
		}
	}
	return false
}
