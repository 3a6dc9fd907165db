// Package emulator is a local stand-in for a Microsoft Entra ID tenant (or several,
// Options.Tenants): the token service
// (login.microsoftonline.com) and the part of Microsoft Graph v1.0 that registering a migration
// application needs (applications, service principals and their owners, app role assignments,
// delegated grants, directory role assignments, users, mailbox settings, organization, deleted
// items and JSON batching),
// with the few /beta reads the azuread provider makes (graph_beta.go).
//
// It serves HTTPS on 127.0.0.1 with a certificate authority of its own, so the real clients
// (MSAL Go, msgraph-sdk-go) talk to it unchanged apart from their base URL and trust store.
// One URL serves both sides: the token endpoints under /{tenant}/... and Graph under /v1.0/....
// Under /issuers/... it stands for the identity providers whose tokens workload identity
// federation trusts (OIDC issuers, GitHub Actions' and Azure Pipelines' token requests).
// It also plays the Azure host a pipeline runs on, with its managed identity endpoints (IMDS,
// App Service, Cloud Shell), and can put the tenant in a national cloud (Options.Cloud), whose
// host names its certificate then covers too; in hosts mode (Options.Hosts, hosts.go) it stands
// in for those real hosts, which a hosts-file entry sends to it. Of Azure Resource Manager it serves what sign-in
// tools read (arm.go): the endpoint metadata that points them at the emulator, and empty
// subscription lists.
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
