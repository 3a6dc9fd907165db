package tenant

import (
	"context"
	"errors"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"
)

// DirectoryRoleAssignment is a directory role (by its template ID, which is the role
// definition ID of a built-in role) held by a principal, tenant-wide.
type DirectoryRoleAssignment struct {
	ID               string
	PrincipalID      string
	RoleDefinitionID string
	DirectoryScopeID string
}

func (c *Client) roleAssignments() *rolemanagement.DirectoryRoleAssignmentsRequestBuilder {
	return rolemanagement.NewDirectoryRoleAssignmentsRequestBuilderInternal(map[string]string{}, c.adapter)
}

// DirectoryRoleAssignments lists the tenant-wide directory roles the principal holds.
func (c *Client) DirectoryRoleAssignments(ctx context.Context, principalID string) ([]DirectoryRoleAssignment, error) {
	const op = "DirectoryRoleAssignments"
	if _, err := parseGUID("principalId", principalID); err != nil {
		return nil, mapError(op, err)
	}
	res, err := c.roleAssignments().Get(ctx, &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetRequestConfiguration{
		QueryParameters: &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetQueryParameters{Filter: eq("principalId", principalID)},
	})
	if err != nil {
		return nil, mapError(op, err)
	}
	return tenantWide(res.GetValue()), nil
}

// tenantWide keeps the assignments whose scope is the whole tenant ("/"): those are the ones
// a migration tool's role needs.
func tenantWide(ms []models.UnifiedRoleAssignmentable) []DirectoryRoleAssignment {
	var out []DirectoryRoleAssignment
	for _, m := range ms {
		if a := toRoleAssignment(m); a.DirectoryScopeID == "/" {
			out = append(out, a)
		}
	}
	return out
}

// AssignDirectoryRole gives the principal a directory role tenant-wide (directoryScopeId
// "/"). Right after the principal was created the role service may not know it yet (400 or
// 404 naming the principal): that is replication lag, waited out. An assignment that exists
// already, also one whose create answer was lost, is read back and returned.
func (c *Client) AssignDirectoryRole(ctx context.Context, principalID, roleDefinitionID string) (DirectoryRoleAssignment, error) {
	const op = "AssignDirectoryRole"
	for _, f := range []struct{ name, value string }{{"principalId", principalID}, {"roleDefinitionId", roleDefinitionID}} {
		if _, err := parseGUID(f.name, f.value); err != nil {
			return DirectoryRoleAssignment{}, mapError(op, err)
		}
	}
	body := models.NewUnifiedRoleAssignment()
	body.SetPrincipalId(&principalID)
	body.SetRoleDefinitionId(&roleDefinitionID)
	body.SetDirectoryScopeId(ptr("/"))
	var out DirectoryRoleAssignment
	err := c.untilReplicated(ctx, func() error {
		m, err := c.roleAssignments().Post(ctx, body, nil)
		if err == nil {
			out = toRoleAssignment(m)
			return nil
		}
		err = mapError(op, err)
		var te *Error
		if !errors.As(err, &te) || !isRoleConflict(te) {
			return err
		}
		held, lerr := c.DirectoryRoleAssignments(ctx, principalID)
		if lerr != nil {
			return lerr
		}
		for _, a := range held {
			if strings.EqualFold(a.RoleDefinitionID, roleDefinitionID) {
				out = a
				return nil
			}
		}
		// A conflict whose assignment no read shows yet: the list lags the write.
		return notFound(op, "directory role "+roleDefinitionID+" of "+principalID)
	}, isRoleAssignmentLag)
	return out, err
}

// RemoveDirectoryRole ends a role assignment; an assignment already gone counts as removed.
func (c *Client) RemoveDirectoryRole(ctx context.Context, assignmentID string) error {
	err := mapError("RemoveDirectoryRole", c.roleAssignments().ByUnifiedRoleAssignmentId(assignmentID).Delete(ctx, nil))
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// isRoleConflict is Graph's answer to an assignment that exists already.
func isRoleConflict(e *Error) bool {
	return (e.Status == 400 || e.Status == 409) && (e.messageHas("conflicting object") || e.messageHas("already exists"))
}

// isRoleAssignmentLag is the role service not knowing a principal created moments ago.
func isRoleAssignmentLag(e *Error) bool {
	return e.Status == 404 || (e.Status == 400 && (e.messageHas("does not exist") || e.messageHas("not found") || e.messageHas("Not a valid reference")))
}

func toRoleAssignment(m models.UnifiedRoleAssignmentable) DirectoryRoleAssignment {
	return DirectoryRoleAssignment{
		ID: deref(m.GetId()), PrincipalID: deref(m.GetPrincipalId()),
		RoleDefinitionID: deref(m.GetRoleDefinitionId()), DirectoryScopeID: deref(m.GetDirectoryScopeId()),
	}
}
