package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

// Connecting is Configure's second step: the credential the settings choose, one sign-in to
// report a wrong setting against that setting before anything is planned, and the Graph
// client. The validation data source reuses the HTTP client and cloud it sets up.

// connect returns the provider data for s. Without credentials it is still usable by the
// credential-free data sources.
func connect(ctx context.Context, s settings) (*providerData, diag.Diagnostics) {
	var diags diag.Diagnostics
	httpClient, err := auth.NewHTTPClient(s.caFile)
	if err != nil {
		diags.AddAttributeError(path.Root("ca_certificate_file"), "Cannot read the CA certificate file", err.Error()+
			"\n\nHow to fix it: point ca_certificate_file (or STELLAR_CA_CERTIFICATE_FILE) at a readable PEM file of the certificate "+
			"authorities to trust, such as the tenant emulator's ca.pem or your TLS-inspecting proxy's CA; or leave it unset to trust "+
			"the system's roots only.")
		return nil, diags
	}
	data := &providerData{cloud: s.cloud, httpClient: httpClient, missing: s.missing}
	if s.method == methodNone {
		tflog.Info(ctx, "provider has no credentials; only credential-free data sources will work")
		return data, diags
	}
	cred, err := newCredential(s, httpClient)
	if err != nil {
		addSignInError(&diags, err, "Cannot set up sign-in")
		return nil, diags
	}
	data.session = &session{s: s, cred: cred, httpClient: httpClient}
	return data, diags
}

// session is the provider's sign-in, made on the first call that needs the tenant rather than
// in Configure: Terraform configures the provider for every walk, and a walk that calls no
// Graph (destroy's second plan, a validate) then costs no round trip. The first resource or
// data source that needs the tenant signs in, at plan time, and a wrong tenant, client or
// secret is reported there, naming the provider setting at fault.
type session struct {
	s          settings
	cred       auth.Credential
	httpClient *http.Client

	mu    sync.Mutex
	done  bool
	diags diag.Diagnostics
}

// open signs in once and fills d's tenant, tenantID and caller; later calls return the first
// one's outcome, so a wrong setting is reported once. A sign-in cut short by its caller's
// context (Ctrl-C, a cancelled walk, a timeout) is the exception: it says nothing of the
// settings, so it is not kept, and the next call signs in again.
func (d *providerData) open(ctx context.Context) diag.Diagnostics {
	ss := d.session
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.done {
		return ss.diags
	}
	s := ss.s
	tok, err := ss.cred.Token(ctx, s.cloud.GraphResource)
	if err != nil && (ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		var diags diag.Diagnostics
		addSignInErrorInWords(&diags, err, "The provider could not sign in to the target tenant")
		return diags
	}
	ss.done = true
	if err != nil {
		addSignInErrorInWords(&ss.diags, err, "The provider could not sign in to the target tenant")
		return ss.diags
	}
	claims, err := auth.ParseClaims(tok.Value)
	if err != nil {
		ss.diags.AddError("Unreadable access token", "The token service returned an access token the provider cannot read: "+err.Error())
		return ss.diags
	}
	if checkTenant(&ss.diags, s, claims); ss.diags.HasError() {
		return ss.diags
	}
	client, err := tenant.New(tenant.Config{
		Endpoint:   s.cloud.GraphEndpoint,
		Resource:   s.cloud.GraphResource,
		HTTPClient: ss.httpClient,
		Tokens: func(ctx context.Context, resource string) (string, error) {
			t, err := ss.cred.Token(ctx, resource)
			return t.Value, err
		},
	})
	if err != nil {
		ss.diags.AddError("Cannot set up the Microsoft Graph client", err.Error())
		return ss.diags
	}
	d.tenant, d.tenantID, d.caller = client, claims.TenantID, claims
	tflog.Debug(ctx, "signed in to the target tenant", map[string]any{"tenant_id": claims.TenantID, "method": string(s.method),
		"client_id": claims.AppID, "user": claims.UserPrincipalName})
	return ss.diags
}

// newCredential builds the credential of the chosen sign-in method.
func newCredential(s settings, httpClient *http.Client) (auth.Credential, error) {
	app := func() (string, string, string) { return s.cloud.AuthorityHost, s.tenantID, s.clientID }
	switch s.method {
	case methodAzureCLI:
		return auth.NewAzureCLICredential(auth.AzureCLIOptions{TenantID: s.tenantID})
	case methodDeviceCode, methodBrowser:
		return auth.NewPersonCredential(personOptions(s, httpClient))
	case methodClientCertificate:
		host, tenantID, clientID := app()
		return auth.NewClientCertificateCredential(auth.ClientCertificateOptions{AuthorityHost: host, TenantID: tenantID, ClientID: clientID,
			Certificate: s.certificate, Password: s.certificatePassword, Setting: s.certificateSetting, HTTPClient: httpClient})
	case methodOIDC:
		host, tenantID, clientID := app()
		return auth.NewFederatedCredential(auth.FederatedOptions{AuthorityHost: host, TenantID: tenantID, ClientID: clientID,
			Source: assertionSource(s.oidc, httpClient), HTTPClient: httpClient})
	case methodMSI:
		return auth.NewManagedIdentityCredential(auth.ManagedIdentityOptions{ClientID: s.clientID, Endpoint: s.msiEndpoint, HTTPClient: httpClient})
	case methodAccessToken:
		return auth.NewAccessTokenCredential(s.accessToken, s.now)
	default:
		host, tenantID, clientID := app()
		return auth.NewClientSecretCredential(auth.ClientSecretOptions{AuthorityHost: host, TenantID: tenantID, ClientID: clientID,
			ClientSecret: s.clientSecret, HTTPClient: httpClient})
	}
}

// assertionSource is where the federated token comes from.
func assertionSource(o oidcSettings, hc *http.Client) auth.AssertionSource {
	switch o.source {
	case oidcFromToken:
		return auth.StaticAssertion(o.token)
	case oidcFromADO:
		return auth.AzureDevOpsAssertion(o.requestURL, o.requestToken, o.connectionID, hc)
	case oidcFromGitHub:
		return auth.GitHubActionsAssertion(o.requestURL, o.requestToken, hc)
	default: // a token file, named or AKS's
		return auth.FileAssertion(o.file)
	}
}

// checkTenant compares tenant_id with the token's tenant, for the methods whose token names
// the tenant rather than being asked for one (a managed identity, a ready token): a token of
// another tenant would otherwise register the application there.
func checkTenant(diags *diag.Diagnostics, s settings, claims auth.Claims) {
	if (s.method != methodMSI && s.method != methodAccessToken) || s.tenantID == "" || !looksLikeGUID(s.tenantID) {
		return
	}
	if !strings.EqualFold(s.tenantID, claims.TenantID) {
		diags.AddError("The token is for another tenant (check provider setting tenant_id)",
			fmt.Sprintf("tenant_id is %s, but the %s token is for tenant %s. Set tenant_id to the tenant the identity belongs to, "+
				"or unset it to use the token's.", s.tenantID, s.method, claims.TenantID))
	}
}

func looksLikeGUID(s string) bool {
	return len(s) == 36 && strings.Count(s, "-") == 4
}
