package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
)

// ClientSecretOptions configure NewClientSecretCredential. AuthorityHost
// defaults to the global cloud's; HTTPClient defaults to one that trusts the
// system roots (see NewHTTPClient).
type ClientSecretOptions struct {
	AuthorityHost string
	TenantID      string
	ClientID      string
	ClientSecret  string
	HTTPClient    *http.Client
}

// clientSecretCredential signs in with the client credentials grant. MSAL
// keeps an in-memory token cache per confidential.Client, so one credential
// object is built per provider configuration and reused for every call.
type clientSecretCredential struct {
	client    confidential.Client
	authority string
	secret    string // kept only to scrub it out of error text
}

// NewClientSecretCredential builds a client-secret credential on MSAL's
// confidential client. It makes no network call; a wrong tenant, client ID
// or secret shows up as an *Error from the first Token call.
func NewClientSecretCredential(o ClientSecretOptions) (Credential, error) {
	host := strings.TrimRight(strings.TrimSpace(o.AuthorityHost), "/")
	if host == "" {
		host = Global.AuthorityHost
	}
	tenantID := strings.TrimSpace(o.TenantID)
	clientID := strings.TrimSpace(o.ClientID)
	switch {
	case tenantID == "":
		return nil, configError(SettingTenantID, "tenant_id is empty")
	case strings.ContainsAny(tenantID, "/?#"):
		return nil, configError(SettingTenantID, "tenant_id must be a tenant GUID or a verified domain name, not a URL or path")
	case clientID == "":
		return nil, configError(SettingClientID, "client_id is empty")
	case o.ClientSecret == "":
		return nil, configError(SettingClientSecret, "client_secret is empty")
	}
	if !strings.HasPrefix(strings.ToLower(host), "https://") {
		// MSAL refuses anything but https; say so in our words, naming the setting.
		return nil, configError(SettingAuthorityHost, "authority_host must be an https URL, got "+host)
	}

	cred, err := confidential.NewCredFromSecret(o.ClientSecret)
	if err != nil {
		return nil, configError(SettingClientSecret, scrub(err.Error(), o.ClientSecret))
	}
	hc := o.HTTPClient
	if hc == nil {
		hc, err = NewHTTPClient("")
		if err != nil {
			return nil, err
		}
	}
	authority := host + "/" + tenantID
	client, err := confidential.New(authority, clientID, cred,
		confidential.WithHTTPClient(withTokenRetry(hc)),
		// Instance discovery asks login.microsoftonline.com to vouch for the
		// authority host. It is pointless for the known clouds (they are on
		// MSAL's trusted list) and fails for private hosts or offline.
		confidential.WithInstanceDiscovery(false),
	)
	if err != nil {
		return nil, configError(SettingAuthorityHost, "invalid authority "+authority+": "+scrub(err.Error(), o.ClientSecret))
	}
	return &clientSecretCredential{client: client, authority: authority, secret: o.ClientSecret}, nil
}

func (c *clientSecretCredential) Token(ctx context.Context, resource string) (AccessToken, error) {
	if strings.TrimSpace(resource) == "" {
		return AccessToken{}, errors.New("auth: token requested for an empty resource")
	}
	res, err := c.client.AcquireTokenByCredential(ctx, []string{scopeFor(resource)})
	if err != nil {
		return AccessToken{}, fromMSAL(ctx, err, c.authority, c.secret)
	}
	return AccessToken{Value: res.AccessToken, ExpiresOn: res.ExpiresOn}, nil
}
