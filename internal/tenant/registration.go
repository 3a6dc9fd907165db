package tenant

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// ReadRegistration reads everything the provider manages for one app: the application, its
// service principal (nil if it has none), the app roles assigned to that SP and its delegated
// grants. ErrNotFound if the application is gone.
//
// With the app's appId (the client ID state holds) all four reads go in one $batch round
// trip: the service principal and its relations are addressed by the appId key,
// /servicePrincipals(appId='…'). Without it the application is read first for its appId.
func (c *Client) ReadRegistration(ctx context.Context, objectID, appID string) (*Registration, error) {
	return c.ReadRegistrationWithRoles(ctx, objectID, appID, "")
}

// ReadRegistrationWithRoles is ReadRegistration that also reads, in the same round trip, the
// tenant-wide directory roles held by principalID (the service principal's object ID state
// holds). Registration.DirectoryRolesRead says whether they were read: not when principalID
// is empty or is no longer the application's service principal.
func (c *Client) ReadRegistrationWithRoles(ctx context.Context, objectID, appID, principalID string) (*Registration, error) {
	const op = "ReadRegistration"
	if appID == "" {
		app, err := c.GetApplication(ctx, objectID)
		if err != nil {
			return nil, err
		}
		appID = app.AppID
	}
	sp := spByAppID(appID)
	items := []batchItem{
		{id: "application", method: "GET", url: "/applications/" + url.PathEscape(objectID) + "?$select=" + strings.Join(appSelect, ",")},
		{id: "servicePrincipal", method: "GET", url: sp + "?$select=" + strings.Join(spSelect, ",")},
		{id: "assignments", method: "GET", url: sp + "/appRoleAssignments"},
		{id: "grants", method: "GET", url: sp + "/oauth2PermissionGrants"},
	}
	if principalID != "" {
		if _, err := parseGUID("principalId", principalID); err != nil {
			return nil, mapError(op, err)
		}
		items = append(items, batchItem{id: "directoryRoles", method: "GET",
			url: "/roleManagement/directory/roleAssignments?$filter=" + url.QueryEscape(*eq("principalId", principalID))})
	}
	answers, err := c.batch(ctx, op, items)
	if err != nil {
		return nil, mapError(op, err)
	}
	if err := answers["application"].err("GetApplication"); err != nil {
		return nil, err
	}
	app, err := parse[models.Applicationable](answers["application"], models.CreateApplicationFromDiscriminatorValue)
	if err != nil {
		return nil, err
	}
	reg := &Registration{Application: toApplication(app)}
	if !strings.EqualFold(reg.Application.AppID, appID) {
		// State named another app's client ID (an import typo, a hand edit): read again by
		// the application's own.
		return c.ReadRegistrationWithRoles(ctx, objectID, reg.Application.AppID, principalID)
	}
	spAnswer := answers["servicePrincipal"]
	if err := spAnswer.err(op); errors.Is(err, ErrNotFound) {
		return reg, nil
	} else if err != nil {
		return nil, err
	}
	spModel, err := parse[models.ServicePrincipalable](spAnswer, models.CreateServicePrincipalFromDiscriminatorValue)
	if err != nil {
		return nil, err
	}
	reg.ServicePrincipal = toServicePrincipal(spModel)
	if reg.Assignments, err = c.batchAssignments(ctx, answers["assignments"], reg.ServicePrincipal.ObjectID); err != nil {
		return nil, err
	}
	if reg.Grants, err = c.batchGrants(ctx, answers["grants"], reg.ServicePrincipal.ObjectID); err != nil {
		return nil, err
	}
	if principalID != "" && strings.EqualFold(principalID, reg.ServicePrincipal.ObjectID) {
		// An error here is the roles' alone (a provider that may not read role assignments):
		// the rest of the registration still reads.
		reg.DirectoryRoles, reg.DirectoryRolesErr = batchRoleAssignments(answers["directoryRoles"])
		reg.DirectoryRolesRead = true
	}
	return reg, nil
}

// batchRoleAssignments reads the directoryRoles item: the tenant-wide assignments.
func batchRoleAssignments(a batchAnswer) ([]DirectoryRoleAssignment, error) {
	const op = "DirectoryRoleAssignments"
	if err := a.err(op); err != nil {
		return nil, err
	}
	res, err := parse[models.UnifiedRoleAssignmentCollectionResponseable](a, models.CreateUnifiedRoleAssignmentCollectionResponseFromDiscriminatorValue)
	if err != nil {
		return nil, err
	}
	return tenantWide(res.GetValue()), nil
}

// batchAssignments reads the assignments item; a list longer than one page is read again by
// the single call, which follows the next links.
func (c *Client) batchAssignments(ctx context.Context, a batchAnswer, principalID string) ([]AppRoleAssignment, error) {
	if errors.Is(a.err(""), ErrNotFound) {
		// The service principal replicated to the replica that answered it, not yet to this one.
		return c.AppRoleAssignments(ctx, principalID)
	}
	if err := a.err("AppRoleAssignments"); err != nil {
		return nil, err
	}
	page, err := parse[models.AppRoleAssignmentCollectionResponseable](a, models.CreateAppRoleAssignmentCollectionResponseFromDiscriminatorValue)
	if err != nil {
		return nil, err
	}
	if page.GetOdataNextLink() != nil {
		return c.AppRoleAssignments(ctx, principalID)
	}
	out := make([]AppRoleAssignment, 0, len(page.GetValue()))
	for _, m := range page.GetValue() {
		if m != nil {
			out = append(out, toAssignment(m))
		}
	}
	return out, nil
}

// batchGrants reads the grants item, as batchAssignments does.
func (c *Client) batchGrants(ctx context.Context, a batchAnswer, clientID string) ([]DelegatedGrant, error) {
	if errors.Is(a.err(""), ErrNotFound) {
		return c.DelegatedGrants(ctx, clientID)
	}
	if err := a.err("DelegatedGrants"); err != nil {
		return nil, err
	}
	page, err := parse[models.OAuth2PermissionGrantCollectionResponseable](a, models.CreateOAuth2PermissionGrantCollectionResponseFromDiscriminatorValue)
	if err != nil {
		return nil, err
	}
	if page.GetOdataNextLink() != nil {
		return c.DelegatedGrants(ctx, clientID)
	}
	out := make([]DelegatedGrant, 0, len(page.GetValue()))
	for _, m := range page.GetValue() {
		if m != nil {
			out = append(out, toGrant(m))
		}
	}
	return out, nil
}
