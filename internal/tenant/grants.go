package tenant

import (
	"context"
	"errors"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/oauth2permissiongrants"
)

func (c *Client) grants() *oauth2permissiongrants.Oauth2PermissionGrantsRequestBuilder {
	return oauth2permissiongrants.NewOauth2PermissionGrantsRequestBuilderInternal(map[string]string{}, c.adapter)
}

// DelegatedGrants lists the delegated permission grants of the client
// service principal clientID.
func (c *Client) DelegatedGrants(ctx context.Context, clientID string) ([]DelegatedGrant, error) {
	b := c.grants()
	cfg := &oauth2permissiongrants.Oauth2PermissionGrantsRequestBuilderGetRequestConfiguration{
		QueryParameters: &oauth2permissiongrants.Oauth2PermissionGrantsRequestBuilderGetQueryParameters{Filter: eq("clientId", clientID)},
	}
	items, err := collect(func(link string) (models.OAuth2PermissionGrantCollectionResponseable, error) {
		if link == "" {
			return b.Get(ctx, cfg)
		}
		return b.WithUrl(link).Get(ctx, nil)
	})
	if err != nil {
		return nil, mapError("DelegatedGrants", err)
	}
	out := make([]DelegatedGrant, 0, len(items))
	for _, m := range items {
		if m != nil {
			out = append(out, toGrant(m))
		}
	}
	return out, nil
}

// CreateDelegatedGrant consents to g.Scopes of g.ResourceID for g.ClientID
// (ConsentType defaults to AllPrincipals, i.e. admin consent). 404
// Directory_ObjectNotFound while the client SP replicates is retried. If a
// grant for the same client, resource and principal already exists, its
// scopes are replaced with g.Scopes and it is returned.
func (c *Client) CreateDelegatedGrant(ctx context.Context, g DelegatedGrant) (*DelegatedGrant, error) {
	const op = "CreateDelegatedGrant"
	if g.ConsentType == "" {
		g.ConsentType = ConsentAllPrincipals
	}
	body := models.NewOAuth2PermissionGrant()
	body.SetClientId(ptr(g.ClientID))
	body.SetResourceId(ptr(g.ResourceID))
	body.SetConsentType(ptr(g.ConsentType))
	if g.ConsentType == ConsentPrincipal {
		body.SetPrincipalId(ptr(g.PrincipalID))
	}
	body.SetScope(ptr(strings.Join(g.Scopes, " ")))

	var out *DelegatedGrant
	err := c.untilReplicated(ctx, func() error {
		res, err := c.grants().Post(ctx, body, nil)
		err = mapError(op, err)
		if err == nil {
			created := toGrant(res)
			out = &created
			return nil
		}
		var te *Error
		if errors.As(err, &te) && (te.Status == 400 || te.Status == 409) && te.messageHas("already exists") {
			// Seen after a retried create whose first attempt did land.
			out, err = c.adoptGrant(ctx, op, g)
		}
		return err
	}, isNotFound)
	return out, err
}

// adoptGrant finds the existing grant matching g and sets its scopes to g's.
func (c *Client) adoptGrant(ctx context.Context, op string, g DelegatedGrant) (*DelegatedGrant, error) {
	all, err := c.DelegatedGrants(ctx, g.ClientID)
	if err != nil {
		return nil, mapError(op, err)
	}
	for _, have := range all {
		if !strings.EqualFold(have.ResourceID, g.ResourceID) || !strings.EqualFold(have.ConsentType, g.ConsentType) ||
			(g.ConsentType == ConsentPrincipal && !strings.EqualFold(have.PrincipalID, g.PrincipalID)) {
			continue
		}
		if err := c.UpdateDelegatedGrant(ctx, have.ID, g.Scopes); err != nil {
			return nil, mapError(op, err)
		}
		have.Scopes = append([]string(nil), g.Scopes...)
		return &have, nil
	}
	return nil, notFound(op, "delegated grant of "+g.ClientID+" on "+g.ResourceID)
}

// UpdateDelegatedGrant replaces the grant's scopes.
func (c *Client) UpdateDelegatedGrant(ctx context.Context, id string, scopes []string) error {
	body := models.NewOAuth2PermissionGrant()
	body.SetScope(ptr(strings.Join(scopes, " ")))
	_, err := c.grants().ByOAuth2PermissionGrantId(id).Patch(ctx, body, nil)
	return mapError("UpdateDelegatedGrant", err)
}

// DeleteDelegatedGrant removes a grant; ErrNotFound when it is already gone.
func (c *Client) DeleteDelegatedGrant(ctx context.Context, id string) error {
	return mapError("DeleteDelegatedGrant", c.grants().ByOAuth2PermissionGrantId(id).Delete(ctx, nil))
}
