package emulator

import (
	"net/http"
	"strings"
)

// The token service's errors for a person's sign-in. Wordings are Entra's as published in
// its error reference and in recorded responses; where none is public, marked.

func errAuthorizationPending() *aadError {
	return &aadError{http.StatusBadRequest, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling."}
}

func errDeviceCodeExpired() *aadError {
	return &aadError{http.StatusBadRequest, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired."}
}

func errDeviceCodeInvalid() *aadError {
	// Emulator's wording around the documented InvalidGrant.
	return &aadError{http.StatusBadRequest, "invalid_grant", 70000, "The provided value for the input parameter 'device_code' is not valid."}
}

func errCodeInvalid() *aadError {
	return &aadError{http.StatusBadRequest, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."}
}

func errCodeRedeemed() *aadError {
	return &aadError{http.StatusBadRequest, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."}
}

func errRedirectMismatch() *aadError {
	return &aadError{http.StatusBadRequest, "invalid_request", 50011, "The redirect URI specified in the request does not match the redirect URI of the authorization request."}
}

func errPKCEMismatch() *aadError {
	return &aadError{http.StatusBadRequest, "invalid_grant", 50148, "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE."}
}

func errBadPassword() *aadError {
	return &aadError{http.StatusBadRequest, "invalid_grant", 50126, "Error validating credentials due to invalid username or password."}
}

func errConsentRequired(appID string, scopes []string) *aadError {
	return &aadError{http.StatusBadRequest, "invalid_grant", 65001, "The user or administrator has not consented to use the application with ID '" + appID + "'. Send an interactive authorization request for this user and resource. Scopes not consented: " + strings.Join(scopes, " ") + "."}
}

func errAdminApprovalRequired(appName, scope string) *aadError {
	return &aadError{http.StatusForbidden, "access_denied", 90094, "The grant requires admin permission. " + appName + " needs permission to access resources in your organization that only an admin can grant (" + scope + "). Please ask an admin to grant permission to this app before you can use it."}
}

func errPreauthorizationRequired() *aadError {
	return &aadError{http.StatusBadRequest, "invalid_grant", 65002, "Consent between first party application and first party resource must be configured via preauthorization - applications owned and operated by Microsoft must get approval from the API owner before requesting tokens for that API."}
}

func errScopeNotOnResource(scope, resource string) *aadError {
	return &aadError{http.StatusBadRequest, "invalid_scope", 650053, "The application asked for scope '" + scope + "' that doesn't exist on the resource '" + resource + "'. Contact the app vendor."}
}

func errTokenIssuance() *aadError {
	return &aadError{http.StatusInternalServerError, "server_error", 50000, "TokenIssuanceError - There's an issue with the sign-in service."}
}

func errUnknownUser(upn string) *aadError {
	return &aadError{http.StatusBadRequest, "invalid_grant", 50034, "The user account " + upn + " does not exist in the directory. To sign into this application, the account must be added to the directory."}
}

// errDeclined ends a device-code flow whose person could not complete the sign-in
// (authorization_declined, RFC 8628's access_denied), with the reason they were shown.
func errDeclined(why *aadError) *aadError {
	return &aadError{http.StatusBadRequest, "authorization_declined", why.code, why.text}
}
