package emulator

import (
	"mime"
	"net/http"
	"strings"
	"time"
)

// The token request endpoints of CI systems, as the Azure SDKs call them to get the assertion
// of a federated sign-in: GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL and Azure Pipelines'
// SYSTEM_OIDCREQUESTURI. Their tokens come from the "github" and "ado" issuers
// (oidcissuer.go). A run is set up with Portal.GitHubActionsRun or
// Portal.AzureDevOpsServiceConnection.

const (
	githubIssuer = "github"
	adoIssuer    = "ado"
	// ciTokenLifetime: GitHub's tokens live about five minutes (reference §5); the emulator
	// gives Azure Pipelines' the same.
	ciTokenLifetime = 5 * time.Minute
	// adoDefaultAudience is the aud of an Azure Pipelines token when the request names none.
	adoDefaultAudience = "api://AzureADTokenExchange"
)

// adoConnection is a service connection, as a pipeline holding accessToken may use it.
type adoConnection struct {
	accessToken string
	subject     string
}

// newGitHubRun registers a workflow run whose tokens carry subject, and returns its request
// token.
func (o *oidcIssuers) newGitHubRun(subject string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	tok := randomToken(32)
	if o.github == nil {
		o.github = map[string]string{}
	}
	o.github[tok] = subject
	return tok
}

func (o *oidcIssuers) gitHubRun(requestToken string) (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	sub, ok := o.github[requestToken]
	return sub, ok && requestToken != ""
}

// newADOConnection registers a service connection whose tokens carry subject, usable by a
// pipeline holding the returned access token.
func (o *oidcIssuers) newADOConnection(subject string) (accessToken, connectionID string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ado == nil {
		o.ado = map[string]adoConnection{}
	}
	accessToken, connectionID = randomToken(32), newGUID()
	o.ado[connectionID] = adoConnection{accessToken: accessToken, subject: subject}
	return accessToken, connectionID
}

// adoCaller reports whether accessToken is a pipeline's System.AccessToken.
func (o *oidcIssuers) adoCaller(accessToken string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, c := range o.ado {
		if accessToken != "" && c.accessToken == accessToken {
			return true
		}
	}
	return false
}

// adoConnectionFor finds a service connection the pipeline holding accessToken may use; one
// of another pipeline is as unknown to it as one that does not exist.
func (o *oidcIssuers) adoConnectionFor(id, accessToken string) (adoConnection, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.ado[strings.ToLower(id)]
	return c, ok && c.accessToken == accessToken
}

// bearerToken reads an Authorization: Bearer header.
func bearerToken(r *http.Request) string {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// serveGitHubIDToken answers GitHub Actions' token request: GET with the run's request token,
// audience in the query (other query keys, such as api-version, are the URL's own).
func (e *Emulator) serveGitHubIDToken(w http.ResponseWriter, r *http.Request, _ string) {
	subject, ok := e.oidc.gitHubRun(bearerToken(r))
	if !ok {
		// Emulator's wording: no public source shows this endpoint's 401 body.
		writeJSON(w, http.StatusUnauthorized, "application/json; charset=utf-8", map[string]any{"message": "Bad credentials: the bearer token is not this run's ACTIONS_ID_TOKEN_REQUEST_TOKEN."})
		return
	}
	aud := r.URL.Query().Get("audience")
	if aud == "" {
		aud = githubDefaultAudience(subject)
	}
	tok, err := e.mintOIDCToken(githubIssuer, subject, aud, ciTokenLifetime, nil)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, "application/json; charset=utf-8", map[string]any{"message": "The token could not be signed."})
		return
	}
	// GitHub wraps the token in a VSS string value, whose count is its length.
	writeJSON(w, http.StatusOK, "application/json; charset=utf-8", map[string]any{"count": len(tok), "value": tok})
}

// githubDefaultAudience is GitHub's aud when a request names none: the URL of the repository
// owner, "https://github.com/OWNER" for a subject "repo:OWNER/REPO:..." (an immutable subject's
// "OWNER@id" counts by its name).
func githubDefaultAudience(subject string) string {
	rest, ok := strings.CutPrefix(subject, "repo:")
	owner, _, found := strings.Cut(rest, "/")
	owner, _, _ = strings.Cut(owner, "@")
	if !ok || !found || owner == "" {
		return "https://github.com"
	}
	return "https://github.com/" + owner
}

// serveAzureDevOpsOIDCToken answers Azure Pipelines' token request for a service connection:
// POST with the pipeline's System.AccessToken, api-version=7.1, serviceConnectionId and an
// optional audience. The error bodies take Azure DevOps' shape ({"$id","innerException",
// "message",...}); the texts are the emulator's, but for the one azidentity's troubleshooting
// guide quotes.
func (e *Emulator) serveAzureDevOpsOIDCToken(w http.ResponseWriter, r *http.Request, _ string) {
	token := bearerToken(r)
	if !e.oidc.adoCaller(token) {
		writeADOError(w, http.StatusUnauthorized, "TF400813: Resource not available for anonymous access. Client authentication required.")
		return
	}
	if v := adoAPIVersion(r); !adoVersionServed(v) {
		writeADOError(w, http.StatusBadRequest, adoVersionMessage(r.Method, v))
		return
	}
	q := r.URL.Query()
	id := q.Get("serviceConnectionId")
	conn, ok := e.oidc.adoConnectionFor(id, token)
	if !ok {
		writeADOError(w, http.StatusNotFound, "No service connection found with identifier "+id+".")
		return
	}
	aud := q.Get("audience")
	if aud == "" {
		aud = adoDefaultAudience
	}
	tok, err := e.mintOIDCToken(adoIssuer, conn.subject, aud, ciTokenLifetime, nil)
	if err != nil {
		writeADOError(w, http.StatusInternalServerError, "The token could not be signed.")
		return
	}
	writeJSON(w, http.StatusOK, "application/json; charset=utf-8", map[string]any{"oidcToken": tok})
}

// adoAPIVersion reads api-version from the query or, as Azure DevOps also takes it, from the
// Accept header's parameter.
func adoAPIVersion(r *http.Request) string {
	if v := r.URL.Query().Get("api-version"); v != "" {
		return v
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if _, params, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && params["api-version"] != "" {
			return params["api-version"]
		}
	}
	return ""
}

// adoVersionServed: 7.1 is the version the SDKs send; the REST reference names the endpoint
// 7.1-preview.1.
func adoVersionServed(v string) bool {
	return v == "7.1" || v == "7.1-preview" || v == "7.1-preview.1"
}

func adoVersionMessage(method, v string) string {
	if v == "" {
		return `No api-version was supplied for the "` + method + `" request. The version must be supplied either as part of the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter (e.g. '?api-version=1.0').`
	}
	return "The requested REST API version of " + v + " is not served by this endpoint. Use api-version=7.1."
}

func writeADOError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, "application/json; charset=utf-8", map[string]any{
		"$id": "1", "innerException": nil, "message": msg, "errorCode": 0, "eventId": 3000,
	})
}
