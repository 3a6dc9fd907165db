package emulator_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

func readState(t *testing.T, path string) (emulator.State, string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st emulator.State
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("state file is not JSON: %v\n%s", err, b)
	}
	return st, string(b)
}

func appNamed(ts emulator.TenantState, name string) *emulator.StateApplication {
	for i := range ts.Applications {
		if ts.Applications[i].DisplayName == name {
			return &ts.Applications[i]
		}
	}
	return nil
}

// TestStateFile: the state file holds the seeded directory from the start, shows a Graph
// write as soon as its answer is back, never holds a secret, and equals Emulator.State.
func TestStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e, err := emulator.Start(emulator.Options{StateFile: path, Tenants: 2})
	if err != nil {
		t.Fatal(err)
	}
	seed := e.Seed()
	st, _ := readState(t, path)
	if len(st.Tenants) != 2 || st.Tenants[0].TenantID != seed.TenantID || st.Tenants[0].DefaultDomain != seed.TenantDomain {
		t.Fatalf("state at start: %+v", st.Tenants)
	}
	boot := appNamed(st.Tenants[0], emulator.BootstrapDisplayName)
	if boot == nil || boot.AppID != seed.BootstrapClientID || len(boot.PasswordCredentials) != 1 || boot.PasswordCredentials[0].Hint == "" {
		t.Fatalf("bootstrap application in the state: %+v", boot)
	}
	var roles []string
	for _, a := range st.Tenants[0].AppRoleAssignments {
		if a.PrincipalID == seed.BootstrapServicePrincipalID {
			roles = append(roles, a.AppRoleValue)
		}
	}
	if strings.Join(roles, " ") != "Application.ReadWrite.All AppRoleAssignment.ReadWrite.All DelegatedPermissionGrant.ReadWrite.All User.Read.All Organization.Read.All RoleManagement.ReadWrite.Directory" {
		t.Fatalf("bootstrap roles in the state: %v", roles)
	}
	if u := st.Tenants[0].Users[0]; u.UserPrincipalName != "admin@contoso.com" || u.Roles[0] != "Global Administrator" {
		t.Fatalf("first user in the state: %+v", u)
	}

	// A write shows at once, its secret never.
	tok := bootstrapToken(t, e)
	status, app := rawGraph(t, e, "POST", "/v1.0/applications", tok, map[string]any{"displayName": "State check"})
	if status != 201 {
		t.Fatalf("create: %d %v", status, app)
	}
	appObjectID := as[string](t, app["id"])
	status, pw := rawGraph(t, e, "POST", "/v1.0/applications/"+appObjectID+"/addPassword", tok, map[string]any{"passwordCredential": map[string]any{"displayName": "ci"}})
	if status != 200 {
		t.Fatalf("addPassword: %d %v", status, pw)
	}
	st, raw := readState(t, path)
	got := appNamed(st.Tenants[0], "State check")
	if got == nil || len(got.PasswordCredentials) != 1 || got.PasswordCredentials[0].KeyID != pw["keyId"] || got.PasswordCredentials[0].Hint != pw["hint"] {
		t.Fatalf("the new application in the state: %+v", got)
	}
	for _, secret := range []string{as[string](t, pw["secretText"]), seed.BootstrapSecret} {
		if strings.Contains(raw, secret) {
			t.Fatal("the state file holds a client secret")
		}
	}
	if appNamed(st.Tenants[1], "State check") != nil {
		t.Fatal("the second tenant's state has the first tenant's application")
	}
	b, _ := json.MarshalIndent(e.State(), "", "  ")
	if string(b)+"\n" != raw {
		t.Fatal("State() differs from the state file")
	}

	// A Portal change shows on WriteStateFile, and on Close.
	if err := e.Portal().DeleteApplication(appObjectID); err != nil {
		t.Fatal(err)
	}
	if err := e.WriteStateFile(); err != nil {
		t.Fatal(err)
	}
	if st, _ = readState(t, path); appNamed(st.Tenants[0], "State check") != nil || len(st.Tenants[0].DeletedApplications) != 1 {
		t.Fatalf("after the Portal's delete: %+v", st.Tenants[0].DeletedApplications)
	}
	e.Portal().CreateApplication("Made before Close")
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if st, _ = readState(t, path); appNamed(st.Tenants[0], "Made before Close") == nil {
		t.Fatal("Close did not write the state file")
	}
}

func TestWriteStateFileWithoutOne(t *testing.T) {
	e := start(t, emulator.Options{})
	if err := e.WriteStateFile(); err == nil {
		t.Fatal("WriteStateFile without Options.StateFile: no error")
	}
	if _, err := emulator.Start(emulator.Options{StateFile: filepath.Join(t.TempDir(), "missing", "dir", "state.json")}); err == nil {
		t.Fatal("Start with a state file in a missing directory: no error")
	}
}
