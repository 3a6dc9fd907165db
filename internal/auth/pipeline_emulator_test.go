package auth_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// The pipeline sign-ins ride out throttling like the others: each endpoint a pipeline
// method calls answers 429 (or 503) once, and the sign-in still succeeds with one retry.
func TestPipelineSignInRetriesThrottling(t *testing.T) {
	const subject = "repo:contoso/migration:ref:refs/heads/main"
	for _, tc := range []struct {
		name, method, path string
		status             int
		credential         func(t *testing.T, e *emulator.Emulator) auth.Credential
	}{
		{"GitHub Actions' token endpoint", "GET", "/issuers/github/actions/idtoken$", 429, func(t *testing.T, e *emulator.Emulator) auth.Credential {
			u, tok := e.Portal().GitHubActionsRun(subject)
			return federated(t, e, "github", subject, auth.GitHubActionsAssertion(u, tok, httpClient(t, e)))
		}},
		{"Azure DevOps' token endpoint", "POST", "/issuers/ado/oidctoken$", 503, func(t *testing.T, e *emulator.Emulator) auth.Credential {
			u, tok, id := e.Portal().AzureDevOpsServiceConnection(subject)
			return federated(t, e, "ado", subject, auth.AzureDevOpsAssertion(u, tok, id, httpClient(t, e)))
		}},
		{"the token service, for a federated token", "POST", "/oauth2/v2.0/token$", 429, func(t *testing.T, e *emulator.Emulator) auth.Credential {
			return federated(t, e, "ci", subject, auth.StaticAssertion(e.Portal().IssueOIDCToken("ci", subject, auth.TokenExchangeAudience, time.Hour)))
		}},
		{"an IMDS-shaped endpoint", "GET", "/metadata/identity/oauth2/token$", 429, func(t *testing.T, e *emulator.Emulator) auth.Credential {
			e.Portal().CreateManagedIdentity("vm", false, "Application.ReadWrite.All")
			c, err := auth.NewManagedIdentityCredential(auth.ManagedIdentityOptions{Endpoint: e.IMDSEndpoint(), HTTPClient: httpClient(t, e)})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startEmulator(t)
			cred := tc.credential(t, e)
			e.Inject(emulator.Fault{Method: tc.method, PathRegexp: tc.path, Status: tc.status, RetryAfter: "0.1", Times: 1})
			tok, err := cred.Token(context.Background(), graph)
			if err != nil {
				t.Fatalf("sign-in after one %d from %s: %v", tc.status, tc.path, err)
			}
			c, err := auth.ParseClaims(tok.Value)
			if err != nil || !slices.Contains(c.Roles, "Application.ReadWrite.All") {
				t.Fatalf("token roles %v (%v), want Application.ReadWrite.All", c.Roles, err)
			}
			var calls []int
			re := regexp.MustCompile(tc.path)
			for _, r := range e.Requests() {
				if r.Method == tc.method && re.MatchString(r.Path) {
					calls = append(calls, r.Status)
				}
			}
			if len(calls) != 2 || calls[0] != tc.status || calls[1] != 200 {
				t.Fatalf("calls to %s answered %v, want %d then 200", tc.path, calls, tc.status)
			}
		})
	}
}

// A ready token is checked before use: its audience and its expiry, against access_token.
func TestAccessTokenCredential(t *testing.T) {
	e := startEmulator(t)
	s := e.Seed()
	tok, err := credential(t, e, s.TenantID, s.BootstrapClientID, s.BootstrapSecret).Token(context.Background(), graph)
	if err != nil {
		t.Fatal(err)
	}
	at := func(now time.Time) auth.Credential {
		c, err := auth.NewAccessTokenCredential("Bearer "+tok.Value, func() time.Time { return now })
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if got, err := at(time.Now()).Token(context.Background(), graph+"/"); err != nil || got.Value != tok.Value {
		t.Fatalf("a fresh Graph token is refused: %v", err)
	}
	var ae *auth.Error
	if _, err := at(time.Now()).Token(context.Background(), "https://graph.microsoft.us"); !errors.As(err, &ae) || ae.Setting != auth.SettingAccessToken {
		t.Fatalf("a token for another cloud's Graph: %v, want an error on access_token", err)
	}
	if _, err := at(tok.ExpiresOn.Add(time.Second)).Token(context.Background(), graph); !errors.As(err, &ae) || ae.Setting != auth.SettingAccessToken {
		t.Fatalf("an expired token: %v, want an error on access_token", err)
	}
}

func httpClient(t *testing.T, e *emulator.Emulator) *http.Client {
	t.Helper()
	hc, err := auth.NewHTTPClient(e.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	return hc
}

// federated is the bootstrap application, trusting issuer's tokens for subject, signing in
// with src.
func federated(t *testing.T, e *emulator.Emulator, issuer, subject string, src auth.AssertionSource) auth.Credential {
	t.Helper()
	s := e.Seed()
	app, _ := e.Portal().ApplicationByAppID(s.BootstrapClientID)
	if _, err := e.Portal().AddFederatedCredential(app.ObjectID, emulator.FederatedCredential{Name: issuer, Issuer: e.Portal().OIDCIssuer(issuer),
		Subject: subject, Audiences: []string{auth.TokenExchangeAudience}}); err != nil {
		t.Fatal(err)
	}
	c, err := auth.NewFederatedCredential(auth.FederatedOptions{AuthorityHost: e.URL(), TenantID: s.TenantID, ClientID: s.BootstrapClientID,
		Source: src, HTTPClient: httpClient(t, e)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
