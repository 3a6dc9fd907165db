package emulator

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
)

// Several tenants. Options.Tenants > 1 adds tenants beside the first (Contoso), each with its
// own directory and seed: bootstrap application, Microsoft's service principals, the same
// people under the tenant's domain. They share the emulator's URL, CA, signing key, token
// service and Graph, as Entra's tenants share login.microsoftonline.com and
// graph.microsoft.com: the token service answers for the tenant its path names, Graph and ARM
// for the tenant the token is from.
//
// Each extra tenant is served by a view of the emulator: an *Emulator sharing everything with
// the first but its store, seed and portal. The handlers, written for one tenant, run on the
// view, so each rule of the directory stays written once. addTenants copies the fields one by
// one (the counters and the Once cannot be copied): a field added to Emulator is added there
// too, or read through top().

// tenantSpec names one seeded tenant.
type tenantSpec struct {
	tenantID, displayName string
	initialDomain, domain string
	bootstrapClientID     string
	userID                func(seedID string) string // the object id of a seeded person
	n                     int                        // 1 for the first tenant
}

// primaryTenant is the first tenant, whose identities are the Seed* constants.
var primaryTenant = tenantSpec{
	tenantID: SeedTenantID, displayName: SeedTenantDisplayName, initialDomain: SeedInitialDomain, domain: SeedDefaultDomain,
	bootstrapClientID: BootstrapClientID, userID: func(id string) string { return id }, n: 1,
}

// extraTenantNames are the names of the tenants after the first, after Microsoft's demo
// companies; past them a tenant is "Contoso <n>".
var extraTenantNames = []struct{ name, label string }{
	{"Fabrikam", "fabrikam"}, {"Northwind Traders", "northwindtraders"}, {"Tailspin Toys", "tailspintoys"},
	{"Woodgrove Bank", "woodgrovebank"}, {"Litware", "litware"},
}

// tenantSpecFor is the n-th tenant (n >= 2). Its ids are derived from n, so they are the same
// at every start: a CI job may rely on them as on the first tenant's constants.
func tenantSpecFor(n int) tenantSpec {
	name, label := fmt.Sprintf("Contoso %d", n), fmt.Sprintf("contoso%d", n)
	if i := n - 2; i < len(extraTenantNames) {
		name, label = extraTenantNames[i].name, extraTenantNames[i].label
	}
	return tenantSpec{
		tenantID: derivedGUID(n, "tenant"), displayName: name,
		initialDomain: label + ".onmicrosoft.com", domain: label + ".com",
		bootstrapClientID: derivedGUID(n, "bootstrap"),
		userID:            func(id string) string { return derivedGUID(n, "user "+id) },
		n:                 n,
	}
}

// derivedGUID is a GUID fixed by n and what: an RFC 4122 name-based form, version 5 bits.
func derivedGUID(n int, what string) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("stellar-emulator tenant %d %s", n, what)))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// addTenants seeds the tenants after the first, up to n in all, once the URL is known.
func (e *Emulator) addTenants(n int, bootstrapSecret string) {
	e.tenants = []*Emulator{e}
	for i := 2; i <= n; i++ {
		st, seed := newSeededTenant(tenantSpecFor(i), bootstrapSecret)
		st.applyCloud(e.cloud)
		t := &Emulator{
			url: e.url, ca: e.ca, caFile: e.caFile, client: e.client, signer: e.signer, faults: e.faults, log: e.log,
			sessions: e.sessions, onRequest: e.onRequest, oidc: e.oidc, cloud: e.cloud, identities: e.identities,
			hostsMode: e.hostsMode, store: st, seed: seed, root: e,
		}
		st.ownURL = e.isOwnURL
		t.portal = &Portal{e: t}
		e.tenants = append(e.tenants, t)
	}
}

// top is the emulator itself, for a tenant's view the emulator it belongs to.
func (e *Emulator) top() *Emulator {
	if e.root != nil {
		return e.root
	}
	return e
}

// allTenants are the tenants served, the first first.
func (e *Emulator) allTenants() []*Emulator {
	if t := e.top().tenants; len(t) > 0 {
		return t
	}
	return []*Emulator{e.top()}
}

// forTenant is the view serving the tenant a token-service path names by GUID or domain; for
// the multi-tenant aliases and unknown tenants, the first tenant, whose handlers answer those.
func (e *Emulator) forTenant(seg string) *Emulator {
	if seg == "" || isCommonTenant(seg) {
		return e.top()
	}
	for _, t := range e.allTenants() {
		if t.resolveTenant(seg) {
			return t
		}
	}
	return e.top()
}

// tenantByID is the view of the tenant whose id is tid, or nil.
func (e *Emulator) tenantByID(tid string) *Emulator {
	for _, t := range e.allTenants() {
		if strings.EqualFold(t.store.tenantID, tid) {
			return t
		}
	}
	return nil
}

// tenantOfToken is the view of the tenant a bearer token says it is from (its tid, read
// without verifying: the tenant then verifies it), or e.
func (e *Emulator) tenantOfToken(authorization string) *Emulator {
	scheme, tok, ok := strings.Cut(authorization, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return e
	}
	jwt, err := parseJWT(strings.TrimSpace(tok))
	if err != nil {
		return e
	}
	if t := e.tenantByID(jwt.str("tid")); t != nil {
		return t
	}
	return e
}

// tenantOfUser finds the tenant of a person by object id or user principal name: for
// sign-ins through the multi-tenant aliases (organizations, common), which find the tenant
// from the account. It returns e and nil when nobody has that name.
func (e *Emulator) tenantOfUser(key string) (*Emulator, *user) {
	for _, t := range append([]*Emulator{e}, e.allTenants()...) {
		t.store.mu.Lock()
		u := t.store.userByIDOrUPN(key)
		t.store.mu.Unlock()
		if u != nil {
			return t, u
		}
	}
	return e, nil
}

// signInFor checks a sign-in form's credentials for a sign-in to tenant: through a
// multi-tenant alias (or a device code started on one) in the person's own tenant, else in
// this one. It returns the tenant signed in to.
func (e *Emulator) signInFor(r *http.Request, tenant string) (*Emulator, *user, *aadError) {
	if !isCommonTenant(tenant) {
		te := e.forTenant(tenant)
		u, aerr := te.signInUser(r)
		return te, u, aerr
	}
	te, _ := e.tenantOfUser(r.PostFormValue("login"))
	u, aerr := te.signInUser(r)
	return te, u, aerr
}

// deviceTenant is the tenant segment a pending device code's sign-in started on, or "".
func (ss *sessions) deviceTenant(userCode string) string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if d := ss.byUser[strings.ToUpper(strings.TrimSpace(userCode))]; d != nil {
		return d.tenant
	}
	return ""
}

// Seeds describes every tenant the emulator serves, the first (Seed) first.
func (e *Emulator) Seeds() []Seed {
	var out []Seed
	for _, t := range e.allTenants() {
		out = append(out, t.Seed())
	}
	return out
}

// TenantPortal is the Portal of the tenant tenantID: Portal is the first tenant's.
func (e *Emulator) TenantPortal(tenantID string) (*Portal, bool) {
	t := e.tenantByID(tenantID)
	if t == nil {
		return nil, false
	}
	return t.portal, true
}
