package tenant

import (
	"cmp"
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// AssignAppRoles grants application permissions to the service principal principalID: each
// wanted item names the resource SP (ResourceID) and the app role (AppRoleID). The
// assignments go together in $batch round trips (20 per batch).
//
// Replication lag right after the principal was created (404, 400 "Not a valid reference
// update") is waited out for the items that meet it. An assignment that already exists
// counts as success and its id is read back. The result holds the assignments that exist, in
// the order wanted; err joins the failures.
func (c *Client) AssignAppRoles(ctx context.Context, principalID string, wanted []AppRoleAssignment) ([]AppRoleAssignment, error) {
	const op = "AssignAppRoles"
	results := make([]*AppRoleAssignment, len(wanted))
	errs := make([]error, len(wanted))
	var pending []int
	for i, w := range wanted {
		if err := checkAssignment(principalID, w); err != nil {
			errs[i] = mapError(op, err)
			continue
		}
		pending = append(pending, i)
	}
	err := c.untilReplicated(ctx, func() error {
		lagging, err := c.assignRound(ctx, principalID, wanted, pending, results, errs)
		pending = lagging
		return err
	}, isAssignmentLag)
	for _, i := range pending {
		errs[i] = err
	}
	var done []AppRoleAssignment
	for _, r := range results {
		if r != nil {
			done = append(done, *r)
		}
	}
	return done, errors.Join(errs...)
}

func isAssignmentLag(e *Error) bool {
	return e.Status == 404 || (e.Status == 400 && e.messageHas("Not a valid reference update"))
}

func checkAssignment(principalID string, w AppRoleAssignment) error {
	for _, f := range []struct{ name, value string }{{"principalId", principalID}, {"resourceId", w.ResourceID}, {"appRoleId", w.AppRoleID}} {
		if _, err := parseGUID(f.name, f.value); err != nil {
			return err
		}
	}
	return nil
}

// assignRound sends the pending assignments in one batch and records each answer; it returns
// the items that met replication lag, and the first lag error to wait on.
func (c *Client) assignRound(ctx context.Context, principalID string, wanted []AppRoleAssignment, pending []int, results []*AppRoleAssignment, errs []error) ([]int, error) {
	const op = "AssignAppRoles"
	items := make([]batchItem, 0, len(pending))
	for _, i := range pending {
		w := wanted[i]
		items = append(items, batchItem{id: strconv.Itoa(i), method: "POST", url: "/servicePrincipals/" + url.PathEscape(w.ResourceID) + "/appRoleAssignedTo",
			body: map[string]string{"principalId": principalID, "resourceId": w.ResourceID, "appRoleId": w.AppRoleID}})
	}
	answers, err := c.batch(ctx, op, items)
	if err != nil {
		return nil, mapError(op, err) // the batch as a whole failed: nothing to wait for
	}
	var lagging, existing []int
	var lagErr error
	for _, i := range pending {
		a := answers[strconv.Itoa(i)]
		var te *Error
		switch err := a.err(op); {
		case err == nil:
			m, perr := parse[models.AppRoleAssignmentable](a, models.CreateAppRoleAssignmentFromDiscriminatorValue)
			if perr != nil {
				errs[i] = perr
				continue
			}
			as := toAssignment(m)
			results[i] = &as
		case errors.As(err, &te) && te.Status == 400 && te.messageHas("already exists"):
			existing = append(existing, i)
		case errors.As(err, &te) && isAssignmentLag(te):
			lagging = append(lagging, i)
			lagErr = cmp.Or(lagErr, err)
		default:
			errs[i] = err
		}
	}
	if len(existing) > 0 {
		// Graph does not say which assignment exists; find them among the principal's. One
		// not found yet means the read lags: wait and send it again.
		found, notYet, err := c.findAssignments(ctx, op, principalID, wanted, existing)
		if err != nil {
			return nil, err
		}
		for i, a := range found {
			results[i] = a
		}
		lagging = append(lagging, notYet...)
		if len(notYet) > 0 && lagErr == nil {
			lagErr = notFound(op, "app role assignment "+wanted[notYet[0]].AppRoleID+" of "+principalID)
		}
	}
	return lagging, lagErr
}

// findAssignments reads the principal's assignments once and finds those of the items.
func (c *Client) findAssignments(ctx context.Context, op, principalID string, wanted []AppRoleAssignment, items []int) (map[int]*AppRoleAssignment, []int, error) {
	all, err := c.AppRoleAssignments(ctx, principalID)
	if err != nil {
		return nil, nil, mapError(op, err)
	}
	found := map[int]*AppRoleAssignment{}
	var missing []int
	for _, i := range items {
		idx := slices.IndexFunc(all, func(a AppRoleAssignment) bool {
			return strings.EqualFold(a.ResourceID, wanted[i].ResourceID) && strings.EqualFold(a.AppRoleID, wanted[i].AppRoleID)
		})
		if idx < 0 {
			missing = append(missing, i)
			continue
		}
		found[i] = &all[idx]
	}
	return found, missing, nil
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

// RemoveAppRoleAssignments deletes assignments (each needs ID and ResourceID), together in
// $batch round trips. One already gone counts as removed; err joins the failures.
func (c *Client) RemoveAppRoleAssignments(ctx context.Context, as []AppRoleAssignment) error {
	const op = "RemoveAppRoleAssignments"
	items := make([]batchItem, 0, len(as))
	for i, a := range as {
		items = append(items, batchItem{id: strconv.Itoa(i), method: "DELETE",
			url: "/servicePrincipals/" + url.PathEscape(a.ResourceID) + "/appRoleAssignedTo/" + url.PathEscape(a.ID)})
	}
	if len(items) == 0 {
		return nil
	}
	answers, err := c.batch(ctx, op, items)
	if err != nil {
		return mapError(op, err)
	}
	var errs []error
	for _, it := range items {
		if err := answers[it.id].err(op); err != nil && !errors.Is(err, ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
