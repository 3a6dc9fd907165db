package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/managedidentity"
)

// ManagedIdentityOptions configure NewManagedIdentityCredential. ClientID selects a
// user-assigned identity; empty means the host's system-assigned one. Endpoint, when set,
// is an IMDS-shaped token endpoint to use instead of what the host advertises (msi_endpoint,
// as in the azuread provider).
type ManagedIdentityOptions struct {
	ClientID   string
	Endpoint   string
	HTTPClient *http.Client
}

// NewManagedIdentityCredential signs in as the Azure host's managed identity. Without an
// Endpoint, MSAL finds the host's endpoint the way Azure documents it: App Service and
// Functions (IDENTITY_ENDPOINT, IDENTITY_HEADER), Cloud Shell (MSI_ENDPOINT), Azure ML, Service
// Fabric, Arc, else the VM's IMDS at 169.254.169.254.
func NewManagedIdentityCredential(o ManagedIdentityOptions) (Credential, error) {
	hc := o.HTTPClient
	if hc == nil {
		var err error
		if hc, err = NewHTTPClient(""); err != nil {
			return nil, err
		}
	}
	if o.Endpoint != "" {
		u, err := url.Parse(o.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, configError(SettingMSIEndpoint, fmt.Sprintf("msi_endpoint %q is not an http(s) URL", o.Endpoint))
		}
		return &imdsCredential{endpoint: o.Endpoint, clientID: o.ClientID, hc: withTokenRetry(hc)}, nil
	}
	id := managedidentity.SystemAssigned()
	if o.ClientID != "" {
		id = managedidentity.UserAssignedClientID(o.ClientID)
	}
	// The provider's own retry (logged, within the operation's time budget) replaces MSAL's.
	client, err := managedidentity.New(id, managedidentity.WithHTTPClient(withTokenRetry(hc)), managedidentity.WithRetryPolicyDisabled())
	if err != nil {
		return nil, &Error{Description: "managed identity cannot be used here: " + err.Error(), Setting: SettingUseMSI, kind: kindConfig,
			fix: "Run on an Azure host with a managed identity, or set msi_endpoint (ARM_MSI_ENDPOINT); to select a user-assigned " +
				"identity set client_id to its client ID."}
	}
	return &msalManagedIdentity{client: client}, nil
}

type msalManagedIdentity struct{ client managedidentity.Client }

func (m *msalManagedIdentity) Token(ctx context.Context, resource string) (AccessToken, error) {
	res, err := m.client.AcquireToken(ctx, strings.TrimRight(resource, "/"))
	if err != nil {
		e := fromMSAL(ctx, err, "the managed identity endpoint", "")
		var ae *Error
		if errors.As(e, &ae) && ae.Setting == SettingAuthorityHost {
			ae.Setting, ae.fix = SettingUseMSI, managedIdentityFix
		}
		return AccessToken{}, e
	}
	return AccessToken{Value: res.AccessToken, ExpiresOn: res.ExpiresOn}, nil
}

const managedIdentityFix = "Check that the host has a managed identity (system-assigned, or the user-assigned one client_id names) " +
	"and that it may call Microsoft Graph; or set msi_endpoint (ARM_MSI_ENDPOINT) to the identity endpoint."

// imdsCredential asks an IMDS-shaped endpoint, as go-azure-sdk does for msi_endpoint: GET with
// Metadata: true, api-version 2018-02-01.
type imdsCredential struct {
	endpoint, clientID string
	hc                 *http.Client
	memo               tokenMemo
}

func (c *imdsCredential) Token(ctx context.Context, resource string) (AccessToken, error) {
	return c.memo.get(ctx, strings.TrimRight(resource, "/"), c.fetch)
}

func (c *imdsCredential) fetch(ctx context.Context, resource string) (AccessToken, error) {
	u, _ := url.Parse(c.endpoint) // checked in NewManagedIdentityCredential
	q := u.Query()
	q.Set("api-version", "2018-02-01")
	q.Set("resource", resource)
	if c.clientID != "" {
		q.Set("client_id", c.clientID)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return AccessToken{}, err
	}
	req.Header.Set("Metadata", "true")
	resp, err := c.hc.Do(req)
	if err != nil {
		return AccessToken{}, &Error{Description: "cannot reach the managed identity endpoint " + c.endpoint + ": " + innermost(err).Error(),
			Setting: SettingMSIEndpoint, kind: kindTransport, cause: innermost(err), fix: managedIdentityFix}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		e := parseEntraError(resp.StatusCode, body, c.endpoint, "")
		if e.Setting == "" || e.Setting == SettingAuthorityHost {
			e.Setting = SettingMSIEndpoint
		}
		if e.fix == "" && fixes[e.Code].text == "" {
			e.fix = managedIdentityFix
		}
		return AccessToken{}, e
	}
	return parseIMDSToken(body)
}

// parseIMDSToken reads IMDS's answer, whose numbers are strings; the expiry is expires_on
// (Unix seconds) or, failing that, expires_in.
func parseIMDSToken(body []byte) (AccessToken, error) {
	var raw struct {
		AccessToken string      `json:"access_token"`
		ExpiresOn   json.Number `json:"expires_on"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || raw.AccessToken == "" {
		return AccessToken{}, &Error{Description: "the managed identity endpoint answered without an access token", Setting: SettingMSIEndpoint,
			kind: kindOther, fix: managedIdentityFix}
	}
	t := AccessToken{Value: raw.AccessToken}
	if on, err := strconv.ParseInt(raw.ExpiresOn.String(), 10, 64); err == nil {
		t.ExpiresOn = time.Unix(on, 0)
	} else if in, err := strconv.ParseInt(raw.ExpiresIn.String(), 10, 64); err == nil {
		t.ExpiresOn = time.Now().Add(time.Duration(in) * time.Second)
	}
	return t, nil
}
