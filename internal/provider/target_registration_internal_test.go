package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

func TestSecretRotationReason(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	base := targetRegistrationResourceModel{
		ClientSecretKeyID:        types.StringValue("key"),
		ClientSecretDisplayName:  types.StringValue("name"),
		ClientSecretLifetimeDays: types.Int64Null(),
		ClientSecretEndDate:      types.StringNull(),
		RotateWhenChanged:        types.MapNull(types.StringType),
		ClientSecretExpiresAt:    types.StringValue("2027-05-25T00:00:00Z"),
	}
	tests := []struct {
		name   string
		change func(plan, state *targetRegistrationResourceModel)
		want   string
	}{
		{"nothing changed", func(_, _ *targetRegistrationResourceModel) {}, ""},
		{"secret deleted in the tenant", func(_, s *targetRegistrationResourceModel) { s.ClientSecretKeyID = types.StringNull() }, "no longer exists"},
		{"display name", func(p, _ *targetRegistrationResourceModel) { p.ClientSecretDisplayName = types.StringValue("other") }, "client_secret_display_name"},
		{"lifetime", func(p, _ *targetRegistrationResourceModel) { p.ClientSecretLifetimeDays = types.Int64Value(90) }, "client_secret_lifetime_days"},
		{"end date", func(p, _ *targetRegistrationResourceModel) {
			p.ClientSecretEndDate = types.StringValue("2027-01-01T00:00:00Z")
		}, "client_secret_end_date"},
		{"rotation key", func(p, _ *targetRegistrationResourceModel) {
			p.RotateWhenChanged = types.MapValueMust(types.StringType, map[string]attr.Value{"r": types.StringValue("2")})
		}, "rotate_when_changed"},
		{"expired", func(_, s *targetRegistrationResourceModel) {
			s.ClientSecretExpiresAt = types.StringValue("2026-11-26T11:59:59Z")
		}, "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, state := base, base
			tt.change(&plan, &state)
			got := secretRotationReason(plan, state, now)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("secretRotationReason = %q, want it to mention %q", got, tt.want)
			}
		})
	}
}

func TestSameAccess(t *testing.T) {
	a := []tenant.ResourceAccess{{ResourceAppID: "G", Roles: []string{"r1", "R2"}, Scopes: []string{"s1"}}, {ResourceAppID: "X", Roles: []string{"x"}}}
	tests := []struct {
		name string
		b    []tenant.ResourceAccess
		want bool
	}{
		{"same, other order and case", []tenant.ResourceAccess{{ResourceAppID: "x", Roles: []string{"X"}}, {ResourceAppID: "g", Roles: []string{"r2", "r1"}, Scopes: []string{"S1"}}}, true},
		{"empty entry ignored", append([]tenant.ResourceAccess{{ResourceAppID: "Z"}}, a...), true},
		{"role missing", []tenant.ResourceAccess{{ResourceAppID: "G", Roles: []string{"r1"}, Scopes: []string{"s1"}}, {ResourceAppID: "X", Roles: []string{"x"}}}, false},
		{"role became scope", []tenant.ResourceAccess{{ResourceAppID: "G", Roles: []string{"r1"}, Scopes: []string{"s1", "r2"}}, {ResourceAppID: "X", Roles: []string{"x"}}}, false},
		{"API missing", a[:1], false},
	}
	for _, tt := range tests {
		if got := sameAccess(a, tt.b); got != tt.want {
			t.Errorf("%s: sameAccess = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestEndDateValidator: the validator checks the format only; it never reads the clock, so a
// date that has passed cannot block a later plan or destroy.
func TestEndDateValidator(t *testing.T) {
	for _, tt := range []struct{ value, want string }{
		{"2020-01-01T00:00:00Z", ""}, // long past: still valid configuration
		{"2099-01-01T00:00:00Z", ""},
		{"31/12/2027", "Invalid"},
		{"2027-06-01T00:00:00", "Invalid"},
	} {
		resp := &validator.StringResponse{}
		endDateValidator{}.ValidateString(context.Background(), validator.StringRequest{
			Path: path.Root("client_secret_end_date"), ConfigValue: types.StringValue(tt.value),
		}, resp)
		var summary string
		if resp.Diagnostics.HasError() {
			summary = resp.Diagnostics.Errors()[0].Summary()
		}
		if (tt.want == "") != (summary == "") || !strings.Contains(summary, tt.want) {
			t.Errorf("%s: diagnostic %q, want %q", tt.value, summary, tt.want)
		}
	}
}

// TestPlanSecretByTheClock: what a plan does with the end date, at a fixed time: creating a
// secret needs a date ahead (at most 730 days); an existing secret whose date has passed is
// not rotated into an impossible secret, and only warns.
func TestPlanSecretByTheClock(t *testing.T) {
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	model := func(end, expiresAt string) targetRegistrationResourceModel {
		m := targetRegistrationResourceModel{
			ClientSecretDisplayName: types.StringValue("s"), ClientSecretLifetimeDays: types.Int64Null(),
			ClientSecretEndDate: types.StringNull(), RotateWhenChanged: types.MapNull(types.StringType),
			ClientSecretKeyID: types.StringValue("k"), ClientSecretExpiresAt: types.StringValue(expiresAt),
		}
		if end != "" {
			m.ClientSecretEndDate = types.StringValue(end)
		}
		return m
	}
	for _, tt := range []struct {
		name              string
		plan              targetRegistrationResourceModel
		state             *targetRegistrationResourceModel
		wantErr, wantWarn string
		rotates           bool
	}{
		{"create, date ahead", model("2027-06-01T00:00:00Z", ""), nil, "", "", false},
		{"create, date passed", model("2027-01-01T00:00:00Z", ""), nil, "in the past", "", false},
		{"create, date too far", model("2030-01-01T00:00:00Z", ""), nil, "too far", "", false},
		{"existing, date passed, secret expired", model("2027-02-01T00:00:00Z", "2027-02-01T00:00:00Z"),
			ptr(model("2027-02-01T00:00:00Z", "2027-02-01T00:00:00Z")), "", "has expired", false},
		{"existing, lifetime, secret expired", model("", "2027-02-01T00:00:00Z"), ptr(model("", "2027-02-01T00:00:00Z")), "", "", true},
		{"existing, new date ahead", model("2027-09-01T00:00:00Z", "2027-02-01T00:00:00Z"),
			ptr(model("2027-02-01T00:00:00Z", "2027-02-01T00:00:00Z")), "", "", true},
		{"existing, still valid", model("2027-06-01T00:00:00Z", "2027-06-01T00:00:00Z"),
			ptr(model("2027-06-01T00:00:00Z", "2027-06-01T00:00:00Z")), "", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var diags diag.Diagnostics
			plan := tt.plan
			planSecret(&plan, tt.state, now, &diags)
			text := ""
			for _, d := range diags {
				text += d.Summary() + " " + d.Detail()
			}
			switch {
			case tt.wantErr != "" && (!diags.HasError() || !strings.Contains(text, tt.wantErr)):
				t.Fatalf("want error %q, got %q", tt.wantErr, text)
			case tt.wantErr == "" && diags.HasError():
				t.Fatalf("unexpected error %q", text)
			case tt.wantWarn != "" && !strings.Contains(text, tt.wantWarn):
				t.Fatalf("want warning %q, got %q", tt.wantWarn, text)
			}
			if rotates := plan.ClientSecretKeyID.IsUnknown(); rotates != tt.rotates {
				t.Fatalf("rotates = %v, want %v", rotates, tt.rotates)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestPreflightDirectoryRoles: assigning the Exchange Administrator role takes
// RoleManagement.ReadWrite.Directory; for a person also Global Administrator or Privileged
// Role Administrator, and Directory.AccessAsUser.All (an Azure CLI token) does not stand in.
func TestPreflightDirectoryRoles(t *testing.T) {
	needs := planNeeds{register: true, assignRoles: []string{"29232cdf-9323-42fd-ade2-1d097af3e4de"}}
	app := auth.Claims{AppID: "app", IDType: "app", Roles: []string{"Application.ReadWrite.All"}}
	if ps := preflight(app, needs); len(ps) != 1 || !strings.Contains(ps[0].summary, "RoleManagement.ReadWrite.Directory") ||
		!strings.Contains(ps[0].detail, "Exchange Administrator") {
		t.Fatalf("an application without RoleManagement.ReadWrite.Directory: %+v", ps)
	}
	app.Roles = append(app.Roles, "RoleManagement.ReadWrite.Directory")
	if ps := preflight(app, needs); len(ps) != 0 {
		t.Fatalf("an application with it: %+v", ps)
	}
	cli := auth.Claims{AppID: "cli", IDType: "user", UserPrincipalName: "admin@contoso.com",
		Scopes: []string{"Directory.AccessAsUser.All"}, DirectoryRoles: []string{roleGlobalAdministrator}}
	if ps := preflight(cli, needs); len(ps) != 1 || !strings.Contains(ps[0].summary, "RoleManagement.ReadWrite.Directory") {
		t.Fatalf("Directory.AccessAsUser.All must not stand in for role management: %+v", ps)
	}
	cli.Scopes = append(cli.Scopes, "RoleManagement.ReadWrite.Directory")
	if ps := preflight(cli, needs); len(ps) != 0 {
		t.Fatalf("a Global Administrator with the scope: %+v", ps)
	}
	cli.DirectoryRoles = []string{roleApplicationAdministrator}
	if ps := preflight(cli, needs); len(ps) != 1 || !strings.Contains(ps[0].detail, "Privileged Role Administrator") {
		t.Fatalf("an Application Administrator may not assign directory roles: %+v", ps)
	}
}
