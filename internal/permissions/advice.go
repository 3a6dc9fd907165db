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
