package auth_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest/fakeaz"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// TestMain lets this test binary serve as the fake az that the Azure CLI tests put on PATH.
func TestMain(m *testing.M) {
	fakeaz.RunIfInvoked()
	os.Exit(m.Run())
}

func installAz(t *testing.T, e *emulator.Emulator, upn string, noScope bool) func() [][]string {
	t.Helper()
	return fakeaz.Install(t, fakeaz.Config{AuthorityHost: e.URL(), TenantID: e.Seed().TenantID, CAFile: e.CAFile(),
		Username: upn, Password: emulator.SeedUserPassword, NoScope: noScope})
}

func TestAzureCLICredential(t *testing.T) {
	for _, tc := range []struct {
		name    string
		noScope bool
		style   string
	}{
		{"az 2.30 and later: --scope", false, "--scope"},
		{"older az: --resource", true, "--resource"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startEmulator(t)
			calls := installAz(t, e, "admin@contoso.com", tc.noScope)
			cred, err := auth.NewAzureCLICredential(auth.AzureCLIOptions{TenantID: e.Seed().TenantID})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			tok, err := cred.Token(ctx, graph)
			if err != nil {
				t.Fatal(err)
			}
			c, err := auth.ParseClaims(tok.Value)
			if err != nil {
				t.Fatal(err)
			}
			if c.AppID != emulator.AzureCLIClientID || !slices.Contains(c.Scopes, "Application.ReadWrite.All") || !slices.Contains(c.DirectoryRoles, emulator.RoleGlobalAdministrator) {
				t.Fatalf("claims %+v", c)
			}
			if time.Until(tok.ExpiresOn) < 30*time.Minute {
				t.Fatalf("expiry %v", tok.ExpiresOn)
			}
			// The second call is served from the credential's cache: az starts slowly.
			if _, err := cred.Token(ctx, graph); err != nil {
				t.Fatal(err)
			}
			got := calls()
			last := got[len(got)-1]
			if !slices.Contains(last, tc.style) || !slices.Contains(last, "--tenant") {
				t.Fatalf("az called with %v, want %s and --tenant", last, tc.style)
			}
			if n := len(got); n != map[bool]int{false: 1, true: 2}[tc.noScope] {
				t.Fatalf("az called %d times: %v", n, got)
			}
		})
	}
}

func TestAzureCLICredentialErrors(t *testing.T) {
	e := startEmulator(t)
	installAz(t, e, "", false)
	cred, _ := auth.NewAzureCLICredential(auth.AzureCLIOptions{TenantID: "contoso.com"})
	_, err := cred.Token(context.Background(), graph)
	var aerr *auth.Error
	if !errors.As(err, &aerr) || aerr.Setting != auth.SettingUseCLI || !strings.Contains(aerr.Error(), "not signed in") ||
		!strings.Contains(aerr.Fix(), "az login --allow-no-subscriptions --tenant contoso.com") {
		t.Fatalf("not signed in: %v (%+v)", err, aerr)
	}

	cred, _ = auth.NewAzureCLICredential(auth.AzureCLIOptions{Command: "az-not-installed-here"})
	_, err = cred.Token(context.Background(), graph)
	if !errors.As(err, &aerr) || !strings.Contains(aerr.Error(), "not on PATH") || !strings.Contains(aerr.Fix(), "Install the Azure CLI") {
		t.Fatalf("not installed: %v", err)
	}
}
