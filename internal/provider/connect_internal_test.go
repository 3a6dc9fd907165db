package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
)

// countingCredential signs in as an application of tenantID, or fails with err; a call whose
// context has ended fails as a credential does then, with the context's error.
type countingCredential struct {
	tenantID string
	err      error
	calls    int
}

func (c *countingCredential) Token(ctx context.Context, _ string) (auth.AccessToken, error) {
	c.calls++
	if err := ctx.Err(); err != nil {
		return auth.AccessToken{}, fmt.Errorf("acquiring a token: %w", err)
	}
	if c.err != nil {
		return auth.AccessToken{}, c.err
	}
	payload, _ := json.Marshal(map[string]any{"tid": c.tenantID, "appid": "00000000-0000-0000-0000-0000000000aa", "idtyp": "app"})
	enc := base64.RawURLEncoding.EncodeToString
	return auth.AccessToken{Value: enc([]byte(`{"alg":"none"}`)) + "." + enc(payload) + ".sig", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func sessionWith(cred auth.Credential) *providerData {
	s := settings{cloud: auth.Global, method: methodClientSecret}
	return &providerData{cloud: s.cloud, session: &session{s: s, cred: cred, httpClient: http.DefaultClient}}
}

// TestOpenSignsInAgainAfterACancelledSignIn: the lazy sign-in keeps its first outcome, except
// one cut short by its context (Ctrl-C, a cancelled walk): the next call, with a live context,
// signs in again and succeeds. A real failure (a wrong secret) is kept and reported again
// without another sign-in.
func TestOpenSignsInAgainAfterACancelledSignIn(t *testing.T) {
	const tenantID = "4a1f6b2e-8c3d-4e5f-9a0b-1c2d3e4f5a6b"
	for _, tc := range []struct {
		name string
		dead func() (context.Context, context.CancelFunc)
	}{
		{"cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}},
		{"deadline passed", func() (context.Context, context.CancelFunc) {
			return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cred := &countingCredential{tenantID: tenantID}
			d := sessionWith(cred)
			dead, cancel := tc.dead()
			defer cancel()
			if diags := d.open(dead); !diags.HasError() {
				t.Fatal("a sign-in with an ended context succeeded")
			}
			if diags := d.open(context.Background()); diags.HasError() {
				t.Fatalf("the sign-in after a %s one failed: %v", tc.name, diags)
			}
			if cred.calls != 2 || d.tenant == nil || d.tenantID != tenantID {
				t.Fatalf("%d sign-ins, tenant %v, tenant ID %q; want 2, a client and %s", cred.calls, d.tenant, d.tenantID, tenantID)
			}
			if diags := d.open(context.Background()); diags.HasError() || cred.calls != 2 {
				t.Fatalf("a signed-in session signed in again (%d) or failed: %v", cred.calls, diags)
			}
		})
	}

	t.Run("wrong secret", func(t *testing.T) {
		cred := &countingCredential{tenantID: tenantID, err: errors.New("AADSTS7000215: Invalid client secret provided.")}
		d := sessionWith(cred)
		first, again := d.open(context.Background()), d.open(context.Background())
		if !first.HasError() || !again.HasError() || cred.calls != 1 {
			t.Fatalf("errors %v then %v after %d sign-ins; want the same error twice from one sign-in", first, again, cred.calls)
		}
	})
}
