package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
)

// ClientCertificateOptions configure NewClientCertificateCredential.
// CertificatePEM holds the certificate and its private key; Password
// decrypts an encrypted key.
type ClientCertificateOptions struct {
	AuthorityHost  string
	TenantID       string
	ClientID       string
	CertificatePEM []byte
	Password       string
	HTTPClient     *http.Client
}

// certificateCredential signs in with a client assertion: a JWT signed by
// the certificate's key, which Entra checks against the certificates
// uploaded to the app registration. No secret travels.
type certificateCredential struct {
	client    confidential.Client
	authority string
}

// NewClientCertificateCredential builds a certificate credential on MSAL's
// confidential client. Like the secret credential, it makes no network call.
func NewClientCertificateCredential(o ClientCertificateOptions) (Credential, error) {
	host := strings.TrimRight(strings.TrimSpace(o.AuthorityHost), "/")
	if host == "" {
		host = Global.AuthorityHost
	}
	switch {
	case strings.TrimSpace(o.TenantID) == "":
		return nil, configError(SettingTenantID, "tenant_id is empty")
	case strings.TrimSpace(o.ClientID) == "":
		return nil, configError(SettingClientID, "client_id is empty")
	case !strings.HasPrefix(strings.ToLower(host), "https://"):
		return nil, configError(SettingAuthorityHost, "authority_host must be an https URL, got "+host)
	}
	certs, key, err := confidential.CertFromPEM(o.CertificatePEM, o.Password)
	if err != nil {
		return nil, &Error{Description: "client_certificate cannot be read: " + err.Error(), Setting: "client_certificate",
			kind: kindConfig, fix: "Give a PEM bundle with the certificate and its private key (and the key's password, if it is encrypted)."}
	}
	cred, err := confidential.NewCredFromCert(certs, key)
	if err != nil {
		return nil, &Error{Description: "the client certificate cannot be used: " + err.Error(), Setting: "client_certificate", kind: kindConfig,
			fix: "Give a PEM bundle with an RSA certificate and its private key."}
	}
	hc := o.HTTPClient
	if hc == nil {
		if hc, err = NewHTTPClient(""); err != nil {
			return nil, err
		}
	}
	authority := host + "/" + strings.TrimSpace(o.TenantID)
	client, err := confidential.New(authority, strings.TrimSpace(o.ClientID), cred,
		confidential.WithHTTPClient(withTokenRetry(hc)), confidential.WithInstanceDiscovery(false))
	if err != nil {
		return nil, configError(SettingAuthorityHost, "invalid authority "+authority+": "+err.Error())
	}
	return &certificateCredential{client: client, authority: authority}, nil
}

func (c *certificateCredential) Token(ctx context.Context, resource string) (AccessToken, error) {
	if strings.TrimSpace(resource) == "" {
		return AccessToken{}, errors.New("auth: token requested for an empty resource")
	}
	res, err := c.client.AcquireTokenByCredential(ctx, []string{scopeFor(resource)})
	if err != nil {
		return AccessToken{}, fromMSAL(ctx, err, c.authority, "")
	}
	return AccessToken{Value: res.AccessToken, ExpiresOn: res.ExpiresOn}, nil
}
