package emulator_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// githubTokenRequest asks for a GitHub Actions OIDC token as go-azure-sdk does
// (github_oidc_authorizer.go): GET ACTIONS_ID_TOKEN_REQUEST_URL plus &audience=, bearer
// ACTIONS_ID_TOKEN_REQUEST_TOKEN.
func githubTokenRequest(t *testing.T, e *emulator.Emulator, requestURL, requestToken, audience string) (int, map[string]any) {
	t.Helper()
	u := requestURL
	if audience != "" {
		u += "&audience=" + url.QueryEscape(audience)
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if requestToken != "" {
		req.Header.Set("Authorization", "Bearer "+requestToken)
	}
	return do(t, e, req)
}

// TestGitHubActionsTokens: a workflow run's token request answers a token of the "github"
// issuer for the run's subject, which signs in through a federated credential.
func TestGitHubActionsTokens(t *testing.T) {
	e := start(t, emulator.Options{})
	p := e.Portal()
	const subject = "repo:contoso/migrate:ref:refs/heads/main"
	requestURL, requestToken := p.GitHubActionsRun(subject)
	if !strings.Contains(requestURL, "?") {
		t.Fatalf("request URL %s has no query: clients append &audience=", requestURL)
	}

	status, body := githubTokenRequest(t, e, requestURL, requestToken, tokenExchangeAudience)
	if status != 200 {
		t.Fatalf("token request: %d %v", status, body)
	}
	tok := as[string](t, body["value"])
	if body["count"] != float64(len(tok)) {
		t.Fatalf("count %v for a value of %d characters", body["count"], len(tok))
	}
	c := claims(t, tok)
	if c["iss"] != p.OIDCIssuer("github") || c["sub"] != subject || c["aud"] != tokenExchangeAudience {
		t.Fatalf("claims %v", c)
	}
	if _, key := jwksKey(t, e, p.OIDCIssuer("github")); !verifies(tok, key) {
		t.Fatal("the token does not verify with the github issuer's published key")
	}
	app := federatedApp(t, e, p.OIDCIssuer("github"), subject)
	access, err := assertionSignIn(t, e, app.AppID, tok)
	if err != nil || claims(t, access)["appid"] != app.AppID {
		t.Fatalf("sign-in with the run's token: %v", err)
	}

	// Without an audience GitHub's default is the owner's URL.
	status, body = githubTokenRequest(t, e, requestURL, requestToken, "")
	if status != 200 || claims(t, as[string](t, body["value"]))["aud"] != "https://github.com/contoso" {
		t.Fatalf("default audience: %d %v", status, body)
	}

	for name, bearer := range map[string]string{"wrong token": "not-the-token", "no token": ""} {
		status, body := githubTokenRequest(t, e, requestURL, bearer, tokenExchangeAudience)
		if status != 401 || body["message"] == nil || body["value"] != nil {
			t.Errorf("%s: %d %v, want 401 with a message", name, status, body)
		}
	}
}

// adoTokenRequest asks for an Azure Pipelines OIDC token as go-azure-sdk does
// (ado_pipeline_oidc_authorizer.go): POST SYSTEM_OIDCREQUESTURI?api-version=7.1&
// serviceConnectionId=...&audience=..., bearer System.AccessToken. query is appended as is.
func adoTokenRequest(t *testing.T, e *emulator.Emulator, requestURL, accessToken, query string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, requestURL+"?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-TFS-FedAuthRedirect", "Suppress") // azidentity's AzurePipelinesCredential
	return do(t, e, req)
}

// TestAzureDevOpsTokens: a pipeline's token request for its service connection answers a
// token of the "ado" issuer, and each documented failure answers as Azure DevOps does.
func TestAzureDevOpsTokens(t *testing.T) {
	e := start(t, emulator.Options{})
	p := e.Portal()
	const subject = "sc://contoso/migrate/stellar"
	requestURL, accessToken, connectionID := p.AzureDevOpsServiceConnection(subject)
	if strings.Contains(requestURL, "?") {
		t.Fatalf("request URL %s has a query: clients add ?api-version=", requestURL)
	}
	q := "api-version=7.1&serviceConnectionId=" + connectionID

	status, body := adoTokenRequest(t, e, requestURL, accessToken, q)
	if status != 200 {
		t.Fatalf("token request: %d %v", status, body)
	}
	tok := as[string](t, body["oidcToken"])
	c := claims(t, tok)
	if c["iss"] != p.OIDCIssuer("ado") || c["sub"] != subject || c["aud"] != tokenExchangeAudience {
		t.Fatalf("claims %v (the audience defaults to %s)", c, tokenExchangeAudience)
	}
	app := federatedApp(t, e, p.OIDCIssuer("ado"), subject)
	if _, err := assertionSignIn(t, e, app.AppID, tok); err != nil {
		t.Fatalf("sign-in with the pipeline's token: %v", err)
	}
	status, body = adoTokenRequest(t, e, requestURL, accessToken, q+"&audience="+url.QueryEscape("api://AzureADTokenExchangeChina"))
	if status != 200 || claims(t, as[string](t, body["oidcToken"]))["aud"] != "api://AzureADTokenExchangeChina" {
		t.Fatalf("audience asked for: %d %v", status, body)
	}

	_, otherPipeline, _ := p.AzureDevOpsServiceConnection("sc://contoso/other/x")
	unknown := "0b6f1bd2-0d52-4c4c-9a3e-7fd1a4d1c0de"
	for _, tc := range []struct {
		name, token, query string
		status             int
		msg                string
	}{
		{"unknown connection", accessToken, "api-version=7.1&serviceConnectionId=" + unknown, 404, "No service connection found with identifier " + unknown},
		{"another pipeline's token", otherPipeline, q, 404, "No service connection found with identifier " + connectionID},
		{"wrong access token", "not-the-token", q, 401, ""},
		{"no api-version", accessToken, "serviceConnectionId=" + connectionID, 400, "api-version"},
		{"another api-version", accessToken, "api-version=6.0&serviceConnectionId=" + connectionID, 400, "6.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := adoTokenRequest(t, e, requestURL, tc.token, tc.query)
			msg, _ := body["message"].(string)
			if status != tc.status || body["oidcToken"] != nil || !strings.Contains(msg, tc.msg) {
				t.Fatalf("%d %v, want %d with a message containing %q", status, body, tc.status, tc.msg)
			}
		})
	}
}
