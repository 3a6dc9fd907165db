package tenant

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
)

func TestNormalizeEndpoint(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"", "https://graph.microsoft.com", ""},
		{"https://graph.microsoft.us/", "https://graph.microsoft.us", ""},
		{"https://graph.microsoft.com/v1.0/", "https://graph.microsoft.com", ""},
		{"https://127.0.0.1:8443", "https://127.0.0.1:8443", ""},
		{"http://127.0.0.1:8443", "http://127.0.0.1:8443", ""},
		{"http://graph.microsoft.com", "", "must use https"},
		{"graph.microsoft.com", "", "not a base URL"},
		{"https://graph.microsoft.com/?x=1", "", "not a base URL"},
	}
	for _, tt := range tests {
		u, err := normalizeEndpoint(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err=%v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || u.String() != tt.want {
			t.Errorf("%q: got %v, %v; want %s", tt.in, u, err, tt.want)
		}
	}
}

// The token goes to the configured endpoint's host (including 127.0.0.1,
// which kiota's Azure provider would silently skip) and nowhere else, and
// is always asked for the configured resource, not the endpoint.
func TestTokenProviderHosts(t *testing.T) {
	var asked []string
	p := &tokenProvider{resource: "https://graph.microsoft.com", tokens: func(_ context.Context, r string) (string, error) { asked = append(asked, r); return "tok", nil }}
	p.hosts, _ = absauth.NewAllowedHostsValidatorErrorCheck([]string{"127.0.0.1"})
	ctx := context.Background()
	for _, tt := range []struct {
		url  string
		want bool
	}{
		{"https://127.0.0.1:8443/v1.0/applications", true},
		{"https://127.0.0.1:9999/v1.0/applications", true}, // kiota compares host names, not ports
		{"https://graph.microsoft.com/v1.0/applications", false},
		{"https://evil.example/v1.0/applications", false},
	} {
		u, _ := url.Parse(tt.url)
		tok, err := p.GetAuthorizationToken(ctx, u, nil)
		if (err == nil && tok == "tok") != tt.want {
			t.Errorf("%s: tok=%q err=%v, want sent=%v", tt.url, tok, err, tt.want)
		}
	}
	if !slices.Equal(asked, []string{"https://graph.microsoft.com", "https://graph.microsoft.com"}) {
		t.Errorf("resources asked: %v", asked)
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("Tokens is required")
	}
	tok := func(context.Context, string) (string, error) { return "", nil }
	if _, err := New(Config{Tokens: tok, Endpoint: "http://graph.microsoft.com"}); err == nil {
		t.Error("plain http to a remote host must be refused")
	}
	c, err := New(Config{Tokens: tok, Backoff: Backoff{Initial: time.Millisecond}})
	if err != nil || c.backoff.Initial != time.Millisecond || c.backoff.Timeout != DefaultBackoff.Timeout {
		t.Errorf("c=%+v err=%v", c, err)
	}
}
