package tenant

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// ConsentRequest is admin consent for one service principal, sent in one $batch round trip:
// the app role assignments (application permissions) and the all-users delegated grants to
// add, and, optionally, a read of the application and its service principal beside them.
type ConsentRequest struct {
	PrincipalID string
	Assignments []AppRoleAssignment // ResourceID and AppRoleID of each
	Grants      []DelegatedGrant    // ResourceID and Scopes of each; ClientID is PrincipalID
	// ReadObjectID and ReadAppID, when set, name the application whose object and service
	// principal are read in the same round trip. The items of a batch run in parallel, so
	// the read says whether what earlier calls wrote (the application, its secret, the
	// service principal) is visible yet, never what this batch writes: that is in the
	// writes' own answers.
	ReadObjectID, ReadAppID string
}

// Consent is what GrantConsent made and read.
type Consent struct {
	Assignments []AppRoleAssignment // those that exist, in the order asked
	Grants      []DelegatedGrant
	// Application and ServicePrincipal are what the read found: nil when it was not asked
	// for, or the object is not visible yet.
	Application      *Application
	ServicePrincipal *ServicePrincipal
}

// GrantConsent sends the assignments, the grants and the read together. Items that meet
// replication lag, and grants that already exist, are then finished one call at a time with
// the rules of AssignAppRoles and CreateDelegatedGrant. err joins the failures; the result
// holds what exists even then.
func (c *Client) GrantConsent(ctx context.Context, req ConsentRequest) (Consent, error) {
	const op = "GrantConsent"
	var out Consent
	var errs []error
	var items []batchItem
	var assignIdx []int
	for i, w := range req.Assignments {
		if err := checkAssignment(req.PrincipalID, w); err != nil {
			errs = append(errs, mapError("AssignAppRoles", err))
			continue
		}
		assignIdx = append(assignIdx, i)
		items = append(items, batchItem{id: "a" + strconv.Itoa(i), method: "POST",
			url:  "/servicePrincipals/" + url.PathEscape(w.ResourceID) + "/appRoleAssignedTo",
			body: map[string]string{"principalId": req.PrincipalID, "resourceId": w.ResourceID, "appRoleId": w.AppRoleID}})
	}
	for i, g := range req.Grants {
		items = append(items, batchItem{id: "g" + strconv.Itoa(i), method: "POST", url: "/oauth2PermissionGrants",
			body: map[string]string{"clientId": req.PrincipalID, "resourceId": g.ResourceID, "consentType": ConsentAllPrincipals,
				"scope": strings.Join(g.Scopes, " ")}})
	}
	if req.ReadObjectID != "" && req.ReadAppID != "" {
		items = append(items,
			batchItem{id: "application", method: "GET", url: "/applications/" + url.PathEscape(req.ReadObjectID) + "?$select=" + strings.Join(appSelect, ",")},
			batchItem{id: "servicePrincipal", method: "GET", url: spByAppID(req.ReadAppID) + "?$select=" + strings.Join(spSelect, ",")})
	}
	if len(items) == 0 {
		return out, errors.Join(errs...)
	}
	answers, err := c.batch(ctx, op, items)
	if err != nil {
		return out, errors.Join(append(errs, mapError(op, err))...)
	}

	// Assignments: the answers as AssignAppRoles reads them; the lagging and the existing
	// ones are finished by AssignAppRoles itself.
	var again []AppRoleAssignment
	for _, i := range assignIdx {
		a := answers["a"+strconv.Itoa(i)]
		var te *Error
		switch err := a.err("AssignAppRoles"); {
		case err == nil:
			m, perr := parse[models.AppRoleAssignmentable](a, models.CreateAppRoleAssignmentFromDiscriminatorValue)
			if perr != nil {
				errs = append(errs, perr)
				continue
			}
			out.Assignments = append(out.Assignments, toAssignment(m))
		case errors.As(err, &te) && (isAssignmentLag(te) || (te.Status == 400 && te.messageHas("already exists"))):
			if isAssignmentLag(te) {
				c.noteLag()
			}
			again = append(again, req.Assignments[i])
		default:
			errs = append(errs, err)
		}
	}
	if len(again) > 0 {
		done, err := c.AssignAppRoles(ctx, req.PrincipalID, again)
		out.Assignments = append(out.Assignments, done...)
		errs = append(errs, err)
	}

	for i, g := range req.Grants {
		a := answers["g"+strconv.Itoa(i)]
		var te *Error
		switch err := a.err("CreateDelegatedGrant"); {
		case err == nil:
			m, perr := parse[models.OAuth2PermissionGrantable](a, models.CreateOAuth2PermissionGrantFromDiscriminatorValue)
			if perr != nil {
				errs = append(errs, perr)
				continue
			}
			out.Grants = append(out.Grants, toGrant(m))
		case errors.As(err, &te) && (isNotFound(te) || ((te.Status == 400 || te.Status == 409) && te.messageHas("already exists"))):
			if isNotFound(te) {
				c.noteLag()
			}
			g.ClientID, g.ConsentType = req.PrincipalID, ConsentAllPrincipals
			made, err := c.CreateDelegatedGrant(ctx, g)
			if made != nil {
				out.Grants = append(out.Grants, *made)
			}
			errs = append(errs, err)
		default:
			errs = append(errs, err)
		}
	}

	if a, ok := answers["application"]; ok && a.err("") == nil {
		if m, err := parse[models.Applicationable](a, models.CreateApplicationFromDiscriminatorValue); err == nil {
			out.Application = toApplication(m)
		}
	}
	if a, ok := answers["servicePrincipal"]; ok && a.err("") == nil {
		if m, err := parse[models.ServicePrincipalable](a, models.CreateServicePrincipalFromDiscriminatorValue); err == nil {
			out.ServicePrincipal = toServicePrincipal(m)
		}
	}
	return out, errors.Join(errs...)
}

// spByAppID addresses a service principal by its appId key.
func spByAppID(appID string) string {
	return "/servicePrincipals(appId='" + url.PathEscape(strings.ReplaceAll(appID, "'", "''")) + "')"
}
