// Package permissions turns the API permission names that administrators write
// (User.Read.All, full_access_as_app) into the IDs Entra ID stores, and back.
//
// Names are resolved against the tenant's own service principal of each API
// (its appRoles and oauth2PermissionScopes), never against a list compiled into
// the provider, so a permission Microsoft adds tomorrow works without a
// release. This package holds only the pure logic; fetching the catalogue is
// the tenant package's job.
package permissions

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Application IDs of the APIs a migration target needs. They are the same in
// every tenant; the object IDs of their service principals are not.
const (
	MicrosoftGraphAppID = "00000003-0000-0000-c000-000000000000"
	ExchangeOnlineAppID = "00000002-0000-0ff1-ce00-000000000000"
)

// Kind tells an application permission (app role, app-only access) from a
// delegated one (OAuth2 scope, acting for a signed-in user).
type Kind string

const (
	Application Kind = "application"
	Delegated   Kind = "delegated"
)

// wellKnownAPIs maps the names users may write in `api` to application IDs.
var wellKnownAPIs = map[string]string{
	"microsoft_graph": MicrosoftGraphAppID,
	"exchange_online": ExchangeOnlineAppID,
}

// WellKnownAPINames lists the names accepted in `api`, sorted, for messages and docs.
func WellKnownAPINames() []string {
	names := make([]string, 0, len(wellKnownAPIs))
	for n := range wellKnownAPIs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsGUID reports whether s has the 8-4-4-4-12 hexadecimal shape Entra uses for IDs.
func IsGUID(s string) bool { return guidPattern.MatchString(s) }

// APIAppID returns the application ID for a well-known API name or for a
// resource application ID given directly.
func APIAppID(api string) (string, error) {
	if id, ok := wellKnownAPIs[api]; ok {
		return id, nil
	}
	if IsGUID(api) {
		return strings.ToLower(api), nil
	}
	msg := fmt.Sprintf("%q is neither a well-known API name (%s) nor a resource application ID (a GUID such as %s).",
		api, strings.Join(WellKnownAPINames(), ", "), MicrosoftGraphAppID)
	if s := Suggest(api, WellKnownAPINames()); len(s) > 0 {
		msg += fmt.Sprintf(" Did you mean %s?", quoteAll(s))
	}
	return "", fmt.Errorf("%s", msg)
}

// APIName returns the well-known name for an application ID, or the ID itself.
func APIName(appID string) string {
	for name, id := range wellKnownAPIs {
		if strings.EqualFold(id, appID) {
			return name
		}
	}
	return appID
}

// Request is one API's permissions as the configuration names them.
type Request struct {
	API         string
	Application []string
	Delegated   []string
}

// DefaultSet is what a mailbox migration target needs when the configuration
// names no permissions: app-only access to find users and write mail,
// calendars, contacts, mailbox settings and tasks. See
// templates/guides for why each is there and how to trim it.
func DefaultSet() []Request {
	return []Request{{
		API: "microsoft_graph",
		Application: []string{
			"Calendars.ReadWrite",
			"Contacts.ReadWrite",
			"Mail.ReadWrite",
			"MailboxSettings.ReadWrite",
			"Tasks.ReadWrite.All",
			"User.Read.All",
		},
	}}
}

// Permission is one entry of an API's catalogue.
type Permission struct {
	ID    string
	Value string
}

// Catalogue is what an API's service principal offers in this tenant.
type Catalogue struct {
	AppID       string
	DisplayName string
	Roles       []Permission // appRoles that are enabled and allowed for applications
	Scopes      []Permission // oauth2PermissionScopes that are enabled
}

func (c Catalogue) list(kind Kind) []Permission {
	if kind == Application {
		return c.Roles
	}
	return c.Scopes
}

// IDOf returns the ID of the permission named value, matched exactly.
func (c Catalogue) IDOf(kind Kind, value string) (string, bool) {
	for _, p := range c.list(kind) {
		if p.Value == value {
			return p.ID, true
		}
	}
	return "", false
}

// NameOf returns the value (name) of the permission with the given ID.
func (c Catalogue) NameOf(kind Kind, id string) (string, bool) {
	for _, p := range c.list(kind) {
		if strings.EqualFold(p.ID, id) {
			return p.Value, true
		}
	}
	return "", false
}

// Resolved is one API's permissions as IDs, ready for requiredResourceAccess,
// app role assignments and delegated grants.
type Resolved struct {
	API         string // as the configuration wrote it
	AppID       string
	Application []Permission
	Delegated   []Permission
}

// UnknownPermissionError says that a name is not in the API's catalogue, and
// which names come close.
type UnknownPermissionError struct {
	API         string
	APIDisplay  string
	Kind        Kind
	Name        string
	Suggestions []string
	OtherKind   bool // the name exists, but as the other kind
}

func (e *UnknownPermissionError) Error() string {
	msg := fmt.Sprintf("%s has no %s permission named %q.", e.APIDisplay, e.Kind, e.Name)
	if e.OtherKind {
		other := Delegated
		if e.Kind == Delegated {
			other = Application
		}
		msg += fmt.Sprintf(" It exists as a %s permission: move it to the %q list.", other, other)
	}
	if len(e.Suggestions) > 0 {
		msg += fmt.Sprintf(" Did you mean %s?", quoteAll(e.Suggestions))
	}
	return msg
}

// Resolve maps every name in req to its ID in cat. It returns one error per
// unknown name, so a plan reports all of them at once.
func Resolve(req Request, cat Catalogue) (Resolved, []error) {
	out := Resolved{API: req.API, AppID: cat.AppID}
	var errs []error
	display := cat.DisplayName
	if display == "" {
		display = req.API
	}
	resolve := func(kind Kind, names []string) []Permission {
		var ps []Permission
		for _, name := range names {
			id, ok := cat.IDOf(kind, name)
			if !ok {
				other := Application
				if kind == Application {
					other = Delegated
				}
				_, inOther := cat.IDOf(other, name)
				errs = append(errs, &UnknownPermissionError{
					API: req.API, APIDisplay: display, Kind: kind, Name: name,
					Suggestions: Suggest(name, values(cat.list(kind))),
					OtherKind:   inOther,
				})
				continue
			}
			ps = append(ps, Permission{ID: id, Value: name})
		}
		return ps
	}
	out.Application = resolve(Application, req.Application)
	out.Delegated = resolve(Delegated, req.Delegated)
	return out, errs
}

func values(ps []Permission) []string {
	vs := make([]string, 0, len(ps))
	for _, p := range ps {
		vs = append(vs, p.Value)
	}
	return vs
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// Suggest returns up to three candidates that look like name: the same name
// in another case first, then the nearest by edit distance, then names that
// contain it. Users type permission names loosely ("mail.readwrite",
// "Mail.ReadWrite.All"), and Graph's names are case-sensitive.
func Suggest(name string, candidates []string) []string {
	type scored struct {
		value string
		score int
	}
	lower := strings.ToLower(name)
	limit := max(2, len(name)/4)
	var hits []scored
	for _, c := range candidates {
		lc := strings.ToLower(c)
		switch {
		case lc == lower:
			hits = append(hits, scored{c, -1})
		case levenshtein(lower, lc) <= limit:
			hits = append(hits, scored{c, levenshtein(lower, lc)})
		case len(lower) >= 4 && (strings.Contains(lc, lower) || strings.Contains(lower, lc)):
			hits = append(hits, scored{c, limit + 1})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score < hits[j].score
		}
		return hits[i].value < hits[j].value
	})
	var out []string
	for _, h := range hits {
		if !slices.Contains(out, h.value) {
			out = append(out, h.value)
		}
		if len(out) == 3 {
			break
		}
	}
	return out
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
