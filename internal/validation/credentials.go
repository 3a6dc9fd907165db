package validation

import (
	"context"
	"crypto/sha1" //nolint:gosec // Entra names certificates by their SHA-1 thumbprint; it is an identifier here, not a signature.
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/certbundle"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/permissions"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

// DefaultExpiryWindow is how early a credential's coming expiry fails the check: a month
// leaves time to rotate it before the migration tool stops signing in.
const DefaultExpiryWindow = 30 * 24 * time.Hour

// checkCredentialExpiry finds the credential being validated on the application (a secret by
// its hint, the first three characters Entra keeps; a certificate by its thumbprint) and
// fails when it expires within the window. Reading the application takes the provider's own
// credentials: the migration app's token rarely may.
func (r *run) checkCredentialExpiry(ctx context.Context) {
	if r.in.Directory == nil {
		r.add(Check{Name: CheckCredentialExpiry, Status: Skipped,
			Detail: "The provider has no credentials of its own to read the application's secrets and certificates; configure it to sign in to the tenant to check expiry."})
		return
	}
	app, err := r.in.Directory.FindApplicationByAppID(ctx, r.in.ClientID)
	if err != nil {
		r.add(failure(CheckCredentialExpiry, "The application's credentials cannot be read.", err))
		return
	}
	end, what, ok := r.credentialEnd(app)
	if !ok {
		r.add(Check{Name: CheckCredentialExpiry, Status: Skipped, Detail: "The " + r.credentialKind() + " is not among the application's credentials that Graph lists, so its expiry is unknown."})
		return
	}
	r.report.CredentialExpiresAt = end
	window := r.in.ExpiryWindow
	if window <= 0 {
		window = DefaultExpiryWindow
	}
	days := int(window / (24 * time.Hour))
	date := end.UTC().Format(time.DateOnly)
	if end.Sub(r.in.Now) < window {
		r.add(Check{Name: CheckCredentialExpiry, Status: Failed, Code: "CredentialExpiresSoon",
			Detail: fmt.Sprintf("The %s expires on %s, within %d days.", what, date, days),
			Fix: "Add a new " + r.credentialKind() + " to the application (stellar_target_registration rotates its secret when " +
				"rotate_when_changed or client_secret_end_date changes), give it to the migration tool, then remove the old one."})
		return
	}
	r.add(Check{Name: CheckCredentialExpiry, Status: Passed, Detail: fmt.Sprintf("The %s is valid until %s, more than %d days from now.", what, date, days)})
}

// credentialEnd is when the validated credential expires: the earliest end among those that
// match it (two secrets may share a hint).
func (r *run) credentialEnd(app *tenant.Application) (time.Time, string, bool) {
	var ends []time.Time
	what := "client secret"
	if len(r.in.Certificate) > 0 {
		what = "certificate"
		b, err := certbundle.Parse(r.in.Certificate, r.in.CertificatePassword)
		if err != nil {
			return time.Time{}, what, false
		}
		sum := sha1.Sum(b.Leaf().Raw) //nolint:gosec // see the import
		thumb := strings.ToUpper(hex.EncodeToString(sum[:]))
		for _, c := range app.Certificates {
			if strings.EqualFold(c.Thumbprint, thumb) && !c.End.IsZero() {
				ends = append(ends, c.End)
			}
		}
	} else {
		for _, p := range app.Passwords {
			if p.Hint != "" && strings.HasPrefix(r.in.ClientSecret, p.Hint) && !p.End.IsZero() {
				ends = append(ends, p.End)
			}
		}
	}
	if len(ends) == 0 {
		return time.Time{}, what, false
	}
	return slices.MinFunc(ends, func(a, b time.Time) int { return a.Compare(b) }), what, true
}

// checkDirectoryRoles checks that the application's service principal holds the directory
// roles the permission set needs (Exchange Administrator for Exchange Online PowerShell):
// read with the provider's credentials when it has them, else from the token's wids claim.
func (r *run) checkDirectoryRoles(ctx context.Context, wids []string) {
	if len(r.in.DirectoryRoles) == 0 {
		r.add(Check{Name: CheckDirectoryRole, Status: Skipped, Detail: "No directory role is required."})
		return
	}
	held := wids
	if r.in.Directory != nil {
		sp, err := r.in.Directory.FindServicePrincipal(ctx, r.in.ClientID)
		if err != nil {
			r.add(failure(CheckDirectoryRole, "The application's service principal cannot be read.", err))
			return
		}
		as, err := r.in.Directory.DirectoryRoleAssignments(ctx, sp.ObjectID)
		switch {
		case errors.Is(err, tenant.ErrForbidden):
			// The provider may not read role assignments (RoleManagement.Read.Directory): the
			// token's wids, which Entra fills from the same assignments, tell instead.
		case err != nil:
			r.add(failure(CheckDirectoryRole, "The service principal's directory roles cannot be read.", err))
			return
		default:
			held = nil
			for _, a := range as {
				held = append(held, strings.ToLower(a.RoleDefinitionID))
			}
		}
	}
	var missing []string
	for _, id := range r.in.DirectoryRoles {
		if !slices.ContainsFunc(held, func(h string) bool { return strings.EqualFold(h, id) }) {
			missing = append(missing, roleName(id))
		}
	}
	if len(missing) > 0 {
		r.add(Check{Name: CheckDirectoryRole, Status: Failed, Code: "MissingDirectoryRole",
			Detail: "The application's service principal does not hold the " + strings.Join(missing, ", ") + " role: Exchange.ManageAsApp lets it connect to Exchange Online PowerShell, the role decides what it may do there.",
			Fix: "In the Entra admin center open Roles & admins > " + missing[0] + " > Add assignments and select the application, " +
				"or use stellar_target_registration with permission_set = \"exchange_powershell\", which assigns it."})
		return
	}
	names := make([]string, 0, len(r.in.DirectoryRoles))
	for _, id := range r.in.DirectoryRoles {
		names = append(names, roleName(id))
	}
	r.add(Check{Name: CheckDirectoryRole, Status: Passed, Detail: "The service principal holds the " + strings.Join(names, ", ") + " role."})
}

func roleName(id string) string {
	if n, ok := permissions.DirectoryRoleNames[strings.ToLower(id)]; ok {
		return n
	}
	return id
}
