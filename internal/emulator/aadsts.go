package emulator

import (
	"net/http"
	"strconv"
	"strings"
)

// aadError is an error of the token service: OAuth error, HTTP status, AADSTS code and the
// first line of error_description.
type aadError struct {
	status int
	oauth  string // "invalid_client", ...
	code   int    // AADSTS number
	text   string // without the "AADSTSnnnn: " prefix
}

func (e *aadError) Error() string { return "AADSTS" + strconv.Itoa(e.code) + ": " + e.text }

// The token service's errors. Wordings are Entra's as recorded in its documentation
// (reference-error-codes.md, v2-oauth2-client-creds-grant-flow.md) and in published
// responses; the few that no public source shows verbatim are marked.
func errTenantNotFound(tenant string) *aadError {
	return &aadError{http.StatusBadRequest, "invalid_request", 90002, "Tenant '" + tenant + "' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."}
}

func errMissingParameter(name string) *aadError {
	return &aadError{http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: '" + name + "'."}
}

func errUnsupportedGrant(grant string) *aadError {
	// Emulator's wording around the documented name UnsupportedGrantType.
	return &aadError{http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '" + grant + "'."}
}

func errMethodNotAllowed(method string) *aadError {
	return &aadError{http.StatusBadRequest, "invalid_request", 900561, "The endpoint only accepts POST, OPTIONS requests. Received a " + method + " request."}
}

func errCommonEndpoint() *aadError {
	return &aadError{http.StatusBadRequest, "invalid_request", 9001023, "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint."}
}

func errAppNotFound(appID, directory string) *aadError {
	return &aadError{http.StatusBadRequest, "unauthorized_client", 700016, "Application with identifier '" + appID + "' was not found in the directory '" + directory + "'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."}
}

func errNoCredential() *aadError {
	return &aadError{http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."}
}

func errInvalidSecret(appID string) *aadError {
	return &aadError{http.StatusUnauthorized, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + appID + "'."}
}

func errExpiredSecret(appID string) *aadError {
	return &aadError{http.StatusUnauthorized, "invalid_client", 7000222, "The provided client secret keys for app '" + appID + "' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."}
}

// errNoServicePrincipal: Microsoft's documentation (create-service-principal-cross-tenant)
// states this answer is 401 Unauthorized.
func errNoServicePrincipal(appID, tenantID string) *aadError {
	return &aadError{http.StatusUnauthorized, "invalid_client", 7000229, "The client application " + appID + " is missing service principal in the tenant " + tenantID + ". See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119"}
}

func errResourceNotFound(resource, tenantName string) *aadError {
	return &aadError{http.StatusBadRequest, "invalid_resource", 500011, "The resource principal named " + resource + " was not found in the tenant named " + tenantName + ". This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."}
}

func errScopeMissing() *aadError {
	return &aadError{http.StatusBadRequest, "invalid_scope", 70011, "The provided request must include a 'scope' input parameter."}
}

func errScopeInvalid(scope string) *aadError {
	return &aadError{http.StatusBadRequest, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid. The scope " + scope + " is not valid."}
}

func errScopeNotDefault(scope string) *aadError {
	return &aadError{http.StatusBadRequest, "invalid_scope", 1002012, "The provided value for scope " + scope + " is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."}
}

func errMultipleResources() *aadError {
	return &aadError{http.StatusBadRequest, "invalid_scope", 700022, "The provided value for the input parameter scope is not valid because it contains more than one resource."}
}

func errAssertionMalformed() *aadError {
	return &aadError{http.StatusUnauthorized, "invalid_client", 50027, "JWT token is invalid or malformed."}
}

func errAssertionNoThumbprint() *aadError {
	return &aadError{http.StatusUnauthorized, "invalid_client", 50027, "Invalid JWT token. No certificate thumbprint specified in token header."}
}

func errAssertionKeyNotFound(thumbprint, appID string) *aadError {
	return &aadError{http.StatusUnauthorized, "invalid_client", 700027, "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '" + thumbprint + "', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '" + appID + "'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/" + appID + "']"}
}

func errAssertionSignature(reason, thumbprint string, k *keyCredential) *aadError {
	return &aadError{http.StatusUnauthorized, "invalid_client", 700027, "Client assertion contains an invalid signature. [Reason - " + reason + ", Thumbprint of key used by client: '" + thumbprint + "', Found key 'Start=" + k.start.Format("01/02/2006 15:04:05") + ", End=" + k.end.Format("01/02/2006 15:04:05") + "']"}
}

func errAssertionAudience() *aadError {
	// As Entra answered MSAL.NET clients (AzureAD/microsoft-authentication-library-for-dotnet#2746).
	return &aadError{http.StatusUnauthorized, "invalid_client", 700023, "Client assertion audience claim does not match Realm issuer. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials ."}
}

func errAssertionIssuer() *aadError {
	// Emulator's wording: no public source shows this answer verbatim.
	return &aadError{http.StatusUnauthorized, "invalid_client", 700021, "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials ."}
}

func errAssertionSubject() *aadError {
	return &aadError{http.StatusUnauthorized, "invalid_client", 50048, "Subject mismatches Issuer claim in the client assertion."}
}

func errAssertionTime(now string, from, until string) *aadError {
	return &aadError{http.StatusUnauthorized, "invalid_client", 700024, "Client assertion is not within its valid time range. Current time: " + now + ", assertion valid from " + from + ", expiry time of assertion " + until + ". Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."}
}

// writeAADError answers in Entra's error shape: error_description carries the AADSTS line
// followed by Trace ID, Correlation ID and Timestamp lines, as real responses do.
func writeAADError(w http.ResponseWriter, r *http.Request, e *aadError) {
	writeOAuthError(w, r, e.status, e.oauth, e.Error())
}

// writeOAuthError writes an error whose description is already formatted ("AADSTSnnnn: ...").
func writeOAuthError(w http.ResponseWriter, r *http.Request, status int, oauth, description string) {
	ri := infoOf(r)
	ts := timestampNow()
	body := map[string]any{
		"error":             oauth,
		"error_description": description + "\r\nTrace ID: " + ri.requestID + "\r\nCorrelation ID: " + ri.clientRequestID + "\r\nTimestamp: " + ts,
		"timestamp":         ts,
		"trace_id":          ri.requestID,
		"correlation_id":    ri.clientRequestID,
	}
	if code, ok := aadstsCode(description); ok {
		body["error_codes"] = []int{code}
		body["error_uri"] = "https://login.microsoftonline.com/error?code=" + strconv.Itoa(code)
	}
	setErrorCode(w, oauth)
	h := w.Header()
	h.Set("Cache-Control", "no-store, no-cache")
	h.Set("Pragma", "no-cache")
	h.Set("x-ms-request-id", ri.requestID)
	writeJSON(w, status, "application/json; charset=utf-8", body)
}

// aadstsCode extracts nnnn from a description starting "AADSTSnnnn:".
func aadstsCode(desc string) (int, bool) {
	rest, ok := strings.CutPrefix(desc, "AADSTS")
	if !ok {
		return 0, false
	}
	num, _, ok := strings.Cut(rest, ":")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(num)
	return n, err == nil
}
