package auth

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"
)

func jwt(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"typ":"JWT","alg":"RS256"}`)) + "." + enc([]byte(payload)) + ".c2ln"
}

func TestParseClaims(t *testing.T) {
	tests := []struct {
		name    string
		token   string
		want    Claims
		wantErr string
	}{
		{name: "app-only v1",
			token: jwt(`{"aud":"https://graph.microsoft.com","tid":"t1","appid":"a1","oid":"o1","roles":["Application.ReadWrite.All","User.Read.All"],"exp":1700000000}`),
			want:  Claims{TenantID: "t1", AppID: "a1", ObjectID: "o1", Audience: "https://graph.microsoft.com", Roles: []string{"Application.ReadWrite.All", "User.Read.All"}, ExpiresAt: time.Unix(1700000000, 0).UTC()}},
		{name: "delegated v2 with azp and array aud",
			token: jwt(`{"aud":["00000003-0000-0000-c000-000000000000"],"tid":"t1","azp":"a2","scp":"User.Read  Mail.Send openid","exp":1700000000.5}`),
			want:  Claims{TenantID: "t1", AppID: "a2", Audience: "00000003-0000-0000-c000-000000000000", Scopes: []string{"User.Read", "Mail.Send", "openid"}, ExpiresAt: time.Unix(1700000000, 0).UTC()}},
		{name: "padded payload",
			token: "x." + base64.URLEncoding.EncodeToString([]byte(`{"tid":"t"}`)) + ".y",
			want:  Claims{TenantID: "t"}},
		{name: "not a JWT", token: "opaque-token-value", wantErr: "not a JWT"},
		{name: "bad base64", token: "a.!!!.c", wantErr: "base64url"},
		{name: "bad JSON", token: "a." + base64.RawURLEncoding.EncodeToString([]byte("nope")) + ".c", wantErr: "not JSON"},
		{name: "bad exp", token: jwt(`{"exp":"soon"}`), wantErr: "not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseClaims(tt.token)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), tt.token) {
					t.Fatal("error echoes the token")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.TenantID != tt.want.TenantID || got.AppID != tt.want.AppID || got.ObjectID != tt.want.ObjectID ||
				got.Audience != tt.want.Audience || !got.ExpiresAt.Equal(tt.want.ExpiresAt) ||
				!slices.Equal(got.Roles, tt.want.Roles) || !slices.Equal(got.Scopes, tt.want.Scopes) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestLookupCloud(t *testing.T) {
	// The azuread provider's names and aliases, each to the cloud's own sign-in host and Graph.
	for name, want := range map[string]struct{ cloud, login, graph string }{
		"global":         {"global", "https://login.microsoftonline.com", "https://graph.microsoft.com"},
		"public":         {"global", "https://login.microsoftonline.com", "https://graph.microsoft.com"},
		"usgovernment":   {"usgovernment", "https://login.microsoftonline.us", "https://graph.microsoft.us"},
		"usgovernmentl4": {"usgovernment", "https://login.microsoftonline.us", "https://graph.microsoft.us"},
		"dod":            {"dod", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us"},
		"usgovernmentl5": {"dod", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us"},
		"china":          {"china", "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"},
	} {
		c, ok := LookupCloud(strings.ToUpper(name))
		if !ok || c.Name != want.cloud || c.AuthorityHost != want.login || c.GraphEndpoint != want.graph || c.GraphResource != want.graph {
			t.Errorf("LookupCloud(%q) = %+v, %v; want %+v", name, c, ok, want)
		}
	}
	for _, name := range CloudNames() {
		if _, ok := LookupCloud(name); !ok {
			t.Errorf("CloudNames lists %q, which LookupCloud refuses", name)
		}
	}
	if c, ok := LookupCloud(""); !ok || c != Global {
		t.Errorf("empty name should mean global")
	}
	if _, ok := LookupCloud("germany"); ok {
		t.Errorf("germany is retired and must not be accepted")
	}
}
