package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The OData query options Graph clients use against directory objects: $select, $filter with
// eq / startswith joined by "and", and $top.

type odataQuery struct {
	selects    []string
	filterExpr string
	top        int
}

func parseODataQuery(r *http.Request) (odataQuery, error) {
	var q odataQuery
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return q, newGraphError(http.StatusBadRequest, "BadRequest", "Invalid query string.")
	}
	get := func(name string) string {
		// kiota sends "$select"; hand-written clients sometimes leave out the "$".
		if v := vals.Get("$" + name); v != "" {
			return v
		}
		return vals.Get(name)
	}
	if s := get("select"); s != "" {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				q.selects = append(q.selects, p)
			}
		}
	}
	q.filterExpr = strings.TrimSpace(get("filter"))
	if t := get("top"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 999 {
			return q, errBadRequest("Invalid page size specified: '" + t + "'. Must be between 1 and 999 inclusive.")
		}
		q.top = n
	}
	return q, nil
}

func (q odataQuery) selectSuffix() string {
	if len(q.selects) == 0 {
		return ""
	}
	return "(" + strings.Join(q.selects, ",") + ")"
}

// project applies $select to an entity. Graph matches property names case-insensitively and
// rejects unknown ones.
func (q odataQuery) project(v map[string]any) (map[string]any, error) {
	if len(q.selects) == 0 {
		return v, nil
	}
	out := map[string]any{}
	if t, ok := v["@odata.type"]; ok {
		out["@odata.type"] = t
	}
	for _, s := range q.selects {
		key, ok := lookupKey(v, s)
		if !ok {
			typeName, _ := v["@odata.type"].(string)
			return nil, newGraphError(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Could not find a property named '%s' on type '%s'.", s, strings.TrimPrefix(typeName, "#")))
		}
		out[key] = v[key]
	}
	return out, nil
}

func lookupKey(v map[string]any, name string) (string, bool) {
	if _, ok := v[name]; ok {
		return name, true
	}
	for k := range v {
		if strings.EqualFold(k, name) {
			return k, true
		}
	}
	return "", false
}

// filterClause is one "prop eq 'value'" or "startswith(prop,'value')".
type filterClause struct {
	prop, op string
	value    *string // nil: null
}

// filter applies $filter. typeName names the resource in Graph's unsupported-query message.
func (q odataQuery) filter(typeName string, items []map[string]any) ([]map[string]any, error) {
	if q.filterExpr == "" {
		return items, nil
	}
	clauses, err := parseFilter(q.filterExpr)
	if err != nil {
		return nil, newGraphError(http.StatusBadRequest, "BadRequest", "Invalid filter clause: "+err.Error())
	}
	for _, c := range clauses {
		if !filterProps[typeName][strings.ToLower(c.prop)] {
			return nil, newGraphError(http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property '"+c.prop+"' of resource '"+typeName+"'.")
		}
	}
	var out []map[string]any
	for _, it := range items {
		if matches(it, clauses) {
			out = append(out, it)
		}
	}
	return out, nil
}

// filterProps are the properties each resource supports in $filter (lower case), per the
// "Properties" tables of Graph's resource pages (those marked "Supports $filter (eq)").
var filterProps = map[string]map[string]bool{
	"Application":                set("id", "appid", "displayname", "publisherdomain", "signinaudience"),
	"ServicePrincipal":           set("id", "appid", "displayname", "serviceprincipaltype", "appownerorganizationid"),
	"OAuth2PermissionGrant":      set("id", "clientid", "consenttype", "principalid", "resourceid"),
	"User":                       set("id", "userprincipalname", "mail", "displayname", "givenname", "surname"),
	"AppRoleAssignment":          set("id", "principalid", "resourceid", "approleid"),
	"Application (deleted)":      set("id", "appid", "displayname"),
	"ServicePrincipal (deleted)": set("id", "appid", "displayname"),

	"FederatedIdentityCredential": set("name", "subject"),

	// unifiedroledefinition.md, unifiedroleassignment.md ("Supports $filter (eq, in)"); the
	// emulator's $filter knows eq.
	"UnifiedRoleDefinition": set("id", "displayname", "isbuiltin", "templateid"),
	"UnifiedRoleAssignment": set("id", "principalid", "roledefinitionid", "directoryscopeid", "appscopeid"),
}

func set(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

func matches(it map[string]any, clauses []filterClause) bool {
	for _, c := range clauses {
		k, _ := lookupKey(it, c.prop)
		s, isStr := it[k].(string)
		switch c.op {
		case "eq":
			if c.value == nil {
				if it[k] != nil {
					return false
				}
				continue
			}
			if b, isBool := it[k].(bool); isBool { // isBuiltIn eq true
				s, isStr = strconv.FormatBool(b), true
			}
			// Graph compares directory strings case-insensitively.
			if !isStr || !strings.EqualFold(s, *c.value) {
				return false
			}
		case "startswith":
			if !isStr || c.value == nil || !strings.HasPrefix(strings.ToLower(s), strings.ToLower(*c.value)) {
				return false
			}
		}
	}
	return true
}

// parseFilter parses clauses joined by " and ".
func parseFilter(f string) ([]filterClause, error) {
	var out []filterClause
	rest := strings.TrimSpace(f)
	for rest != "" {
		var c filterClause
		var err error
		lower := strings.ToLower(rest)
		if strings.HasPrefix(lower, "startswith(") {
			c, rest, err = parseStartsWith(rest)
		} else {
			c, rest, err = parseEq(rest)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		rest = strings.TrimSpace(rest)
		if rest == "" {
			break
		}
		if !strings.HasPrefix(strings.ToLower(rest), "and ") {
			return nil, fmt.Errorf("expected 'and' at %q", rest)
		}
		rest = strings.TrimSpace(rest[4:])
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty filter")
	}
	return out, nil
}

func parseEq(s string) (filterClause, string, error) {
	prop, rest, ok := strings.Cut(s, " ")
	if !ok {
		return filterClause{}, "", fmt.Errorf("expected an operator after %q", s)
	}
	rest = strings.TrimSpace(rest)
	op, rest, ok := strings.Cut(rest, " ")
	if !ok || !strings.EqualFold(op, "eq") {
		return filterClause{}, "", fmt.Errorf("unsupported operator %q", op)
	}
	val, rest, err := parseLiteral(strings.TrimSpace(rest))
	if err != nil {
		return filterClause{}, "", err
	}
	return filterClause{prop: prop, op: "eq", value: val}, rest, nil
}

func parseStartsWith(s string) (filterClause, string, error) {
	inner := s[len("startswith("):]
	prop, rest, ok := strings.Cut(inner, ",")
	if !ok {
		return filterClause{}, "", fmt.Errorf("malformed startswith")
	}
	val, rest, err := parseLiteral(strings.TrimSpace(rest))
	if err != nil || val == nil {
		return filterClause{}, "", fmt.Errorf("malformed startswith")
	}
	rest = strings.TrimSpace(rest)
	if !strings.HasPrefix(rest, ")") {
		return filterClause{}, "", fmt.Errorf("malformed startswith")
	}
	return filterClause{prop: strings.TrimSpace(prop), op: "startswith", value: val}, rest[1:], nil
}

// parseLiteral reads 'quoted' (with ” as an escaped quote), null, or a bare token (GUIDs
// are sometimes sent unquoted).
func parseLiteral(s string) (*string, string, error) {
	if strings.HasPrefix(s, "'") {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i++
					continue
				}
				v := b.String()
				return &v, s[i+1:], nil
			}
			b.WriteByte(s[i])
		}
		return nil, "", fmt.Errorf("unterminated string literal")
	}
	// The token ends at a space or at the closing parentheses after it; those stay in rest.
	tok, _, _ := strings.Cut(s, " ")
	tok = strings.TrimRight(tok, ")")
	rest := s[len(tok):]
	if strings.EqualFold(tok, "null") {
		return nil, rest, nil
	}
	if tok == "" {
		return nil, "", fmt.Errorf("missing value")
	}
	return &tok, rest, nil
}
