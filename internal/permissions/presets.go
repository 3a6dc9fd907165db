package permissions

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Preset names: what a migration tool talks to decides what it needs.
const (
	PresetGraph              = "graph"
	PresetGraphImportExport  = "graph_import_export"
	PresetEWS                = "ews"
	PresetExchangePowerShell = "exchange_powershell"
	PresetCustom             = "custom"
)

// RoleExchangeAdministrator is the Exchange Administrator directory role's template ID, the
// same in every tenant. Exchange.ManageAsApp only lets an app in; what it may do in Exchange
// Online PowerShell comes from a directory role assigned to its service principal.
const RoleExchangeAdministrator = "29232cdf-9323-42fd-ade2-1d097af3e4de"

// DirectoryRoleNames are the display names of the directory roles presets assign.
var DirectoryRoleNames = map[string]string{RoleExchangeAdministrator: "Exchange Administrator"}

// Preset is a named permission set for one way of migrating.
type Preset struct {
	Name     string
	Summary  string    // one line for docs and messages
	Requests []Request // what it requests; empty for custom
	// DirectoryRoles are role template IDs assigned to the service principal.
	DirectoryRoles []string
	// GlobalOnly marks presets whose API Microsoft offers only in the global cloud.
	GlobalOnly bool
}

// findUsers is what every preset needs besides its mail API: the tool finds the target
// users, and their mailboxes, by email address through Microsoft Graph.
var findUsers = Request{API: "microsoft_graph", Application: []string{"User.Read.All"}}

var presets = map[string]Preset{
	PresetGraph: {
		Name: PresetGraph, Summary: "Microsoft Graph mail, calendar, contact, mailbox-settings and task access (the default)",
		Requests: DefaultSet(),
	},
	PresetGraphImportExport: {
		Name: PresetGraphImportExport, Summary: "the graph set plus the Graph mailbox import/export API (global cloud only), the replacement for EWS",
		Requests: []Request{{API: "microsoft_graph", Application: append(DefaultSet()[0].Application,
			"MailboxFolder.ReadWrite.All", "MailboxItem.ImportExport.All")}},
		GlobalOnly: true,
	},
	PresetEWS: {
		Name: PresetEWS, Summary: "Exchange Web Services app-only access (full_access_as_app), retired in Exchange Online on 2027-04-01",
		Requests: []Request{findUsers, {API: "exchange_online", Application: []string{"full_access_as_app"}}},
	},
	PresetExchangePowerShell: {
		Name: PresetExchangePowerShell, Summary: "Exchange Online PowerShell app-only (Exchange.ManageAsApp) with the Exchange Administrator role",
		Requests:       []Request{findUsers, {API: "exchange_online", Application: []string{"Exchange.ManageAsApp"}}},
		DirectoryRoles: []string{RoleExchangeAdministrator},
	},
	PresetCustom: {Name: PresetCustom, Summary: "only the permissions listed in api_permissions"},
}

// PresetNames lists the preset names in the order the docs show them.
func PresetNames() []string {
	return []string{PresetGraph, PresetGraphImportExport, PresetEWS, PresetExchangePowerShell, PresetCustom}
}

// LookupPreset returns the preset called name.
func LookupPreset(name string) (Preset, bool) {
	p, ok := presets[name]
	p.Requests = cloneRequests(p.Requests)
	p.DirectoryRoles = slices.Clone(p.DirectoryRoles)
	return p, ok
}

// PresetProblem explains why name is not a preset, or returns "".
func PresetProblem(name string) string {
	if _, ok := presets[name]; ok {
		return ""
	}
	msg := fmt.Sprintf("%q is not a permission set. Use one of %s.", name, quoteAll(PresetNames()))
	if s := Suggest(name, PresetNames()); len(s) > 0 {
		msg += fmt.Sprintf(" Did you mean %s?", quoteAll(s))
	}
	return msg
}

func cloneRequests(rs []Request) []Request {
	out := make([]Request, len(rs))
	for i, r := range rs {
		out[i] = Request{API: r.API, Application: slices.Clone(r.Application), Delegated: slices.Clone(r.Delegated)}
	}
	return out
}

// Combine returns the preset's requests with the explicit ones added, one request per API
// and each name once. An explicit entry for an API the preset also covers (by name or by
// application ID) merges into it under the preset's label.
func Combine(preset []Request, explicit []Request) []Request {
	var out []Request
	index := map[string]int{} // application ID, or the label when it names no API
	add := func(r Request) {
		key := r.API
		if id, err := APIAppID(r.API); err == nil {
			key = id
		}
		i, ok := index[key]
		if !ok {
			index[key] = len(out)
			out = append(out, Request{API: r.API})
			i = len(out) - 1
		}
		out[i].Application = union(out[i].Application, r.Application)
		out[i].Delegated = union(out[i].Delegated, r.Delegated)
	}
	for _, r := range preset {
		add(r)
	}
	for _, r := range explicit {
		add(r)
	}
	return out
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// BeyondPreset lists the explicit permissions the preset does not include, as "api: name"
// lines: what least privilege asks the administrator to justify.
func BeyondPreset(preset []Request, explicit []Request) []string {
	has := map[string]bool{}
	for _, r := range preset {
		id, _ := APIAppID(r.API)
		for _, n := range r.Application {
			has[id+"/a/"+n] = true
		}
		for _, n := range r.Delegated {
			has[id+"/d/"+n] = true
		}
	}
	var out []string
	for _, r := range explicit {
		id, _ := APIAppID(r.API)
		for _, n := range r.Application {
			if !has[id+"/a/"+n] {
				out = append(out, fmt.Sprintf("%s application %s", r.API, n))
			}
		}
		for _, n := range r.Delegated {
			if !has[id+"/d/"+n] {
				out = append(out, fmt.Sprintf("%s delegated %s", r.API, n))
			}
		}
	}
	sort.Strings(out)
	return out
}

// PresetTable is the presets side by side, as a Markdown table for the docs.
func PresetTable() string {
	var b strings.Builder
	b.WriteString("| `permission_set` | what it is for | permissions | directory role |\n| --- | --- | --- | --- |\n")
	for _, name := range PresetNames() {
		p := presets[name]
		var perms []string
		for _, r := range p.Requests {
			names := make([]string, len(r.Application))
			for i, n := range r.Application {
				names[i] = "`" + n + "`"
			}
			perms = append(perms, r.API+": "+strings.Join(names, ", "))
		}
		if len(perms) == 0 {
			perms = []string{"those in `api_permissions`"}
		}
		roles := "none"
		for _, id := range p.DirectoryRoles {
			roles = DirectoryRoleNames[id]
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", name, p.Summary, strings.Join(perms, "; "), roles)
	}
	return b.String()
}
