package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/certbundle"
)

// ClientCertificateOptions configure NewClientCertificateCredential.
// Certificate holds the certificate and its private key as PEM or PKCS#12,
// raw or base64-encoded (certbundle.Parse); Password opens an encrypted key
// or PKCS#12 file. Setting names where the certificate came from
// (client_certificate or client_certificate_path) for errors; default
// client_certificate.
type ClientCertificateOptions struct {
	AuthorityHost string
	TenantID      string
	ClientID      string
	Certificate   []byte
	Password      string
	Setting       string
	HTTPClient    *http.Client
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
	authority, hc, err := appAuthority(o.AuthorityHost, o.TenantID, o.ClientID, o.HTTPClient)
	if err != nil {
		return nil, err
	}
	setting := o.Setting
	if setting == "" {
		setting = SettingClientCertificate
	}
	b, err := certbundle.Parse(o.Certificate, o.Password)
	if err != nil {
		blame := setting
		if errors.Is(err, certbundle.ErrPassword) {
			blame = SettingClientCertificatePassword
		}
		return nil, &Error{Description: setting + " cannot be used: " + err.Error(), Setting: blame, kind: kindConfig,
			fix: "Give the certificate with its RSA private key: a PEM bundle (the certificate, then its PKCS#8 or PKCS#1 key, " +
				"which may be encrypted) or a PKCS#12 (.pfx) file, as a file path (client_certificate_path) or base64 " +
				"(client_certificate); and, for an encrypted key or a .pfx, its password in client_certificate_password " +
				"(ARM_CLIENT_CERTIFICATE_PASSWORD)."}
	}
	cred, err := confidential.NewCredFromCert(b.Chain, b.Key)
	if err != nil {
		return nil, &Error{Description: setting + " cannot be used: " + err.Error(), Setting: setting, kind: kindConfig,
			fix: "Give an RSA certificate with its private key."}
	}
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
