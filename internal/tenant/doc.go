// Package tenant is the provider's only door to Microsoft Graph: narrow,
// typed calls (CreateApplication, AssignAppRoles, ...) that take and return
// plain Go types and typed errors. It is the one package that imports
// msgraph-sdk-go, so the SDK's model types never leak into the provider.
//
// It imports the SDK's request-builder packages (applications,
// serviceprincipals, ...) and msgraph-sdk-go-core, never the root
// GraphServiceClient package: the root pulls in every Graph API, which made a
// test binary link in ~10 s instead of ~4 s and the provider three times larger.
//
// Entra ID is eventually consistent: an object written a moment ago may be
// unknown to the replica that serves the next call. The calls that meet this
// in practice (service principal creation, app role assignment, delegated
// grants, adding a password) retry with a bounded backoff; see Backoff.
// Throttling (429) and 503/504 are retried by kiota's RetryHandler.
package tenant
