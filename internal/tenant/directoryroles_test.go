package tenant_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

// TestDirectoryRolesInTheRefreshBatch: a refresh that asks for the service principal's
// directory roles gets them in the same $batch round trip as the rest of the registration;
// a provider that may not read roles still reads the registration, and learns why the roles
// are missing.
func TestDirectoryRolesInTheRefreshBatch(t *testing.T) {
	e := startEmulator(t)
	ctx := context.Background()
	app, secret := e.Portal().CreateApplication("powershell tool", "User.Read.All", "Application.Read.All", "DelegatedPermissionGrant.ReadWrite.All")
	sp, _ := e.Portal().ServicePrincipalByAppID(app.AppID)
	if _, err := e.Portal().AssignDirectoryRole(sp.ObjectID, emulator.RoleExchangeAdministrator); err != nil {
		t.Fatal(err)
	}
	c := client(t, e, "", "", tenant.Backoff{})
	if _, err := c.ReadRegistration(ctx, app.ObjectID, app.AppID); err != nil { // signs in, outside the count
		t.Fatal(err)
	}
	e.ResetRequests()
	reg, err := c.ReadRegistrationWithRoles(ctx, app.ObjectID, app.AppID, sp.ObjectID)
	if err != nil {
		t.Fatal(err)
	}
	if !reg.DirectoryRolesRead || reg.DirectoryRolesErr != nil || len(reg.DirectoryRoles) != 1 ||
		reg.DirectoryRoles[0].RoleDefinitionID != emulator.RoleExchangeAdministrator {
		t.Fatalf("roles read %v, err %v: %+v", reg.DirectoryRolesRead, reg.DirectoryRolesErr, reg.DirectoryRoles)
	}
	var outside int
	for _, r := range e.Requests() {
		if !r.InBatch {
			outside++
		}
	}
	if outside != 1 {
		t.Fatalf("the refresh took %d round trips, want one $batch: %+v", outside, e.Requests())
	}

	// The application itself may read applications but not role assignments: 403 for the
	// roles alone.
	own := client(t, e, app.AppID, secret, tenant.Backoff{})
	reg, err = own.ReadRegistrationWithRoles(ctx, app.ObjectID, app.AppID, sp.ObjectID)
	if err != nil {
		t.Fatalf("the registration must read without the roles: %v", err)
	}
	if reg.ServicePrincipal == nil || !errors.Is(reg.DirectoryRolesErr, tenant.ErrForbidden) {
		t.Fatalf("without RoleManagement.Read.Directory: service principal %v, roles err %v", reg.ServicePrincipal, reg.DirectoryRolesErr)
	}
}
