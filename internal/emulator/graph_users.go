package emulator

import (
	"net/http"
	"strings"
)

// /users, /users/{id}/mailboxSettings and /organization: the read-only directory data a
// migration target is checked against.

func (g *graphReq) users() {
	segs := g.segs
	if g.r.Method != http.MethodGet {
		g.methodNotAllowed()
		return
	}
	var ref string
	rest := segs[1:]
	switch {
	case segs[0].keyProp != "":
		// /users('$x@contoso.com'): the form Graph requires for UPNs starting with '$'.
		ref = segs[0].keyVal
	case len(segs) == 1:
		if !g.allowed(permUserRead) {
			return
		}
		g.listUsers()
		return
	default:
		ref, rest = segs[1].name, segs[2:]
	}
	if len(rest) == 1 && rest[0].name == "mailboxSettings" {
		g.mailboxSettings(ref)
		return
	}
	if len(rest) > 0 {
		g.badSegment(rest[0].name)
		return
	}
	if !g.allowed(permUserRead) {
		return
	}
	s := g.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userByIDOrUPN(ref)
	if u == nil {
		g.notFound(ref)
		return
	}
	g.entity(http.StatusOK, "users", renderUser(u))
}

func (g *graphReq) listUsers() {
	s := g.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	var items []map[string]any
	for _, u := range s.users {
		items = append(items, renderUser(u))
	}
	g.collection("users", "User", items)
}

func renderUser(u *user) map[string]any {
	return map[string]any{
		"@odata.type":       "#microsoft.graph.user",
		"id":                u.id,
		"businessPhones":    []any{},
		"displayName":       u.displayName,
		"givenName":         nullIfEmpty(u.givenName),
		"jobTitle":          nullIfEmpty(u.jobTitle),
		"mail":              nullIfEmpty(u.mail),
		"mobilePhone":       nil,
		"officeLocation":    nullIfEmpty(u.officeLocation),
		"preferredLanguage": "en-US",
		"surname":           nullIfEmpty(u.surname),
		"userPrincipalName": u.upn,
	}
}

// mailboxSettings is served by Exchange Online behind Graph, so its errors are Exchange's:
// ErrorAccessDenied rather than Authorization_RequestDenied, MailboxNotEnabledForRESTAPI for
// an account without a mailbox.
func (g *graphReq) mailboxSettings(ref string) {
	if !hasAny(g.perms, permMailbox) {
		g.fail(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
		return
	}
	s := g.e.store
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userByIDOrUPN(ref)
	if u == nil {
		g.fail(http.StatusNotFound, "ErrorInvalidUser", "The requested user '"+ref+"' is invalid.")
		return
	}
	if !u.hasMailbox {
		g.fail(http.StatusNotFound, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
		return
	}
	workDays := []string{"monday", "tuesday", "wednesday", "thursday", "friday"}
	g.ok(http.StatusOK, map[string]any{
		"@odata.context":                        graphMetadata + "users('" + u.id + "')/mailboxSettings",
		"archiveFolder":                         "AAMkAGI2TGuLAAA=",
		"timeZone":                              u.timeZone,
		"delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
		"dateFormat":                            "M/d/yyyy",
		"timeFormat":                            "h:mm tt",
		"userPurpose":                           "user",
		"automaticRepliesSetting":               map[string]any{"status": "disabled", "externalAudience": "all", "internalReplyMessage": "", "externalReplyMessage": "", "scheduledStartDateTime": map[string]any{"dateTime": "2024-01-01T00:00:00.0000000", "timeZone": "UTC"}, "scheduledEndDateTime": map[string]any{"dateTime": "2024-01-02T00:00:00.0000000", "timeZone": "UTC"}},
		"language":                              map[string]any{"locale": "en-US", "displayName": "English (United States)"},
		"workingHours":                          map[string]any{"daysOfWeek": workDays, "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000", "timeZone": map[string]any{"name": u.timeZone}},
	})
}

func hasAny(perms map[string]bool, set []string) bool {
	for _, p := range set {
		if perms[p] {
			return true
		}
	}
	return false
}

func (g *graphReq) organization() {
	segs := g.segs
	if g.r.Method != http.MethodGet {
		g.methodNotAllowed()
		return
	}
	if len(segs) > 2 || segs[0].keyProp != "" {
		g.badSegment(segs[len(segs)-1].name)
		return
	}
	if !g.allowed(permOrgRead) {
		return
	}
	s := g.e.store
	s.mu.Lock()
	org := g.e.renderOrganization()
	s.mu.Unlock()
	if len(segs) == 2 {
		if !strings.EqualFold(segs[1].name, s.tenantID) {
			g.notFound(segs[1].name)
			return
		}
		g.entity(http.StatusOK, "organization", org)
		return
	}
	g.collection("organization", "Organization", []map[string]any{org})
}

// renderOrganization: the caller holds the store lock.
func (e *Emulator) renderOrganization() map[string]any {
	s := e.store
	var domains []any
	for _, d := range s.domains {
		domains = append(domains, map[string]any{
			"capabilities": "Email, OfficeCommunicationsOnline",
			"isDefault":    d.isDefault,
			"isInitial":    d.initial,
			"name":         d.name,
			"type":         "Managed",
		})
	}
	return map[string]any{
		"@odata.type":          "#microsoft.graph.organization",
		"id":                   s.tenantID,
		"deletedDateTime":      nil,
		"businessPhones":       []any{"425-555-0100"},
		"city":                 "Redmond",
		"country":              nil,
		"countryLetterCode":    "US",
		"createdDateTime":      timeOrNull(s.created),
		"defaultUsageLocation": nil,
		"displayName":          s.displayName,
		"isMultipleDataLocationsForServicesEnabled": nil,
		"marketingNotificationEmails":               []any{},
		"onPremisesLastSyncDateTime":                nil,
		"onPremisesSyncEnabled":                     nil,
		"postalCode":                                "98052",
		"preferredLanguage":                         "en",
		"securityComplianceNotificationMails":       []any{},
		"securityComplianceNotificationPhones":      []any{},
		"state":                                     "WA",
		"street":                                    "One Microsoft Way",
		"technicalNotificationMails":                []any{"admin@" + SeedDefaultDomain},
		"tenantType":                                "AAD",
		"directorySizeQuota":                        map[string]any{"used": 12, "total": 300000},
		"assignedPlans":                             []any{},
		"privacyProfile":                            nil,
		"provisionedPlans":                          []any{},
		"verifiedDomains":                           domains,
	}
}
