package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
)

// Workload identity federation: the pipeline's own identity provider (GitHub Actions, Azure
// DevOps, a Kubernetes service account) issues a short-lived JWT, and Entra exchanges it for
// an access token of the application whose federated identity credential trusts that issuer
// and subject. No secret is stored anywhere.

// TokenExchangeAudience is the audience Entra expects federated tokens to carry, and the one
// the provider asks GitHub and Azure DevOps for, as the azuread provider does.
const TokenExchangeAudience = "api://AzureADTokenExchange"

// AssertionSource yields the federated token. It is called whenever Entra's access token is
// to be renewed, so a source that rotates (a projected token file) is read each time.
type AssertionSource interface {
	Assertion(ctx context.Context) (string, error)
	// Setting names the provider setting the source comes from, for errors.
	Setting() string
}

// StaticAssertion is a token given as is (oidc_token).
func StaticAssertion(token string) AssertionSource { return staticAssertion(token) }

type staticAssertion string

func (s staticAssertion) Assertion(context.Context) (string, error) { return string(s), nil }
func (staticAssertion) Setting() string                             { return SettingOIDCToken }

// FileAssertion reads the token from path on every use: Kubernetes rotates projected
// service account tokens in place (AKS workload identity's AZURE_FEDERATED_TOKEN_FILE).
func FileAssertion(path string) AssertionSource { return fileAssertion(path) }

type fileAssertion string

func (f fileAssertion) Setting() string { return SettingOIDCTokenFilePath }

func (f fileAssertion) Assertion(context.Context) (string, error) {
	b, err := os.ReadFile(string(f))
	if err != nil {
		return "", &Error{Description: fmt.Sprintf("cannot read the federated token file %q: %v", string(f), err),
			Setting: SettingOIDCTokenFilePath, kind: kindConfig,
			fix: "Point oidc_token_file_path (ARM_OIDC_TOKEN_FILE_PATH; AZURE_FEDERATED_TOKEN_FILE on AKS) at the readable " +
				"file holding the identity provider's token."}
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", &Error{Description: fmt.Sprintf("the federated token file %q is empty", string(f)), Setting: SettingOIDCTokenFilePath,
			kind: kindConfig, fix: "Check that the identity provider writes its token to oidc_token_file_path."}
	}
	return tok, nil
}

// GitHubActionsAssertion requests a token from GitHub Actions' ID token endpoint
// (ACTIONS_ID_TOKEN_REQUEST_URL with ACTIONS_ID_TOKEN_REQUEST_TOKEN, which a job gets with
// `permissions: id-token: write`).
func GitHubActionsAssertion(requestURL, requestToken string, hc *http.Client) AssertionSource {
	return &requestedAssertion{requestURL: requestURL, requestToken: requestToken, hc: withTokenRetry(hc), github: true}
}

// AzureDevOpsAssertion requests a token for the service connection connectionID from Azure
// Pipelines' OIDC endpoint (SYSTEM_OIDCREQUESTURI with SYSTEM_ACCESSTOKEN).
func AzureDevOpsAssertion(requestURL, requestToken, connectionID string, hc *http.Client) AssertionSource {
	return &requestedAssertion{requestURL: requestURL, requestToken: requestToken, connectionID: connectionID, hc: withTokenRetry(hc)}
}

type requestedAssertion struct {
	requestURL, requestToken, connectionID string
	github                                 bool
	hc                                     *http.Client
}

func (r *requestedAssertion) Setting() string { return SettingOIDCRequestURL }

func (r *requestedAssertion) Assertion(ctx context.Context) (string, error) {
	req, err := r.request(ctx)
	if err != nil {
		return "", err
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return "", &Error{Description: "cannot reach the pipeline's OIDC token endpoint " + redactQuery(r.requestURL) + ": " +
			innermost(err).Error(), Setting: SettingOIDCRequestURL, kind: kindTransport, cause: innermost(err),
			fix: "Check oidc_request_url (ARM_OIDC_REQUEST_URL), or run the job where the pipeline sets it."}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", r.refused(resp.StatusCode, body)
	}
	var answer struct {
		Value     string `json:"value"`     // GitHub
		OIDCToken string `json:"oidcToken"` // Azure DevOps
	}
	if err := json.Unmarshal(body, &answer); err != nil || answer.Value+answer.OIDCToken == "" {
		return "", &Error{Description: "the pipeline's OIDC token endpoint answered without a token", Setting: SettingOIDCRequestURL,
			kind: kindOther, fix: "Check that oidc_request_url is the pipeline's ID token endpoint."}
	}
	return answer.Value + answer.OIDCToken, nil
}

func (r *requestedAssertion) request(ctx context.Context) (*http.Request, error) {
	u, err := url.Parse(r.requestURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, &Error{Description: "oidc_request_url is not a URL", Setting: SettingOIDCRequestURL, kind: kindConfig,
			fix: "Set oidc_request_url (ARM_OIDC_REQUEST_URL) to the pipeline's ID token endpoint, or unset it to use the pipeline's own variable."}
	}
	q := u.Query()
	method, body := http.MethodGet, io.Reader(nil)
	if r.github {
		if q.Get("audience") == "" {
			q.Set("audience", TokenExchangeAudience)
		}
	} else {
		// Azure DevOps: POST, the connection named in the query, as go-azure-sdk and
		// azidentity's AzurePipelinesCredential send it.
		q.Set("api-version", "7.1")
		q.Set("serviceConnectionId", r.connectionID)
		q.Set("audience", TokenExchangeAudience)
		method, body = http.MethodPost, bytes.NewReader(nil)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+r.requestToken)
	req.Header.Set("Accept", "application/json")
	if !r.github {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-TFS-FedAuthRedirect", "Suppress") // a 401 instead of a sign-in page
	}
	return req, nil
}

func (r *requestedAssertion) refused(status int, body []byte) error {
	detail := firstLine(scrub(strings.TrimSpace(string(body)), r.requestToken))
	if len(detail) > 300 {
		detail = detail[:300] + "..."
	}
	e := &Error{Description: fmt.Sprintf("the pipeline's OIDC token endpoint %s answered HTTP %d: %s", redactQuery(r.requestURL), status, detail),
		Status: status, Setting: SettingOIDCRequestToken, kind: kindOther}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.fix = "The request token was refused. In GitHub Actions give the job `permissions: id-token: write`; in Azure " +
			"Pipelines pass SYSTEM_ACCESSTOKEN to the step (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)). Or check oidc_request_token."
	case !r.github && status == http.StatusNotFound:
		e.Setting = SettingADOServiceConnectionID
		e.fix = "Azure DevOps knows no service connection with this ID: check ado_pipeline_service_connection_id " +
			"(ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID) and that the pipeline may use the connection."
	default:
		e.Setting = SettingOIDCRequestURL
		e.fix = "Check oidc_request_url (ARM_OIDC_REQUEST_URL); retry if the pipeline's service was unavailable."
	}
	return e
}

// redactQuery drops the query of a request URL for messages: it can carry tokens.
func redactQuery(raw string) string {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		return raw[:i]
	}
	return raw
}

// FederatedOptions configure NewFederatedCredential.
type FederatedOptions struct {
	AuthorityHost string
	TenantID      string
	ClientID      string
	Source        AssertionSource
	HTTPClient    *http.Client
}

type federatedCredential struct {
	client    confidential.Client
	authority string
	source    AssertionSource
}

// NewFederatedCredential signs in as the application o.ClientID with the federated token
// o.Source yields. It makes no network call.
func NewFederatedCredential(o FederatedOptions) (Credential, error) {
	authority, hc, err := appAuthority(o.AuthorityHost, o.TenantID, o.ClientID, o.HTTPClient)
	if err != nil {
		return nil, err
	}
	src := o.Source
	cred := confidential.NewCredFromAssertionCallback(func(ctx context.Context, _ confidential.AssertionRequestOptions) (string, error) {
		return src.Assertion(ctx)
	})
	client, err := confidential.New(authority, strings.TrimSpace(o.ClientID), cred,
		confidential.WithHTTPClient(withTokenRetry(hc)), confidential.WithInstanceDiscovery(false))
	if err != nil {
		return nil, configError(SettingAuthorityHost, "invalid authority "+authority+": "+err.Error())
	}
	return &federatedCredential{client: client, authority: authority, source: src}, nil
}

func (c *federatedCredential) Token(ctx context.Context, resource string) (AccessToken, error) {
	if strings.TrimSpace(resource) == "" {
		return AccessToken{}, errors.New("auth: token requested for an empty resource")
	}
	res, err := c.client.AcquireTokenByCredential(ctx, []string{scopeFor(resource)})
	if err != nil {
		var own *Error
		if errors.As(err, &own) { // the assertion source's own error, passed through by MSAL
			return AccessToken{}, own
		}
		return AccessToken{}, fromMSAL(ctx, err, c.authority, "")
	}
	return AccessToken{Value: res.AccessToken, ExpiresOn: res.ExpiresOn}, nil
}

// appAuthority checks the settings every app-only credential needs and returns its authority
// URL and HTTP client.
func appAuthority(authorityHost, tenantID, clientID string, hc *http.Client) (string, *http.Client, error) {
	host := strings.TrimRight(strings.TrimSpace(authorityHost), "/")
	if host == "" {
		host = Global.AuthorityHost
	}
	switch {
	case strings.TrimSpace(tenantID) == "":
		return "", nil, configError(SettingTenantID, "tenant_id is empty")
	case strings.TrimSpace(clientID) == "":
		return "", nil, configError(SettingClientID, "client_id is empty")
	case !strings.HasPrefix(strings.ToLower(host), "https://"):
		return "", nil, configError(SettingAuthorityHost, "authority_host must be an https URL, got "+host)
	}
	if hc == nil {
		var err error
		if hc, err = NewHTTPClient(""); err != nil {
			return "", nil, err
		}
	}
	return host + "/" + strings.TrimSpace(tenantID), hc, nil
}
