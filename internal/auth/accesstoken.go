package auth

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// A ready access token is for pipelines that already hold one (an earlier step's
// `az account get-access-token`, a token broker): the provider uses it as it is, and can
// neither renew it nor ask for another audience, so both are checked up front and reported
// against access_token.

type staticToken struct {
	value  string
	claims Claims
	now    func() time.Time
}

// NewAccessTokenCredential uses token, a Microsoft Graph access token. now is the clock the
// expiry is judged by (time.Now outside tests).
func NewAccessTokenCredential(token string, now func() time.Time) (Credential, error) {
	token = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(token), "Bearer "))
	c, err := ParseClaims(token)
	if err != nil {
		return nil, &Error{Description: "access_token is not a Microsoft Entra access token: " + err.Error(), Setting: SettingAccessToken,
			kind: kindConfig, fix: "Give the access token itself (a JWT, three dot-separated parts), for example the accessToken of " +
				"`az account get-access-token --resource-type ms-graph`."}
	}
	if now == nil {
		now = time.Now
	}
	return &staticToken{value: token, claims: c, now: now}, nil
}

// Claims of the ready token, for checks against tenant_id before any request.
func (s *staticToken) Claims() Claims { return s.claims }

func (s *staticToken) Token(_ context.Context, resource string) (AccessToken, error) {
	if !sameAudience(s.claims.Audience, resource) {
		return AccessToken{}, &Error{Description: fmt.Sprintf("access_token is for %q, but the provider calls %q", s.claims.Audience, resource),
			Setting: SettingAccessToken, kind: kindConfig,
			fix: "Get a token for Microsoft Graph of the configured environment, for example `az account get-access-token " +
				"--resource-type ms-graph`, or set environment to the token's cloud."}
	}
	if !s.claims.ExpiresAt.IsZero() && !s.now().Before(s.claims.ExpiresAt) {
		return AccessToken{}, &Error{Description: "access_token expired at " + s.claims.ExpiresAt.UTC().Format(time.RFC3339),
			Setting: SettingAccessToken, kind: kindConfig,
			fix: "A ready token cannot be renewed by the provider: fetch a fresh one right before terraform runs, or use a sign-in " +
				"method the provider can renew (use_oidc, use_msi, client_certificate)."}
	}
	return AccessToken{Value: s.value, ExpiresOn: s.claims.ExpiresAt}, nil
}

// sameAudience compares a token's aud with a resource URI. Graph's v1 tokens carry the
// resource URI, v2 ones its appId; both mean Microsoft Graph in every cloud.
func sameAudience(aud, resource string) bool {
	norm := func(s string) string { return strings.ToLower(strings.TrimRight(strings.TrimSpace(s), "/")) }
	if norm(aud) == norm(resource) {
		return true
	}
	const graphAppID = "00000003-0000-0000-c000-000000000000"
	return norm(aud) == graphAppID && strings.Contains(norm(resource), "graph")
}
