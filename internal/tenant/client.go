package tenant

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"
	jsonser "github.com/microsoft/kiota-serialization-json-go"
	textser "github.com/microsoft/kiota-serialization-text-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/retry"
)

// DefaultEndpoint is Microsoft Graph in the global cloud.
const DefaultEndpoint = "https://graph.microsoft.com"

// sdkVersion is the msgraph-sdk-go version in go.mod, reported in the
// SdkVersion telemetry header as the SDK's own client would.
const sdkVersion = "1.89.0"

// TokenFunc returns a bearer token for resource, e.g. by calling an
// auth.Credential: func(ctx, r) (string, error) { t, err := c.Token(ctx, r); return t.Value, err }.
type TokenFunc func(ctx context.Context, resource string) (string, error)

// Config configures New.
type Config struct {
	// Endpoint is Graph's base URL without the version, e.g.
	// https://graph.microsoft.com (the default) or the emulator's URL.
	Endpoint string
	// Resource is what tokens are requested for. It stays the cloud's Graph
	// resource when Endpoint is overridden. Default: Endpoint.
	Resource string
	// Tokens supplies bearer tokens. Required.
	Tokens TokenFunc
	// HTTPClient's Transport (which trusts the right CAs) carries the
	// requests, under the Graph SDK's middleware. Default: http.DefaultTransport.
	HTTPClient *http.Client
	// Backoff paces the retries that wait out Entra replication. Zero
	// fields take DefaultBackoff's values.
	Backoff Backoff
	// Retry bounds the retries of throttled or unavailable calls; the zero value is
	// retry.Default.
	Retry retry.Policy
}

// Client makes typed Graph calls for one signed-in app. It is safe for
// concurrent use; build one per provider configuration.
type Client struct {
	adapter *core.GraphRequestAdapterBase
	backoff Backoff
	retry   retry.Policy // for the items of a $batch; single calls retry in the middleware

	mu        sync.Mutex
	catalogue map[string]*ServicePrincipal // resource appId -> its service principal

	// lastLag is when a call last met replication lag (UnixNano; 0: never), so that an
	// apply knows whether the tenant is replicating slowly right now.
	lastLag atomic.Int64
}

// noteLag records that a call met replication lag.
func (c *Client) noteLag() { c.lastLag.Store(time.Now().UnixNano()) }

// SawReplicationLagSince reports whether a call of this client met replication lag (an
// object written moments before not yet visible to the replica that served it) at or after t.
func (c *Client) SawReplicationLagSince(t time.Time) bool {
	last := c.lastLag.Load()
	return last != 0 && !time.Unix(0, last).Before(t)
}

// New builds a Graph client. It makes no network call.
func New(cfg Config) (*Client, error) {
	if cfg.Tokens == nil {
		return nil, errors.New("tenant: Config.Tokens is required")
	}
	endpoint, err := normalizeEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	resource := strings.TrimRight(cfg.Resource, "/")
	if resource == "" {
		resource = endpoint.String()
	}
	hosts, err := absauth.NewAllowedHostsValidatorErrorCheck([]string{endpoint.Hostname()})
	if err != nil {
		return nil, fmt.Errorf("tenant: endpoint host: %w", err)
	}
	auth := absauth.NewBaseBearerTokenAuthenticationProvider(&tokenProvider{resource: resource, tokens: cfg.Tokens, hosts: hosts})

	parent := http.DefaultTransport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		parent = cfg.HTTPClient.Transport
	}
	opts := core.GraphClientOptions{GraphServiceLibraryVersion: sdkVersion}
	middleware, err := graphMiddleware(&opts, cfg.Retry)
	if err != nil {
		return nil, fmt.Errorf("tenant: %w", err)
	}
	hc := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(parent, middleware...),
		// The RedirectHandler middleware follows redirects itself.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		// No Timeout: every call runs under its ctx, and a throttled call
		// may legitimately wait for Retry-After.
	}

	// Private registries, rather than the SDK's process-wide defaults that
	// the GraphServiceClient constructor fills: no global state.
	parsers := absser.NewParseNodeFactoryRegistry()
	parsers.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonParseNodeFactory()
	parsers.ContentTypeAssociatedFactories["text/plain"] = textser.NewTextParseNodeFactory()
	writers := absser.NewSerializationWriterFactoryRegistry()
	writers.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonSerializationWriterFactory()
	writers.ContentTypeAssociatedFactories["text/plain"] = textser.NewTextSerializationWriterFactory()

	adapter, err := core.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, opts, parsers, writers, hc)
	if err != nil {
		return nil, fmt.Errorf("tenant: %w", err)
	}
	adapter.SetBaseUrl(endpoint.String() + "/v1.0")
	return &Client{adapter: adapter, backoff: cfg.Backoff.withDefaults(), retry: cfg.Retry.OrDefault(), catalogue: map[string]*ServicePrincipal{}}, nil
}

// graphMiddleware is msgraph-sdk-go-core's default middleware (telemetry
// headers, /me rewriting, retry on 429/503/504 honouring Retry-After,
// redirects, parameter-name decoding, user agent) with request
// compression turned off. With compression on, a retried POST or PATCH can
// go out as plain JSON under "Content-Encoding: gzip": kiota's middleware
// order is random (a map), and when the retry handler runs outside the
// compression handler, the latter's new body lives on a request copy while
// the header it sets lands on the shared header map, so the retry resends
// the original body with the gzip header and Graph rejects it with 400.
// Our bodies are a few hundred bytes; gzip saves nothing worth that.
//
// kiota's RetryHandler is swapped for throttleRetry (see there why).
func graphMiddleware(opts *core.GraphClientOptions, policy retry.Policy) ([]khttp.Middleware, error) {
	kiota, err := khttp.GetDefaultMiddlewaresWithOptions(khttp.NewCompressionOptionsReference(false))
	if err != nil {
		return nil, err
	}
	out := []khttp.Middleware{
		core.NewGraphTelemetryHandler(opts),
		khttp.NewUrlReplaceHandler(true, core.ReplacementPairs),
		throttleRetry{policy: policy.OrDefault()},
	}
	for _, m := range kiota {
		if _, isRetry := m.(*khttp.RetryHandler); !isRetry {
			out = append(out, m)
		}
	}
	return out, nil
}

// normalizeEndpoint checks the endpoint and drops a trailing slash or
// "/v1.0" (users paste either).
func normalizeEndpoint(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		raw = DefaultEndpoint
	}
	raw = strings.TrimSuffix(strings.TrimRight(raw, "/"), "/v1.0")
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("tenant: graph endpoint %q is not a base URL like https://graph.microsoft.com", raw)
	}
	if u.Scheme != "https" && (u.Scheme != "http" || !isLoopback(u.Hostname())) {
		return nil, fmt.Errorf("tenant: graph endpoint %q must use https", raw)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// tokenProvider hands kiota a token for the configured resource. Kiota's
// Azure provider silently sends no token to hosts off its Graph list (so
// none to an emulator on 127.0.0.1); this one allows exactly the configured
// endpoint's host and refuses, loudly, to send a token anywhere else.
type tokenProvider struct {
	resource string
	tokens   TokenFunc
	hosts    *absauth.AllowedHostsValidator
}

func (p *tokenProvider) GetAuthorizationToken(ctx context.Context, u *url.URL, _ map[string]any) (string, error) {
	if !p.hosts.IsUrlHostValid(u) {
		return "", fmt.Errorf("tenant: refusing to send a Graph token to %s, which is not the configured graph endpoint", u.Host)
	}
	if u.Scheme != "https" && !isLoopback(u.Hostname()) {
		return "", fmt.Errorf("tenant: refusing to send a Graph token over %s to %s", u.Scheme, u.Host)
	}
	return p.tokens(ctx, p.resource)
}

func (p *tokenProvider) GetAllowedHostsValidator() *absauth.AllowedHostsValidator { return p.hosts }
