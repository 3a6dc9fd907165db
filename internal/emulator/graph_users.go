package emulator

import (
	"net/http"
	"strings"
)

// /users, /users/{id}/mailboxSettings and /organization: the read-only directory data a
// migration target is checked against.

func (g *graphReq) listUsers() (reply, error) {
	var items []map[string]any
	for _, u := range g.e.store.listUsers() {
		items = append(items, renderUser(u))
	}
	return g.collection("users", "User", items)
}

func (g *graphReq) getUser() (reply, error) {
	key := g.refs["{id}"].value
	u := g.e.store.user(key)
	if u == nil {
		return reply{}, errObjectNotFound(key)
	}
	return g.entity(http.StatusOK, "users", renderUser(*u))
}

// getMe answers /me: the signed-in person. An application has no "me".
func (g *graphReq) getMe() (reply, error) {
	if !g.caller.delegated {
		return reply{}, newGraphError(http.StatusBadRequest, "BadRequest", "/me request is only valid with delegated authentication flow.")
	}
	u := g.e.store.user(g.caller.userID)
	if u == nil {
		return reply{}, errObjectNotFound(g.caller.userID)
	}
	return g.entity(http.StatusOK, "users", renderUser(*u))
}

// listUsers returns copies of the tenant's users.
func (s *store) listUsers() []user {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]user, len(s.users))
	for i, u := range s.users {
		out[i] = *u
	}
	return out
}

// user finds a user by object id or userPrincipalName.
func (s *store) user(key string) *user {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.userByIDOrUPN(key); u != nil {
		cp := *u
		return &cp
	}
	return nil
}

func renderUser(u user) map[string]any {
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
func (g *graphReq) mailboxSettings() (reply, error) {
	if !hasAny(g.caller.perms, permMailbox) {
		return reply{}, newGraphError(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
	}
	key := g.refs["{id}"].value
	u := g.e.store.user(key)
	if u == nil {
		return reply{}, newGraphError(http.StatusNotFound, "ErrorInvalidUser", "The requested user '"+key+"' is invalid.")
	}
	if !u.hasMailbox {
		return reply{}, newGraphError(http.StatusNotFound, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
	}
	workDays := []string{"monday", "tuesday", "wednesday", "thursday", "friday"}
	return reply{status: http.StatusOK, body: map[string]any{
		"@odata.context":                        g.e.graphMetadataURL() + "users('" + u.id + "')/mailboxSettings",
		"archiveFolder":                         "AAMkAGI2TGuLAAA=",
		"timeZone":                              u.timeZone,
		"delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
		"dateFormat":                            "M/d/yyyy",
		"timeFormat":                            "h:mm tt",
		"userPurpose":                           "user",
		"automaticRepliesSetting":               map[string]any{"status": "disabled", "externalAudience": "all", "internalReplyMessage": "", "externalReplyMessage": "", "scheduledStartDateTime": map[string]any{"dateTime": "2024-01-01T00:00:00.0000000", "timeZone": "UTC"}, "scheduledEndDateTime": map[string]any{"dateTime": "2024-01-02T00:00:00.0000000", "timeZone": "UTC"}},
		"language":                              map[string]any{"locale": "en-US", "displayName": "English (United States)"},
		"workingHours":                          map[string]any{"daysOfWeek": workDays, "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000", "timeZone": map[string]any{"name": u.timeZone}},
	}}, nil
}

func (g *graphReq) listOrganization() (reply, error) {
	return g.collection("organization", "Organization", []map[string]any{g.e.store.organization()})
}

func (g *graphReq) getOrganization() (reply, error) {
	id := g.refs["{id}"].value
	if !strings.EqualFold(id, g.e.store.tenantID) {
		return reply{}, errObjectNotFound(id)
	}
	return g.entity(http.StatusOK, "organization", g.e.store.organization())
}

// organization is the tenant's organization object in Graph's representation.
func (s *store) organization() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
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
