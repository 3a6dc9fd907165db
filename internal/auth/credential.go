package auth

import (
	"context"
	"strings"
	"time"
)

// AccessToken is a bearer token and the moment it stops being valid.
type AccessToken struct {
	Value     string
	ExpiresOn time.Time
}

// Credential is one way of signing in. Token returns a token for resource
// ("https://graph.microsoft.com", not a scope); implementations cache tokens
// and are safe for concurrent use. Errors from Entra are *Error.
//
// The interface is kept to this one method so that certificate, workload
// identity, managed identity and Azure CLI sign-in can be added as further
// implementations without touching callers.
type Credential interface {
	Token(ctx context.Context, resource string) (AccessToken, error)
}

// scopeFor turns a resource into the v2 endpoint's app-only scope.
func scopeFor(resource string) string {
	return strings.TrimRight(resource, "/") + "/.default"
}
