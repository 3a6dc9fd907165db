// Package validation is the Validate button of Manual Registration: given
// credentials someone else created, it checks step by step whether a
// migration tool can connect to the target tenant with them, and says what
// to fix when it cannot.
//
// Each check runs only if the ones it depends on passed; the others are
// reported as skipped, so the report always names every check.
package validation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/permissions"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

// Check names, in the order they run.
const (
	CheckInputFormat       = "input_format"
	CheckTenantExists      = "tenant_exists"
	CheckClientCredentials = "client_credentials"
	CheckTokenTenant       = "token_tenant"
	CheckAdminConsent      = "admin_consent"
	CheckUserMailbox       = "user_mailbox"
	CheckExchangeAccess    = "exchange_access"
	CheckDirectoryRole     = "directory_role"
	CheckCredentialExpiry  = "credential_expiry"
)

// Statuses of a check.
const (
	Passed  = "passed"
	Failed  = "failed"
	Skipped = "skipped"
)

// Input is what the administrator supplies, plus where to reach the cloud.
type Input struct {
	Cloud        auth.Cloud
	HTTPClient   *http.Client
	TenantID     string // GUID or verified domain
	ClientID     string
	ClientSecret string
	// Certificate is a PEM bundle with the certificate and its private key,
	// used instead of ClientSecret.
	Certificate         []byte
	CertificatePassword string
	EmailAddress        string
	// Required are the application permissions the migration tool needs,
	// by API label as in the configuration.
	Required []permissions.Request
	// DirectoryRoles are role template IDs the app's service principal must hold.
	DirectoryRoles []string
	// Directory reads the application and its service principal with the provider's own
	// credentials; nil when the provider has none (the checks that need it are skipped).
	Directory Directory
	// Now is the clock the expiry check goes by; ExpiryWindow how soon an expiry fails it
	// (default DefaultExpiryWindow).
	Now          time.Time
	ExpiryWindow time.Duration
}

// Directory is what the checks read with the provider's own credentials.
type Directory interface {
	FindApplicationByAppID(ctx context.Context, appID string) (*tenant.Application, error)
	FindServicePrincipal(ctx context.Context, appID string) (*tenant.ServicePrincipal, error)
	DirectoryRoleAssignments(ctx context.Context, principalID string) ([]tenant.DirectoryRoleAssignment, error)
}

// adminConsentURL is the app's admin consent page in its tenant.
func (r *run) adminConsentURL() string {
	tenant := r.report.TenantID
	if tenant == "" {
		tenant = r.in.TenantID
	}
	host := strings.TrimRight(r.in.Cloud.AuthorityHost, "/")
	if host == "" {
		host = auth.Global.AuthorityHost
	}
	return host + "/" + tenant + "/adminconsent?client_id=" + r.in.ClientID
}

// Check is one line of the report.
type Check struct {
	Name   string
	Status string
	Detail string
	Fix    string // what to do, when Status is Failed
	Code   string // the AADSTS or Graph error code behind a failure
}

// Report is the result of Run.
type Report struct {
	Checks            []Check
	Valid             bool
	TenantID          string // the GUID, from the token
	TenantDisplayName string
	UserID            string
	TokenExpiresAt    time.Time
	// CredentialExpiresAt is when the validated secret or certificate expires, when known.
	CredentialExpiresAt time.Time
	// Permissions by API label: application permissions only, since an
	// app-only token carries no delegated ones.
	Granted map[string][]string
	Missing map[string][]string
	Excess  map[string][]string
}

type run struct {
	in     Input
	report Report
	failed bool
}

func (r *run) add(c Check) {
	if c.Status == Failed {
		r.failed = true
	}
	r.report.Checks = append(r.report.Checks, c)
}

// skipRest reports every remaining check as skipped because of an earlier failure.
func (r *run) skipRest(names ...string) {
	for _, n := range names {
		r.add(Check{Name: n, Status: Skipped, Detail: "Not run: an earlier check failed."})
	}
}

// Run performs the checks in order and returns the report. It never
// returns an error: every failure is a check in the report.
func Run(ctx context.Context, in Input) Report {
	r := &run{in: in, report: Report{Granted: map[string][]string{}, Missing: map[string][]string{}, Excess: map[string][]string{}}}
	rest := []string{CheckTenantExists, CheckClientCredentials, CheckTokenTenant, CheckAdminConsent, CheckUserMailbox, CheckExchangeAccess, CheckDirectoryRole, CheckCredentialExpiry}

	if problems := InputProblems(in.TenantID, in.ClientID, in.EmailAddress); len(problems) > 0 {
		r.add(Check{Name: CheckInputFormat, Status: Failed, Detail: strings.Join(problems, " "),
			Fix: "Copy the Directory (tenant) ID and Application (client) ID from the app's Overview page in the Entra admin center, and use a user's full email address."})
		r.skipRest(rest...)
		return r.report
	}
	r.add(Check{Name: CheckInputFormat, Status: Passed, Detail: "Tenant, client ID and email address are well formed."})

	tenantGUID, err := auth.DiscoverTenant(ctx, in.HTTPClient, in.Cloud.AuthorityHost, in.TenantID)
	if err != nil {
		r.add(failure(CheckTenantExists, "The tenant "+in.TenantID+" cannot be found.", err))
		r.skipRest(rest[1:]...)
		return r.report
	}
	exists := fmt.Sprintf("Tenant %s exists.", in.TenantID)
	if !strings.EqualFold(in.TenantID, tenantGUID) {
		exists = fmt.Sprintf("Tenant %s exists (ID %s).", in.TenantID, tenantGUID)
	}
	r.add(Check{Name: CheckTenantExists, Status: Passed, Detail: exists})

	cred, err := r.credential()
	if err != nil {
		r.add(failure(CheckClientCredentials, "The credential cannot be used.", err))
		r.skipRest(rest[2:]...)
		return r.report
	}
	tok, err := cred.Token(ctx, in.Cloud.GraphResource)
	if err != nil {
		r.add(failure(CheckClientCredentials, "The client could not sign in.", err))
		r.skipRest(rest[2:]...)
		return r.report
	}
	r.add(Check{Name: CheckClientCredentials, Status: Passed, Detail: fmt.Sprintf("Client %s signed in with its %s.", in.ClientID, r.credentialKind())})
	r.report.TokenExpiresAt = tok.ExpiresOn

	claims, err := auth.ParseClaims(tok.Value)
	switch {
	case err != nil:
		r.add(Check{Name: CheckTokenTenant, Status: Failed, Detail: "The access token cannot be read: " + err.Error(),
			Fix: "Check that authority_host points at a Microsoft identity platform endpoint."})
	case !strings.EqualFold(claims.TenantID, tenantGUID):
		r.add(Check{Name: CheckTokenTenant, Status: Failed,
			Detail: fmt.Sprintf("The token was issued by tenant %s, not %s.", claims.TenantID, tenantGUID),
			Fix:    "Use the Directory (tenant) ID of the target tenant, where the application is registered."})
	default:
		// No expiry time here: details stay the same from one run to the next,
		// so a validation in outputs does not make every plan look changed.
		r.add(Check{Name: CheckTokenTenant, Status: Passed, Detail: fmt.Sprintf("The Microsoft Graph token was issued by tenant %s.", claims.TenantID)})
	}
	if r.failed {
		r.skipRest(rest[3:]...)
		return r.report
	}
	r.report.TenantID = claims.TenantID

	r.checkConsent(claims.Roles)

	graph, err := tenant.New(tenant.Config{
		Endpoint: in.Cloud.GraphEndpoint, Resource: in.Cloud.GraphResource, HTTPClient: in.HTTPClient,
		Tokens: func(ctx context.Context, resource string) (string, error) {
			t, err := cred.Token(ctx, resource)
			return t.Value, err
		},
	})
	if err != nil {
		r.add(Check{Name: CheckUserMailbox, Status: Failed, Detail: err.Error()})
	} else {
		r.readOrganization(ctx, graph, claims.Roles)
		r.checkUser(ctx, graph, claims.Roles)
	}
	r.checkExchange(ctx, cred)
	r.checkDirectoryRoles(ctx, claims.DirectoryRoles)
	r.checkCredentialExpiry(ctx)
	r.report.Valid = !r.failed
	return r.report
}

func (r *run) credential() (auth.Credential, error) {
	if len(r.in.Certificate) > 0 {
		return auth.NewClientCertificateCredential(auth.ClientCertificateOptions{
			AuthorityHost: r.in.Cloud.AuthorityHost, TenantID: r.in.TenantID, ClientID: r.in.ClientID,
			Certificate: r.in.Certificate, Password: r.in.CertificatePassword, HTTPClient: r.in.HTTPClient,
		})
	}
	return auth.NewClientSecretCredential(auth.ClientSecretOptions{
		AuthorityHost: r.in.Cloud.AuthorityHost, TenantID: r.in.TenantID, ClientID: r.in.ClientID,
		ClientSecret: r.in.ClientSecret, HTTPClient: r.in.HTTPClient,
	})
}

func (r *run) credentialKind() string {
	if len(r.in.Certificate) > 0 {
		return "certificate"
	}
	return "client secret"
}

// failure turns a sign-in or Graph error into a failed check with its code and fix.
func failure(name, detail string, err error) Check {
	c := Check{Name: name, Status: Failed, Detail: detail + " " + err.Error()}
	var aerr *auth.Error
	if errors.As(err, &aerr) {
		if aerr.Code != 0 {
			c.Code = fmt.Sprintf("AADSTS%d", aerr.Code)
		}
		c.Fix = aerr.Fix()
	}
	var terr *tenant.Error
	if errors.As(err, &terr) {
		c.Code = terr.Code
	}
	return c
}

// checkConsent compares the token's roles, which Entra fills from the
// consented app role assignments, with the required permissions.
func (r *run) checkConsent(roles []string) {
	requiredByAPI := map[string][]string{}
	var apis []string
	for _, req := range r.in.Required {
		requiredByAPI[req.API] = append(requiredByAPI[req.API], req.Application...)
		apis = append(apis, req.API)
	}
	graphLabel := "microsoft_graph"
	for _, api := range apis {
		if id, err := permissions.APIAppID(api); err == nil && id == permissions.MicrosoftGraphAppID {
			graphLabel = api
		}
	}
	r.report.Granted[graphLabel] = sorted(roles)
	var missing []string
	for _, api := range apis {
		id, err := permissions.APIAppID(api)
		if err != nil || id != permissions.MicrosoftGraphAppID {
			continue // other APIs' roles are in their own tokens (see checkExchange)
		}
		for _, p := range requiredByAPI[api] {
			if !slices.Contains(roles, p) {
				r.report.Missing[api] = append(r.report.Missing[api], p)
				missing = append(missing, p)
			}
		}
	}
	for _, role := range roles {
		if !slices.Contains(requiredByAPI[graphLabel], role) {
			r.report.Excess[graphLabel] = append(r.report.Excess[graphLabel], role)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		r.add(Check{Name: CheckAdminConsent, Status: Failed, Code: "MissingRoles",
			Detail: "The Microsoft Graph token lacks required application permissions: " + strings.Join(missing, ", ") + ".",
			Fix: "Have a Global Administrator (or Privileged Role Administrator) open " + r.adminConsentURL() + ", sign in and accept; " +
				"it grants what the app requests. If the app does not request them yet, first add these Microsoft Graph application " +
				"permissions in the Entra admin center (App registrations > the app > API permissions), or manage the app with " +
				"stellar_target_registration."})
		return
	}
	detail := fmt.Sprintf("All %d required Microsoft Graph application permissions are consented.", countGraph(r.in.Required))
	if ex := r.report.Excess[graphLabel]; len(ex) > 0 {
		detail += fmt.Sprintf(" Also granted beyond what is required: %s.", strings.Join(sorted(ex), ", "))
	}
	r.add(Check{Name: CheckAdminConsent, Status: Passed, Detail: detail})
}

func countGraph(reqs []permissions.Request) int {
	n := 0
	for _, req := range reqs {
		if id, err := permissions.APIAppID(req.API); err == nil && id == permissions.MicrosoftGraphAppID {
			n += len(req.Application)
		}
	}
	return n
}

func sorted(ss []string) []string {
	out := slices.Clone(ss)
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// readOrganization fills the tenant's display name where the app may read
// it; it is information, not a check.
func (r *run) readOrganization(ctx context.Context, graph *tenant.Client, roles []string) {
	if !slices.ContainsFunc([]string{"Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
		func(p string) bool { return slices.Contains(roles, p) }) {
		return
	}
	if org, err := graph.Organization(ctx); err == nil {
		r.report.TenantDisplayName = org.DisplayName
	}
}

// checkUser looks the email address up in the tenant and, where the
// granted permissions allow it, whether the user has a mailbox.
func (r *run) checkUser(ctx context.Context, graph *tenant.Client, roles []string) {
	canReadUsers := slices.ContainsFunc([]string{"User.Read.All", "User.ReadBasic.All", "Directory.Read.All", "Directory.ReadWrite.All", "User.ReadWrite.All"},
		func(p string) bool { return slices.Contains(roles, p) })
	if !canReadUsers {
		r.add(Check{Name: CheckUserMailbox, Status: Skipped,
			Detail: "The application has no permission to read users (User.Read.All), so the email address cannot be checked."})
		return
	}
	user, err := graph.GetUser(ctx, r.in.EmailAddress)
	if errors.Is(err, tenant.ErrNotFound) {
		r.add(Check{Name: CheckUserMailbox, Status: Failed, Code: "Request_ResourceNotFound",
			Detail: fmt.Sprintf("No user %s exists in tenant %s.", r.in.EmailAddress, r.report.TenantID),
			Fix:    "Use the email address (user principal name) of a user of the target tenant, not of the source."})
		return
	}
	if err != nil {
		r.add(failure(CheckUserMailbox, "The user "+r.in.EmailAddress+" cannot be looked up.", err))
		return
	}
	r.report.UserID = user.ID
	if !slices.Contains(roles, "MailboxSettings.Read") && !slices.Contains(roles, "MailboxSettings.ReadWrite") {
		r.add(Check{Name: CheckUserMailbox, Status: Passed,
			Detail: fmt.Sprintf("User %s exists (ID %s). Its mailbox was not checked: that needs MailboxSettings.Read.", r.in.EmailAddress, user.ID)})
		return
	}
	has, err := graph.HasMailbox(ctx, user.ID)
	switch {
	case err != nil:
		r.add(failure(CheckUserMailbox, "The mailbox of "+r.in.EmailAddress+" cannot be checked.", err))
	case !has:
		r.add(Check{Name: CheckUserMailbox, Status: Failed, Code: "MailboxNotEnabledForRESTAPI",
			Detail: fmt.Sprintf("User %s exists but has no Exchange Online mailbox.", r.in.EmailAddress),
			Fix:    "Assign the user an Exchange Online licence, or give the email address of a user who has a mailbox."})
	default:
		r.add(Check{Name: CheckUserMailbox, Status: Passed, Detail: fmt.Sprintf("User %s exists (ID %s) and has a mailbox.", r.in.EmailAddress, user.ID)})
	}
}

// checkExchange gets a token for Exchange Online when Exchange permissions
// are required, and checks its roles the same way.
func (r *run) checkExchange(ctx context.Context, cred auth.Credential) {
	var label string
	var required []string
	for _, req := range r.in.Required {
		if id, err := permissions.APIAppID(req.API); err == nil && id == permissions.ExchangeOnlineAppID {
			label = req.API
			required = append(required, req.Application...)
		}
	}
	if len(required) == 0 {
		r.add(Check{Name: CheckExchangeAccess, Status: Skipped, Detail: "No Exchange Online permissions are required."})
		return
	}
	tok, err := cred.Token(ctx, r.in.Cloud.ExchangeResource)
	if err != nil {
		r.add(failure(CheckExchangeAccess, "No token for Exchange Online was issued.", err))
		return
	}
	claims, err := auth.ParseClaims(tok.Value)
	if err != nil {
		r.add(Check{Name: CheckExchangeAccess, Status: Failed, Detail: "The Exchange Online token cannot be read: " + err.Error()})
		return
	}
	r.report.Granted[label] = sorted(claims.Roles)
	var missing []string
	for _, p := range required {
		if !slices.Contains(claims.Roles, p) {
			missing = append(missing, p)
		}
	}
	for _, role := range claims.Roles {
		if !slices.Contains(required, role) {
			r.report.Excess[label] = append(r.report.Excess[label], role)
		}
	}
	if len(missing) > 0 {
		r.report.Missing[label] = missing
		r.add(Check{Name: CheckExchangeAccess, Status: Failed, Code: "MissingRoles",
			Detail: "The Exchange Online token lacks: " + strings.Join(sorted(missing), ", ") + ".",
			Fix: "Add these Office 365 Exchange Online application permissions to the app and grant admin consent. " +
				"EWS (full_access_as_app) also needs the app on the tenant's EwsAllowedAppIDs list and ends on 2027-04-01."})
		return
	}
	r.add(Check{Name: CheckExchangeAccess, Status: Passed, Detail: "The Exchange Online token carries " + strings.Join(sorted(required), ", ") + "."})
}

// InputProblems checks the formats that can be checked without the
// network; the data source runs the same checks at plan time.
func InputProblems(tenantID, clientID, email string) []string {
	var out []string
	for _, p := range []string{TenantProblem(tenantID), ClientIDProblem(clientID), EmailProblem(email)} {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// TenantProblem describes what is wrong with a tenant ID, or returns "".
func TenantProblem(tenantID string) string {
	if permissions.IsGUID(tenantID) || isDomain(tenantID) {
		return ""
	}
	return fmt.Sprintf("tenant_id %q is neither a GUID nor a domain name such as contoso.onmicrosoft.com.", tenantID)
}

// ClientIDProblem describes what is wrong with a client ID, or returns "".
func ClientIDProblem(clientID string) string {
	if permissions.IsGUID(clientID) {
		return ""
	}
	return fmt.Sprintf("client_id %q is not a GUID: use the Application (client) ID from the app's Overview page, not its name or object ID.", clientID)
}

// EmailProblem describes what is wrong with an email address, or returns "".
func EmailProblem(email string) string {
	addr, err := mail.ParseAddress(email)
	if err == nil && addr.Address == email && isDomain(email[strings.LastIndex(email, "@")+1:]) {
		return ""
	}
	return fmt.Sprintf("email_address %q is not an email address such as adele.vance@contoso.com.", email)
}

func isDomain(s string) bool {
	if len(s) < 3 || len(s) > 253 || !strings.Contains(s, ".") {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, c := range label {
			if !isLabelRune(c) {
				return false
			}
		}
	}
	return true
}

// isLabelRune reports whether c may appear in a DNS label.
func isLabelRune(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
}
