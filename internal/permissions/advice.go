package permissions

import "fmt"

// EWS application access ends in Exchange Online: from 2026-10-01 it works
// only for apps on the tenant's EwsAllowedAppIDs list, and from 2027-04-01
// not at all. A registration that asks for it should hear so at plan time.
const fullAccessAsAppRoleID = "dc890d15-9560-4a4c-9b7f-a736ec74ec40"

// Advisories returns plan-time warnings about resolved permissions that work
// today but need the administrator's attention.
func Advisories(resolved []Resolved) []string {
	var out []string
	for _, r := range resolved {
		if r.AppID != ExchangeOnlineAppID {
			continue
		}
		for _, p := range r.Application {
			if p.ID == fullAccessAsAppRoleID {
				out = append(out, fmt.Sprintf(
					"%q grants EWS access to every mailbox. Since 2026-10-01 Exchange Online allows EWS only for apps listed in "+
						"the tenant's EwsAllowedAppIDs (Set-OrganizationConfig -EwsAllowedAppIDs), and from 2027-04-01 EWS is off "+
						"for good. Prefer the Microsoft Graph permissions MailboxItem.ImportExport.All and MailboxFolder.ReadWrite.All.",
					p.Value))
			}
		}
	}
	return out
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
