package tenant

import (
	"context"
	"errors"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/organization"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

func (c *Client) users() *users.UsersRequestBuilder {
	return users.NewUsersRequestBuilderInternal(map[string]string{}, c.adapter)
}

// GetUser reads a user by object ID or user principal name; ErrNotFound if
// there is no such user.
func (c *Client) GetUser(ctx context.Context, idOrUPN string) (*User, error) {
	u, err := c.users().ByUserId(idOrUPN).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: []string{"id", "userPrincipalName", "mail", "displayName"}},
	})
	if err != nil {
		return nil, mapError("GetUser", err)
	}
	return toUser(u), nil
}

// HasMailbox reports whether the user has an Exchange Online mailbox, by
// reading its mailbox settings: Graph answers 404 MailboxNotEnabledForRESTAPI
// for an account without one (unlicensed, on-premises, soft-deleted). Any
// other 404 means the user itself is missing and is returned as ErrNotFound.
func (c *Client) HasMailbox(ctx context.Context, userID string) (bool, error) {
	_, err := c.users().ByUserId(userID).MailboxSettings().Get(ctx, nil)
	if err = mapError("HasMailbox", err); err == nil {
		return true, nil
	}
	var te *Error
	if errors.As(err, &te) && te.Status == 404 && strings.EqualFold(te.Code, "MailboxNotEnabledForRESTAPI") {
		return false, nil
	}
	return false, err
}

// Organization reads the tenant: its ID, name and verified domains.
func (c *Client) Organization(ctx context.Context) (*Organization, error) {
	const op = "Organization"
	res, err := organization.NewOrganizationRequestBuilderInternal(map[string]string{}, c.adapter).Get(ctx,
		&organization.OrganizationRequestBuilderGetRequestConfiguration{
			QueryParameters: &organization.OrganizationRequestBuilderGetQueryParameters{Select: []string{"id", "displayName", "verifiedDomains"}},
		})
	if err != nil {
		return nil, mapError(op, err)
	}
	if len(res.GetValue()) == 0 || res.GetValue()[0] == nil {
		return nil, notFound(op, "organization")
	}
	return toOrganization(res.GetValue()[0]), nil
}
