package permissions

import (
	"fmt"
	"time"
)

// EWS in Exchange Online: from 2026-10-01 it works only for apps on the tenant's
// EwsAllowedAppIDs list (with EWSEnabled), and from 2027-04-01 not at all, with no
// exceptions (migration-permissions.md). Application and delegated access alike.
var (
	EWSAllowListFrom = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	EWSRetiredFrom   = time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)
)

// ewsPermissions are the permissions that reach mailboxes through EWS, by API application ID
// and ID: Exchange Online's full_access_as_app and EWS.AccessAsUser.All, and Microsoft
// Graph's delegated EWS.AccessAsUser.All (an EWS scope Graph also publishes).
var ewsPermissions = map[string]map[string]bool{
	ExchangeOnlineAppID: {"dc890d15-9560-4a4c-9b7f-a736ec74ec40": true, "3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5": true},
	MicrosoftGraphAppID: {"9769c687-087d-48ac-9cb3-c37dde652038": true},
}

// Advice is a plan-time message about permissions: a warning, or an error when what is
// asked for can no longer work.
type Advice struct {
	Error   bool
	Summary string
	Detail  string
}

// EWSAdvice returns one message per EWS permission in resolved, as of now: before
// 2027-04-01 a warning with the allow-list requirement, the date and the Graph alternative;
// on or after it an error, since EWS no longer answers.
func EWSAdvice(resolved []Resolved, now time.Time) []Advice {
	var out []Advice
	for _, r := range resolved {
		ids := ewsPermissions[r.AppID]
		for _, kind := range []struct {
			name string
			ps   []Permission
		}{{"application", r.Application}, {"delegated", r.Delegated}} {
			for _, p := range kind.ps {
				if !ids[p.ID] {
					continue
				}
				out = append(out, ewsAdvice(r.API, kind.name, p.Value, now))
			}
		}
	}
	return out
}

const graphAlternative = "Use Microsoft Graph instead: permission_set = \"graph_import_export\" (MailboxItem.ImportExport.All and " +
	"MailboxFolder.ReadWrite.All, global cloud), or the graph set's Mail.ReadWrite, Calendars.ReadWrite and Contacts.ReadWrite."

func ewsAdvice(api, kind, name string, now time.Time) Advice {
	what := fmt.Sprintf("%q (%s %s permission) reaches mailboxes through Exchange Web Services.", name, api, kind)
	if !now.Before(EWSRetiredFrom) {
		return Advice{Error: true, Summary: "EWS is retired in Exchange Online",
			Detail: what + " Exchange Online turned EWS off for good on 2027-04-01, with no exceptions: a migration tool " +
				"cannot use this permission. Remove it. " + graphAlternative}
	}
	allow := "Since 2026-10-01 Exchange Online blocks EWS"
	if now.Before(EWSAllowListFrom) {
		allow = "From 2026-10-01 Exchange Online blocks EWS"
	}
	return Advice{Summary: "EWS is being retired in Exchange Online",
		Detail: what + " " + allow + " unless the tenant allows it for this app: Set-OrganizationConfig -EWSEnabled $true " +
			"-EwsAllowedAppIDs @{Add=\"<client_id>\"}. On 2027-04-01 EWS is turned off for good and plans with this " +
			"permission fail. " + graphAlternative}
}

// globalOnlyGraphPermissions are Microsoft Graph permissions of the mailbox import/export API,
// which Microsoft offers only in the global cloud (the exportItems and createImportSession
// pages list US Government L4, L5 and China as not available).
var globalOnlyGraphPermissions = map[string]bool{
	"MailboxItem.ImportExport.All": true, "MailboxItem.Export.All": true,
	"MailboxItem.ImportExport": true, "MailboxItem.Export": true,
}

// CloudAdvisories returns plan-time warnings about resolved permissions whose API the cloud
// does not offer: the grant succeeds, but the migration tool's calls will fail there.
func CloudAdvisories(resolved []Resolved, cloud string) []string {
	if cloud == "" || cloud == "global" {
		return nil
	}
	var out []string
	for _, r := range resolved {
		if r.AppID != MicrosoftGraphAppID {
			continue
		}
		for _, p := range append(append([]Permission(nil), r.Application...), r.Delegated...) {
			if globalOnlyGraphPermissions[p.Value] {
				out = append(out, fmt.Sprintf("%q is a permission of Microsoft Graph's mailbox import/export API, which the %s cloud "+
					"does not offer (only the global cloud does): a migration tool there cannot use it. Use Exchange Web Services' "+
					"full_access_as_app while EWS lasts, or remove the permission.", p.Value, cloud))
			}
		}
	}
	return out
}
