package emulator

import (
	"net/http"
	"strings"
)

// The token service's errors for a federated assertion (workload identity federation). The
// texts are Entra's as recorded in published responses: the 70021x family with the link it
// ends with today (Azure/azure-workload-identity#1200, dotnet/maui#31978; in 2024 the sentence
// began "Please check" and linked docs.microsoft.com), AADSTS7000272 from
// Azure/azure-workload-identity#1232. Entra answers the 70021x family with 400.

const federationDocs = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation"

func errNoFederatedMatch(code int, what, value string) *aadError {
	return &aadError{http.StatusBadRequest, "invalid_client", code, "No matching federated identity record found for presented assertion " + what + " '" + value + "'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. " + federationDocs}
}

func errFederatedIssuer(iss string) *aadError { return errNoFederatedMatch(700211, "issuer", iss) }

func errFederatedAudience(aud []string) *aadError {
	// Emulator's choice for an aud array: its values, comma separated.
	return errNoFederatedMatch(700212, "audience", strings.Join(aud, ","))
}

func errFederatedSubject(sub string) *aadError { return errNoFederatedMatch(700213, "subject", sub) }

// errFederatedKeyNotFound: the assertion's kid is not among the issuer's published keys.
func errFederatedKeyNotFound(kid, issuer string) *aadError {
	return &aadError{http.StatusUnauthorized, "invalid_client", 7000272, "The certificate with identifier " + kid + " used to sign the federated credential could not be found in the metadata of identity provider " + issuer + ". Please validate that your Identity Provider's metadata exposes the key used to sign the incoming token."}
}

// errFederatedSignature: the kid names the issuer's key, but the signature does not verify
// with it. Emulator's wording, after the certificate assertion's AADSTS700027.
func errFederatedSignature(kid string) *aadError {
	return &aadError{http.StatusUnauthorized, "invalid_client", 700027, "Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '" + kid + "']"}
}
