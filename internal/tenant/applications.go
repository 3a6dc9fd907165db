package tenant

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/directory"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// appSelect is what Application holds; asking for no more keeps replies small.
var appSelect = []string{"id", "appId", "displayName", "requiredResourceAccess", "passwordCredentials", "keyCredentials", "tags"}

func (c *Client) applications() *applications.ApplicationsRequestBuilder {
	return applications.NewApplicationsRequestBuilderInternal(map[string]string{}, c.adapter)
}

// CreateApplication registers an app, single-tenant, requesting access, with tags (the
// provider's marks, so that an app whose creation answer was lost can be found again).
func (c *Client) CreateApplication(ctx context.Context, displayName string, access []ResourceAccess, tags ...string) (*Application, error) {
	const op = "CreateApplication"
	body := models.NewApplication()
	body.SetDisplayName(ptr(displayName))
	if len(tags) > 0 {
		body.SetTags(tags)
	}
	// Graph's default audience admits other tenants and personal accounts;
	// a migration app acts on this tenant only.
	body.SetSignInAudience(ptr("AzureADMyOrg"))
	if access != nil {
		rra, err := fromResourceAccess(access)
		if err != nil {
			return nil, mapError(op, err)
		}
		body.SetRequiredResourceAccess(rra)
	}
	app, err := c.applications().Post(ctx, body, nil)
	if err != nil {
		return nil, mapError(op, err)
	}
	return toApplication(app), nil
}

// ApplicationsNamed lists the applications whose display name is displayName.
func (c *Client) ApplicationsNamed(ctx context.Context, displayName string) ([]*Application, error) {
	const op = "ApplicationsNamed"
	res, err := c.applications().Get(ctx, &applications.ApplicationsRequestBuilderGetRequestConfiguration{
		QueryParameters: &applications.ApplicationsRequestBuilderGetQueryParameters{Filter: eq("displayName", displayName), Select: appSelect},
	})
	if err != nil {
		return nil, mapError(op, err)
	}
	var out []*Application
	for _, a := range res.GetValue() {
		out = append(out, toApplication(a))
	}
	return out, nil
}

// GetApplication reads an app by object ID; ErrNotFound if it is gone.
func (c *Client) GetApplication(ctx context.Context, objectID string) (*Application, error) {
	app, err := c.applications().ByApplicationId(objectID).Get(ctx, &applications.ApplicationItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &applications.ApplicationItemRequestBuilderGetQueryParameters{Select: appSelect},
	})
	if err != nil {
		return nil, mapError("GetApplication", err)
	}
	return toApplication(app), nil
}

// FindApplicationByAppID reads an app by its client ID; ErrNotFound if none.
func (c *Client) FindApplicationByAppID(ctx context.Context, appID string) (*Application, error) {
	const op = "FindApplicationByAppID"
	res, err := c.applications().Get(ctx, &applications.ApplicationsRequestBuilderGetRequestConfiguration{
		QueryParameters: &applications.ApplicationsRequestBuilderGetQueryParameters{Filter: eq("appId", appID), Select: appSelect},
	})
	if err != nil {
		return nil, mapError(op, err)
	}
	if len(res.GetValue()) == 0 {
		return nil, notFound(op, "application with appId "+appID)
	}
	return toApplication(res.GetValue()[0]), nil
}

// UpdateApplication changes the display name and/or the requested
// permissions; a nil argument leaves that property as it is, an empty
// access slice removes every requested permission.
func (c *Client) UpdateApplication(ctx context.Context, objectID string, displayName *string, access []ResourceAccess) error {
	const op = "UpdateApplication"
	if displayName == nil && access == nil {
		return nil
	}
	body := models.NewApplication()
	if displayName != nil {
		body.SetDisplayName(displayName)
	}
	if access != nil {
		rra, err := fromResourceAccess(access)
		if err != nil {
			return mapError(op, err)
		}
		body.SetRequiredResourceAccess(rra)
	}
	_, err := c.applications().ByApplicationId(objectID).Patch(ctx, body, nil)
	return mapError(op, err)
}

// SetNewApplicationAccess sets the requiredResourceAccess of an application created moments
// ago. A 404 there is replication lag (the replica that served the call has not seen the
// create yet), waited out as addPassword waits it out; a repeated call lands on the same
// result.
func (c *Client) SetNewApplicationAccess(ctx context.Context, objectID string, access []ResourceAccess) error {
	const op = "SetNewApplicationAccess"
	rra, err := fromResourceAccess(access)
	if err != nil {
		return mapError(op, err)
	}
	body := models.NewApplication()
	body.SetRequiredResourceAccess(rra)
	return c.untilReplicated(ctx, func() error {
		_, err := c.applications().ByApplicationId(objectID).Patch(ctx, body, nil)
		return mapError(op, err)
	}, isNotFound)
}

// DeleteApplication soft-deletes an app (it can be restored for 30 days, and
// its service principal goes with it); ErrNotFound when it is already gone.
func (c *Client) DeleteApplication(ctx context.Context, objectID string) error {
	return mapError("DeleteApplication", c.applications().ByApplicationId(objectID).Delete(ctx, nil))
}

// DeleteAndPurgeApplication deletes the application and purges it from deleted items in one
// $batch round trip, the purge depending on the delete. Each error is that step's, as
// DeleteApplication and PurgeDeletedApplication would report it; a purge that could not run
// because the delete failed reports 424. A batch that failed as a whole fails both.
func (c *Client) DeleteAndPurgeApplication(ctx context.Context, objectID string) (deleteErr, purgeErr error) {
	id := url.PathEscape(objectID)
	answers, err := c.batch(ctx, "DeleteAndPurgeApplication", []batchItem{
		{id: "delete", method: "DELETE", url: "/applications/" + id},
		{id: "purge", method: "DELETE", url: "/directory/deletedItems/" + id, dependsOn: "delete"},
	})
	if err != nil {
		err = mapError("DeleteApplication", err)
		return err, err
	}
	return answers["delete"].err("DeleteApplication"), answers["purge"].err("PurgeDeletedApplication")
}

// InDeletedItems reports whether the application objectID waits in the deleted items
// container (deleted, not purged).
func (c *Client) InDeletedItems(ctx context.Context, objectID string) (bool, error) {
	_, err := directory.NewDirectoryRequestBuilderInternal(map[string]string{}, c.adapter).
		DeletedItems().ByDirectoryObjectId(objectID).Get(ctx, nil)
	err = mapError("InDeletedItems", err)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// PurgeDeletedApplication removes a soft-deleted app for good, freeing its
// name and identifiers; ErrNotFound when it is not in the deleted items.
func (c *Client) PurgeDeletedApplication(ctx context.Context, objectID string) error {
	err := directory.NewDirectoryRequestBuilderInternal(map[string]string{}, c.adapter).
		DeletedItems().ByDirectoryObjectId(objectID).Delete(ctx, nil)
	return mapError("PurgeDeletedApplication", err)
}

// AddPassword adds a client secret ending at end (zero: Graph's default of
// two years). The result is the only place the secret's text ever appears.
// A 404 is retried as replication lag: the app is typically seconds old.
func (c *Client) AddPassword(ctx context.Context, objectID, displayName string, end time.Time) (*Password, error) {
	return c.AddPasswordStarting(ctx, objectID, displayName, time.Time{}, end)
}

// AddPasswordStarting is AddPassword with the secret's start time given (zero: now). A start
// time unique to the call finds the secret again when the call's answer is lost.
func (c *Client) AddPasswordStarting(ctx context.Context, objectID, displayName string, start, end time.Time) (*Password, error) {
	const op = "AddPassword"
	cred := models.NewPasswordCredential()
	if displayName != "" {
		cred.SetDisplayName(ptr(displayName))
	}
	if !start.IsZero() {
		cred.SetStartDateTime(ptr(start.UTC()))
	}
	if !end.IsZero() {
		cred.SetEndDateTime(ptr(end.UTC()))
	}
	body := applications.NewItemAddPasswordPostRequestBody()
	body.SetPasswordCredential(cred)
	var pw models.PasswordCredentialable
	err := c.untilReplicated(ctx, func() error {
		var err error
		pw, err = c.applications().ByApplicationId(objectID).AddPassword().Post(ctx, body, nil)
		return mapError(op, err)
	}, isNotFound)
	if err != nil {
		return nil, err
	}
	p := toPassword(pw)
	return &p, nil
}

// SetCertificates replaces the app's certificate credentials with the ones keyed by keep
// (Graph never returns key material, so existing certificates are named by key ID alone) and
// the new ones in add. Sending the whole list makes a repeated call (after a lost answer)
// land on the same result.
func (c *Client) SetCertificates(ctx context.Context, objectID string, keep []string, add []NewCertificate) error {
	const op = "SetCertificates"
	creds := make([]models.KeyCredentialable, 0, len(keep)+len(add))
	for _, k := range keep {
		id, err := parseGUID("keyCredential keyId", k)
		if err != nil {
			return mapError(op, err)
		}
		kc := models.NewKeyCredential()
		kc.SetKeyId(id)
		creds = append(creds, kc)
	}
	for _, n := range add {
		kc := models.NewKeyCredential()
		kc.SetKey(n.DER)
		kc.SetTypeEscaped(ptr("AsymmetricX509Cert"))
		kc.SetUsage(ptr("Verify"))
		if n.DisplayName != "" {
			kc.SetDisplayName(ptr(n.DisplayName))
		}
		creds = append(creds, kc)
	}
	body := models.NewApplication()
	body.SetKeyCredentials(creds)
	return c.untilReplicated(ctx, func() error {
		_, err := c.applications().ByApplicationId(objectID).Patch(ctx, body, nil)
		return mapError(op, err)
	}, isNotFound)
}

// RemovePassword deletes the client secret keyID from the app.
func (c *Client) RemovePassword(ctx context.Context, objectID, keyID string) error {
	const op = "RemovePassword"
	id, err := parseGUID("password keyId", keyID)
	if err != nil {
		return mapError(op, err)
	}
	body := applications.NewItemRemovePasswordPostRequestBody()
	body.SetKeyId(id)
	return mapError(op, c.applications().ByApplicationId(objectID).RemovePassword().Post(ctx, body, nil))
}

func isNotFound(e *Error) bool { return e.Status == 404 }
