package emulator

import (
	"time"
)

// The Portal's side of workload identity federation: an application's federated identity
// credentials, and the identity providers whose tokens they trust (the emulator's own OIDC
// issuers and the CI runs that request them).

// AddFederatedCredential adds a federated identity credential to an application, as the
// portal's "Certificates & secrets > Federated credentials" page does, with Graph's rules (name
// unique, issuer and subject unique together, exactly one audience, at most 20). It returns
// the credential with its id.
func (p *Portal) AddFederatedCredential(objectID string, fc FederatedCredential) (FederatedCredential, error) {
	fc.Audiences = append([]string(nil), fc.Audiences...)
	_, out, err := p.store().addFederatedCredential(byID(objectID), fc, portalView())
	if err != nil {
		return FederatedCredential{}, notFound("application "+objectID, err)
	}
	return out, nil
}

// FederatedCredentials returns a live application's federated identity credentials, oldest
// first; none for an unknown application.
func (p *Portal) FederatedCredentials(objectID string) []FederatedCredential {
	_, list, _ := p.store().federatedCredentials(byID(objectID), portalView())
	return list
}

// OIDCIssuer is the issuer URL (the iss of its tokens) of the emulator's OIDC issuer name:
// URL()+"/issuers/"+name. Any name, one path segment, is an issuer, with a signing key of its
// own; "github" and "ado" are the ones GitHubActionsRun and AzureDevOpsServiceConnection use.
func (p *Portal) OIDCIssuer(name string) string { return p.e.issuerURL(name) }

// IssueOIDCToken returns an RS256 token of the emulator's issuer named issuer, with sub, aud,
// iat, nbf, exp and jti, valid for lifetime from now. A negative lifetime mints a token that
// has already expired (Entra allows five minutes of clock skew, so expire it by more to see
// AADSTS700024).
func (p *Portal) IssueOIDCToken(issuer, subject string, audience string, lifetime time.Duration) string {
	tok, err := p.e.mintOIDCToken(issuer, subject, audience, lifetime, nil)
	if err != nil {
		panic(err) // signing with a fresh RSA key does not fail
	}
	return tok
}

// GitHubActionsRun sets up a GitHub Actions workflow run whose OIDC tokens carry subject (e.g.
// "repo:contoso/migrate:ref:refs/heads/main") and returns what the run's environment holds:
// ACTIONS_ID_TOKEN_REQUEST_URL, which already has a query (clients append "&audience=..."), and
// ACTIONS_ID_TOKEN_REQUEST_TOKEN. The tokens' issuer is OIDCIssuer("github").
func (p *Portal) GitHubActionsRun(subject string) (requestURL, requestToken string) {
	return p.e.url + issuerPath + githubIssuer + "/actions/idtoken?api-version=2.0", p.e.oidc.newGitHubRun(subject)
}

// AzureDevOpsServiceConnection sets up an Azure DevOps service connection whose OIDC tokens
// carry subject (Azure DevOps uses "sc://ORG/PROJECT/CONNECTION") and a pipeline allowed to use
// it, and returns the pipeline's SYSTEM_OIDCREQUESTURI (without query: clients add
// "?api-version=7.1&serviceConnectionId=..."), its System.AccessToken and the connection's id.
// The tokens' issuer is OIDCIssuer("ado").
func (p *Portal) AzureDevOpsServiceConnection(subject string) (requestURL, accessToken, connectionID string) {
	accessToken, connectionID = p.e.oidc.newADOConnection(subject)
	return p.e.url + issuerPath + adoIssuer + "/oidctoken", accessToken, connectionID
}
