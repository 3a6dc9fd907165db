package tenant

import (
	"context"
	"errors"
	"slices"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"
)

var spSelect = []string{"id", "appId", "displayName", "appRoles", "oauth2PermissionScopes"}

func (c *Client) servicePrincipals() *serviceprincipals.ServicePrincipalsRequestBuilder {
	return serviceprincipals.NewServicePrincipalsRequestBuilderInternal(map[string]string{}, c.adapter)
}

// FindServicePrincipal reads the service principal of appID, with the app
// roles and scopes it offers; ErrNotFound if the app has none here.
func (c *Client) FindServicePrincipal(ctx context.Context, appID string) (*ServicePrincipal, error) {
	return c.findServicePrincipal(ctx, "FindServicePrincipal", appID)
}

// findServicePrincipal uses $filter rather than the (appId='…') key: it
// answers an empty list instead of 404, so "no SP" and "no such path" are
// not confused, and it travels in a $batch like any other GET.
func (c *Client) findServicePrincipal(ctx context.Context, op, appID string) (*ServicePrincipal, error) {
	res, err := c.servicePrincipals().Get(ctx, &serviceprincipals.ServicePrincipalsRequestBuilderGetRequestConfiguration{
		QueryParameters: &serviceprincipals.ServicePrincipalsRequestBuilderGetQueryParameters{Filter: eq("appId", appID), Select: spSelect},
	})
	if err != nil {
		return nil, mapError(op, err)
	}
	if len(res.GetValue()) == 0 {
		return nil, notFound(op, "service principal for appId "+appID)
	}
	return toServicePrincipal(res.GetValue()[0]), nil
}

// Catalogue returns the service principal of a resource API (Microsoft
// Graph, Exchange Online), whose AppRoles and Scopes map permission names
// to ids. It is fetched once per Client and then served from memory; the
// lock is held across the fetch so concurrent callers make one request.
// Failures are not cached. Callers get a copy they may modify.
func (c *Client) Catalogue(ctx context.Context, resourceAppID string) (*ServicePrincipal, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sp, ok := c.catalogue[resourceAppID]
	if !ok {
		var err error
		if sp, err = c.findServicePrincipal(ctx, "Catalogue", resourceAppID); err != nil {
			return nil, err
		}
		c.catalogue[resourceAppID] = sp
	}
	cp := *sp
	cp.AppRoles = slices.Clone(sp.AppRoles)
	cp.Scopes = slices.Clone(sp.Scopes)
	return &cp, nil
}

// CreateServicePrincipal creates the service principal (enterprise app) of
// appID. Right after the app is created Entra may not know it yet, which it
// reports as 400 NoBackingApplicationObject or, for callers holding
// Application.ReadWrite.OwnedBy, 403 "...must in the local tenant"; both
// are retried. If the SP already exists (409) the existing one is returned.
func (c *Client) CreateServicePrincipal(ctx context.Context, appID string) (*ServicePrincipal, error) {
	const op = "CreateServicePrincipal"
	body := models.NewServicePrincipal()
	body.SetAppId(ptr(appID))
	var sp *ServicePrincipal
	err := c.untilReplicated(ctx, func() error {
		res, err := c.servicePrincipals().Post(ctx, body, nil)
		if err = mapError(op, err); err == nil {
			sp = toServicePrincipal(res)
			return nil
		}
		var te *Error
		if errors.As(err, &te) && te.Status == 409 {
			// Already there: a retry after a write that did land, or an
			// SP made by hand. The read may itself lag behind the write.
			sp, err = c.findServicePrincipal(ctx, op, appID)
		}
		return err
	}, func(e *Error) bool {
		switch e.Status {
		case 400:
			return e.hasDetail("NoBackingApplicationObject") || e.messageHas("does not reference a valid application object")
		case 403:
			// Graph's text reads "must in the local tenant"; match the stable part.
			return e.messageHas("in the local tenant")
		case 404:
			return true // only from the read after a 409
		}
		return false
	})
	if err != nil {
		return nil, err
	}
	return sp, nil
}
