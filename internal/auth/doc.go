// Package auth signs the provider in to Microsoft Entra ID.
//
// Every sign-in method (today a client secret; later a certificate, OIDC
// workload identity, managed identity or the Azure CLI) is a Credential: one
// method that returns an access token for a resource. Failures from Entra come
// back as *Error, which carries the AADSTS code and a Fix text an administrator
// can act on. Nothing in this package ever logs or returns a secret.
package auth
