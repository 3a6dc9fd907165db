package auth

import (
	"context"
	"sync"
	"time"
)

// refreshMargin is how long before expiry a kept token is replaced, so a long apply never
// sends one that lapses in flight.
const refreshMargin = 5 * time.Minute

// tokenMemo keeps one token per resource for the credentials whose source does not cache
// (the Azure CLI spawns a process per call; an IMDS-shaped endpoint is a request per call).
// Its zero value is ready to use.
type tokenMemo struct {
	mu     sync.Mutex
	tokens map[string]AccessToken
}

// get returns the kept token for resource, or fetches and keeps a new one. Fetches for one
// credential are serialised, so concurrent callers wait for the one fetch.
func (m *tokenMemo) get(ctx context.Context, resource string, fetch func(context.Context, string) (AccessToken, error)) (AccessToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.tokens[resource]; ok && time.Until(t.ExpiresOn) > refreshMargin {
		return t, nil
	}
	t, err := fetch(ctx, resource)
	if err != nil {
		return AccessToken{}, err
	}
	if m.tokens == nil {
		m.tokens = map[string]AccessToken{}
	}
	m.tokens[resource] = t
	return t, nil
}
