package tenant

import (
	"context"
	"errors"
)

// ReadRegistration reads everything the provider manages for one app: the
// application, its service principal (nil if it has none), the app roles
// assigned to that SP and its delegated grants. ErrNotFound if the
// application is gone.
//
// The reads run one after another for now. Only the first depends on
// nothing; the other three need the SP's id (or the app's appId) and are
// independent of each other, so a $batch version can send the app read,
// then the other three together (or all four in one batch, given the appId
// from state and the (appId='…') key paths).
func (c *Client) ReadRegistration(ctx context.Context, objectID string) (*Registration, error) {
	const op = "ReadRegistration"
	app, err := c.GetApplication(ctx, objectID)
	if err != nil {
		return nil, err
	}
	reg := &Registration{Application: app}
	sp, err := c.findServicePrincipal(ctx, op, app.AppID)
	if errors.Is(err, ErrNotFound) {
		return reg, nil
	}
	if err != nil {
		return nil, err
	}
	reg.ServicePrincipal = sp
	if reg.Assignments, err = c.AppRoleAssignments(ctx, sp.ObjectID); err != nil {
		return nil, err
	}
	if reg.Grants, err = c.DelegatedGrants(ctx, sp.ObjectID); err != nil {
		return nil, err
	}
	return reg, nil
}
