package tenant

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// This file is the border between the SDK's model types and ours: nothing
// else should need to know the model getters.

func toApplication(m models.Applicationable) *Application {
	if m == nil {
		return nil
	}
	a := &Application{ObjectID: deref(m.GetId()), AppID: deref(m.GetAppId()), DisplayName: deref(m.GetDisplayName()), Tags: m.GetTags()}
	for _, rra := range m.GetRequiredResourceAccess() {
		if rra == nil {
			continue
		}
		ra := ResourceAccess{ResourceAppID: deref(rra.GetResourceAppId())}
		for _, x := range rra.GetResourceAccess() {
			if x == nil || x.GetId() == nil {
				continue
			}
			if strings.EqualFold(deref(x.GetTypeEscaped()), "Role") {
				ra.Roles = append(ra.Roles, x.GetId().String())
			} else {
				ra.Scopes = append(ra.Scopes, x.GetId().String())
			}
		}
		a.RequiredResourceAccess = append(a.RequiredResourceAccess, ra)
	}
	for _, p := range m.GetPasswordCredentials() {
		if p != nil {
			a.Passwords = append(a.Passwords, toPassword(p))
		}
	}
	for _, k := range m.GetKeyCredentials() {
		if k == nil || k.GetKeyId() == nil {
			continue
		}
		a.Certificates = append(a.Certificates, Certificate{
			KeyID: k.GetKeyId().String(), DisplayName: deref(k.GetDisplayName()),
			Thumbprint: strings.ToUpper(hex.EncodeToString(k.GetCustomKeyIdentifier())),
			End:        derefTime(k.GetEndDateTime()),
		})
	}
	return a
}

func toPassword(p models.PasswordCredentialable) Password {
	pw := Password{
		DisplayName: deref(p.GetDisplayName()),
		Hint:        deref(p.GetHint()),
		SecretText:  deref(p.GetSecretText()),
		Start:       derefTime(p.GetStartDateTime()),
		End:         derefTime(p.GetEndDateTime()),
	}
	if p.GetKeyId() != nil {
		pw.KeyID = p.GetKeyId().String()
	}
	return pw
}

// fromResourceAccess builds requiredResourceAccess. A non-nil empty slice
// yields an empty list, which clears the app's permissions on PATCH.
func fromResourceAccess(access []ResourceAccess) ([]models.RequiredResourceAccessable, error) {
	out := make([]models.RequiredResourceAccessable, 0, len(access))
	for _, ra := range access {
		r := models.NewRequiredResourceAccess()
		r.SetResourceAppId(ptr(ra.ResourceAppID))
		items := make([]models.ResourceAccessable, 0, len(ra.Roles)+len(ra.Scopes))
		for _, group := range []struct {
			kind string
			ids  []string
		}{{"Role", ra.Roles}, {"Scope", ra.Scopes}} {
			for _, id := range group.ids {
				u, err := uuid.Parse(id)
				if err != nil {
					return nil, fmt.Errorf("permission id %q of resource %s is not a GUID", id, ra.ResourceAppID)
				}
				x := models.NewResourceAccess()
				x.SetId(&u)
				x.SetTypeEscaped(ptr(group.kind))
				items = append(items, x)
			}
		}
		r.SetResourceAccess(items)
		out = append(out, r)
	}
	return out, nil
}

func toServicePrincipal(m models.ServicePrincipalable) *ServicePrincipal {
	if m == nil {
		return nil
	}
	sp := &ServicePrincipal{ObjectID: deref(m.GetId()), AppID: deref(m.GetAppId()), DisplayName: deref(m.GetDisplayName())}
	for _, r := range m.GetAppRoles() {
		if r == nil || r.GetId() == nil {
			continue
		}
		sp.AppRoles = append(sp.AppRoles, Permission{
			ID: r.GetId().String(), Value: deref(r.GetValue()), DisplayName: deref(r.GetDisplayName()),
			Description: deref(r.GetDescription()), Enabled: r.GetIsEnabled() == nil || *r.GetIsEnabled(),
		})
	}
	for _, s := range m.GetOauth2PermissionScopes() {
		if s == nil || s.GetId() == nil {
			continue
		}
		// The admin-consent texts describe the permission itself; the
		// user-consent ones are phrased for end users and are often empty.
		sp.Scopes = append(sp.Scopes, Permission{
			ID: s.GetId().String(), Value: deref(s.GetValue()), DisplayName: deref(s.GetAdminConsentDisplayName()),
			Description: deref(s.GetAdminConsentDescription()), Enabled: s.GetIsEnabled() == nil || *s.GetIsEnabled(),
		})
	}
	return sp
}

func toAssignment(m models.AppRoleAssignmentable) AppRoleAssignment {
	a := AppRoleAssignment{ID: deref(m.GetId())}
	if m.GetPrincipalId() != nil {
		a.PrincipalID = m.GetPrincipalId().String()
	}
	if m.GetResourceId() != nil {
		a.ResourceID = m.GetResourceId().String()
	}
	if m.GetAppRoleId() != nil {
		a.AppRoleID = m.GetAppRoleId().String()
	}
	return a
}

func toGrant(m models.OAuth2PermissionGrantable) DelegatedGrant {
	return DelegatedGrant{
		ID: deref(m.GetId()), ClientID: deref(m.GetClientId()), ResourceID: deref(m.GetResourceId()),
		ConsentType: deref(m.GetConsentType()), PrincipalID: deref(m.GetPrincipalId()),
		Scopes: strings.Fields(deref(m.GetScope())),
	}
}

func toUser(m models.Userable) *User {
	if m == nil {
		return nil
	}
	return &User{ID: deref(m.GetId()), UserPrincipalName: deref(m.GetUserPrincipalName()), Mail: deref(m.GetMail()), DisplayName: deref(m.GetDisplayName())}
}

func toOrganization(m models.Organizationable) *Organization {
	o := &Organization{ID: deref(m.GetId()), DisplayName: deref(m.GetDisplayName())}
	for _, d := range m.GetVerifiedDomains() {
		if d == nil || d.GetName() == nil {
			continue
		}
		o.VerifiedDomains = append(o.VerifiedDomains, *d.GetName())
		if d.GetIsDefault() != nil && *d.GetIsDefault() {
			o.DefaultDomain = *d.GetName()
		}
	}
	return o
}

func parseGUID(what, s string) (*uuid.UUID, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%s %q is not a GUID", what, s)
	}
	return &u, nil
}

func ptr[T any](v T) *T { return &v }

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
