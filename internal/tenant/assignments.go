package tenant

import (
	"context"
	"errors"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// AssignAppRoles grants application permissions to the service principal
// principalID: each wanted item names the resource SP (ResourceID) and the
// app role (AppRoleID). Each assignment is its own request, so a later
// version can send them together in one $batch.
//
// Replication lag right after the principal was created (404, 400 "Not a
// valid reference update") is retried. An assignment that already exists
// counts as success and its id is read back. The result holds the
// assignments that exist, in the order wanted; err joins the failures.
func (c *Client) AssignAppRoles(ctx context.Context, principalID string, wanted []AppRoleAssignment) ([]AppRoleAssignment, error) {
	var (
		done []AppRoleAssignment
		errs []error
	)
	for _, w := range wanted {
		a, err := c.assignAppRole(ctx, principalID, w.ResourceID, w.AppRoleID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		done = append(done, *a)
	}
	return done, errors.Join(errs...)
}

func (c *Client) assignAppRole(ctx context.Context, principalID, resourceID, appRoleID string) (*AppRoleAssignment, error) {
	const op = "AssignAppRoles"
	pid, err := parseGUID("principalId", principalID)
	if err != nil {
		return nil, mapError(op, err)
	}
	rid, err := parseGUID("resourceId", resourceID)
	if err != nil {
		return nil, mapError(op, err)
	}
	roleID, err := parseGUID("appRoleId", appRoleID)
	if err != nil {
		return nil, mapError(op, err)
	}
	body := models.NewAppRoleAssignment()
	body.SetPrincipalId(pid)
	body.SetResourceId(rid)
	body.SetAppRoleId(roleID)

	var out *AppRoleAssignment
	err = c.untilReplicated(ctx, func() error {
		res, err := c.servicePrincipals().ByServicePrincipalId(resourceID).AppRoleAssignedTo().Post(ctx, body, nil)
		err = mapError(op, err)
		if err == nil {
			a := toAssignment(res)
			out = &a
			return nil
		}
		var te *Error
		if errors.As(err, &te) && te.Status == 400 && te.messageHas("already exists") {
			// Graph does not say which assignment; find it among the
			// principal's. Not found yet means the read lags: retry.
			out, err = c.findAssignment(ctx, op, principalID, resourceID, appRoleID)
		}
		return err
	}, func(e *Error) bool {
		return e.Status == 404 || (e.Status == 400 && e.messageHas("Not a valid reference update"))
	})
	return out, err
}

func (c *Client) findAssignment(ctx context.Context, op, principalID, resourceID, appRoleID string) (*AppRoleAssignment, error) {
	all, err := c.AppRoleAssignments(ctx, principalID)
	if err != nil {
		return nil, mapError(op, err)
	}
	for _, a := range all {
		if strings.EqualFold(a.ResourceID, resourceID) && strings.EqualFold(a.AppRoleID, appRoleID) {
			return &a, nil
		}
	}
	return nil, notFound(op, "app role assignment "+appRoleID+" of "+principalID)
}

// AppRoleAssignments lists the app roles held by the service principal
// principalID (the application permissions granted to it).
func (c *Client) AppRoleAssignments(ctx context.Context, principalID string) ([]AppRoleAssignment, error) {
	b := c.servicePrincipals().ByServicePrincipalId(principalID).AppRoleAssignments()
	items, err := collect(func(link string) (models.AppRoleAssignmentCollectionResponseable, error) {
		if link == "" {
			return b.Get(ctx, nil)
		}
		return b.WithUrl(link).Get(ctx, nil)
	})
	if err != nil {
		return nil, mapError("AppRoleAssignments", err)
	}
	out := make([]AppRoleAssignment, 0, len(items))
	for _, m := range items {
		if m != nil {
			out = append(out, toAssignment(m))
		}
	}
	return out, nil
}

// RemoveAppRoleAssignments deletes assignments (each needs ID and
// ResourceID). One already gone counts as removed; err joins the failures.
func (c *Client) RemoveAppRoleAssignments(ctx context.Context, as []AppRoleAssignment) error {
	var errs []error
	for _, a := range as {
		err := c.servicePrincipals().ByServicePrincipalId(a.ResourceID).AppRoleAssignedTo().ByAppRoleAssignmentId(a.ID).Delete(ctx, nil)
		if err = mapError("RemoveAppRoleAssignments", err); err != nil && !errors.Is(err, ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
