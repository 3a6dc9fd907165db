package validation

import (
	"strings"
	"testing"
)

func TestInputProblems(t *testing.T) {
	const guid = "7d3c9a10-2b4e-4f6a-8c1d-5e9f0a2b3c4d"
	tests := []struct {
		name                  string
		tenant, client, email string
		wantAttrs             []string
	}{
		{"all good with GUID tenant", guid, guid, "adele.vance@contoso.com", nil},
		{"all good with domain tenant", "contoso.onmicrosoft.com", guid, "a@contoso.com", nil},
		{"tenant is a bare word", "contoso", guid, "a@contoso.com", []string{"tenant_id"}},
		{"tenant is a URL", "https://login.microsoftonline.com/contoso.com", guid, "a@contoso.com", []string{"tenant_id"}},
		{"client is a display name", guid, "Stellar Migrator", "a@contoso.com", []string{"client_id"}},
		{"email without domain", guid, guid, "adele", []string{"email_address"}},
		{"email with display name", guid, guid, "Adele <adele@contoso.com>", []string{"email_address"}},
		{"email with bare host", guid, guid, "adele@contoso", []string{"email_address"}},
		{"everything wrong", "x", "y", "z", []string{"tenant_id", "client_id", "email_address"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := InputProblems(tt.tenant, tt.client, tt.email)
			if len(got) != len(tt.wantAttrs) {
				t.Fatalf("got %d problems %v, want %v", len(got), got, tt.wantAttrs)
			}
			for i, attr := range tt.wantAttrs {
				if !strings.HasPrefix(got[i], attr+" ") {
					t.Errorf("problem %d = %q, want it to name %s", i, got[i], attr)
				}
			}
		})
	}
}
