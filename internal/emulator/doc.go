// Package emulator is a local stand-in for one Microsoft Entra ID tenant: the token service
// (login.microsoftonline.com) and the part of Microsoft Graph v1.0 that registering a migration
// application needs (applications, service principals, app role assignments, delegated grants,
// users, mailbox settings, organization, deleted items and JSON batching).
//
// It serves HTTPS on 127.0.0.1 with a certificate authority of its own, so the real clients
// (MSAL Go, msgraph-sdk-go) talk to it unchanged apart from their base URL and trust store.
// One URL serves both sides: the token endpoints under /{tenant}/... and Graph under /v1.0/....
// Under /issuers/... it stands for the identity providers whose tokens workload identity
// federation trusts (OIDC issuers, GitHub Actions' and Azure Pipelines' token requests).
// It also plays the Azure host a pipeline runs on, with its managed identity endpoints (IMDS,
// App Service, Cloud Shell), and can put the tenant in a national cloud (Options.Cloud), whose
// host names its certificate then covers too.
//
// The emulator stands for Microsoft, not for this provider: behaviour, status codes and error
// wordings follow Microsoft's documentation and observed responses, and it imports none of the
// provider's packages. Where Microsoft documents no wording, the emulator's own text is marked
// as such in a comment next to it.
//
// Beyond a faithful happy path it reproduces what makes Entra hard to automate: replication lag
// (new objects invisible for a while), throttling and server errors (fault injection), and
// out-of-band changes made by an administrator (the Portal).
package emulator
