package auth

import (
	"fmt"
	"strings"
)

// Provider settings an *Error can blame, named as in the provider block so the
// provider can attach the diagnostic to the right attribute.
const (
	SettingTenantID          = "tenant_id"
	SettingClientID          = "client_id"
	SettingClientSecret      = "client_secret"
	SettingEnvironment       = "environment"
	SettingAuthorityHost     = "authority_host"
	SettingCACertificateFile = "ca_certificate_file"

	SettingClientCertificate         = "client_certificate"
	SettingClientCertificatePath     = "client_certificate_path"
	SettingClientCertificatePassword = "client_certificate_password"
	SettingOIDCToken                 = "oidc_token"
	SettingOIDCTokenFilePath         = "oidc_token_file_path"
	SettingOIDCRequestURL            = "oidc_request_url"
	SettingOIDCRequestToken          = "oidc_request_token"
	SettingADOServiceConnectionID    = "ado_pipeline_service_connection_id"
	SettingUseMSI                    = "use_msi"
	SettingMSIEndpoint               = "msi_endpoint"
	SettingAccessToken               = "access_token"
)

type errorKind int

const (
	kindEntra     errorKind = iota // Entra answered with an OAuth error
	kindTransport                  // the sign-in service could not be reached or trusted
	kindConfig                     // the settings are wrong before any request is made
	kindOther                      // anything else MSAL reported
)

// Error is a failed sign-in. Code is the AADSTS number (0 when Entra did not
// send one), OAuthCode the OAuth error ("invalid_client"), Status the HTTP
// status, Description the first line of Entra's error_description (trace and
// correlation lines dropped). Setting names the provider argument most likely
// at fault, "" if none. No field ever holds the client secret.
type Error struct {
	Code        int
	OAuthCode   string
	Status      int
	Description string
	Setting     string

	kind  errorKind
	fix   string // for errors that are not Entra's; Entra's come from fixes
	cause error  // a network or context error, never an MSAL error (whose request holds the secret)
}

func (e *Error) Error() string {
	switch {
	case e.Code != 0 && strings.HasPrefix(e.Description, "AADSTS"):
		return e.Description
	case e.Code != 0:
		return fmt.Sprintf("AADSTS%d: %s", e.Code, e.Description)
	case e.OAuthCode != "":
		return fmt.Sprintf("sign-in failed: %s: %s (HTTP %d)", e.OAuthCode, e.Description, e.Status)
	}
	return e.Description
}

// FromEntra reports whether Entra's token service gave the error (rather than the settings,
// the network or a local tool such as the Azure CLI).
func (e *Error) FromEntra() bool { return e.kind == kindEntra }

// Unwrap exposes the network or context error behind a transport failure, so
// errors.Is(err, context.DeadlineExceeded) works.
func (e *Error) Unwrap() error { return e.cause }

// Fix tells the administrator what to do about the error.
func (e *Error) Fix() string {
	if e.fix != "" {
		return e.fix
	}
	if f, ok := fixes[e.Code]; ok {
		return f.text
	}
	if e.Code != 0 {
		return fmt.Sprintf("Check tenant_id, client_id and client_secret (ARM_TENANT_ID, ARM_CLIENT_ID, ARM_CLIENT_SECRET) "+
			"and the app's status in the Entra admin center. Microsoft explains this code at "+
			"https://login.microsoftonline.com/error?code=%d", e.Code)
	}
	return "Check tenant_id, client_id and client_secret (ARM_TENANT_ID, ARM_CLIENT_ID, ARM_CLIENT_SECRET), " +
		"environment and authority_host."
}

type fix struct {
	setting string
	text    string
}

// fixes holds advice for the AADSTS codes an administrator meets when setting
// the provider up. The wording of Entra's own messages is terse; these say
// which setting to change and how.
var fixes = map[int]fix{
	90002: {SettingTenantID, "Entra does not know this tenant. Check tenant_id (ARM_TENANT_ID): use the Directory (tenant) ID GUID " +
		"or one of the tenant's verified domains (for example contoso.onmicrosoft.com). Also check environment " +
		"(ARM_ENVIRONMENT): a tenant in a national cloud (usgovernment, china) is not found in the global cloud, nor the reverse."},
	700016: {SettingClientID, "No app with this client ID is registered in this tenant. Check client_id (ARM_CLIENT_ID): " +
		"it is the Application (client) ID of the app registration (not its object ID), and the app must be registered " +
		"in the tenant given by tenant_id. If the app was created moments ago, wait a minute for Entra replication and retry."},
	7000215: {SettingClientSecret, "The client secret is wrong. Use the secret's Value, shown once when the secret is created, " +
		"not its Secret ID. If the value is lost, create a new client secret (Entra admin center > App registrations > " +
		"Certificates & secrets) and put it in client_secret (ARM_CLIENT_SECRET)."},
	7000222: {SettingClientSecret, "The client secret has expired. Create a new client secret (Entra admin center > " +
		"App registrations > Certificates & secrets), put it in client_secret (ARM_CLIENT_SECRET), then delete the expired one."},
	7000229: {SettingClientID, "The app has no service principal (enterprise application) in this tenant. Create it " +
		"(for example `az ad sp create --id <client_id>`, or open the app's admin consent URL) and grant admin consent " +
		"to its API permissions."},
	500011: {SettingEnvironment, "The resource the token was requested for does not exist in this tenant. Check environment " +
		"(ARM_ENVIRONMENT): the Graph resource must belong to the same cloud as the tenant. If the resource is correct, " +
		"its service principal is missing from the tenant."},
	700027: {"", "Entra could not verify the client assertion's signature. Upload the certificate whose key " +
		"signs the assertion to the app registration (Certificates & secrets), or use the matching key."},
	700024: {"", "The client assertion is outside its validity period. Check this machine's clock, " +
		"and for workload identity that the federated token has not expired."},
	70021: {"", "No federated identity credential on the application matches the token. Compare the token's issuer, subject " +
		"and audience with the application's federated credentials (Entra admin center > App registrations > Certificates & " +
		"secrets > Federated credentials); they must match exactly."},
	700211: {"", "No federated identity credential on the application trusts the token's issuer. Add one with the issuer the " +
		"pipeline uses (GitHub Actions: https://token.actions.githubusercontent.com; Azure DevOps: the service connection's " +
		"issuer), exactly, without a trailing slash; and check client_id names that application."},
	700212: {"", "The token's audience is not one the federated identity credential lists. Use the audience " +
		"api://AzureADTokenExchange, which the provider asks GitHub and Azure DevOps for, in the credential."},
	700213: {"", "No federated identity credential matches the token's subject. Add one for this subject exactly (GitHub: " +
		"repo:OWNER/REPO:environment:NAME, :ref:refs/heads/BRANCH or :pull_request; repositories created or renamed since " +
		"2026-07-15 use immutable IDs, repo:owner@ID/repo@ID:...; Azure DevOps: sc://ORG/PROJECT/CONNECTION)."},
	7000218: {SettingClientSecret, "The request carried no client secret or assertion. Set client_secret (ARM_CLIENT_SECRET)."},
	70011: {SettingEnvironment, "Entra refused the requested scope. Check environment (ARM_ENVIRONMENT) so that the Graph " +
		"resource matches the tenant's cloud."},
}

// configError reports settings that are unusable before any request is made.
func configError(setting, msg string) *Error {
	return &Error{Description: msg, Setting: setting, kind: kindConfig, fix: "Correct " + setting + "."}
}
