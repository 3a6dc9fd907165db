package auth

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/retry"
)

// NewHTTPClient returns the HTTP client for sign-in and Graph. It trusts the
// system roots (which honour SSL_CERT_FILE and SSL_CERT_DIR) plus every
// certificate in the PEM file caFile, if caFile is not empty: the way through
// a TLS-inspecting proxy or to the tenant emulator. Certificate verification
// is never turned off.
//
// The client has no overall timeout: a long Graph call or a throttled retry
// must be bounded by its context, not cut off mid-way. Only the stages that
// should be quick (connect, TLS handshake, waiting for response headers) are
// bounded, so a dead host fails fast.
func NewHTTPClient(caFile string) (*http.Client, error) {
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		// No system roots (e.g. a scratch container): the CA file alone may do.
		roots = x509.NewCertPool()
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, &Error{
				Description: fmt.Sprintf("cannot read ca_certificate_file %q: %v", caFile, err),
				Setting:     SettingCACertificateFile,
				kind:        kindConfig,
				fix:         "Point ca_certificate_file (STELLAR_CA_CERTIFICATE_FILE) at a readable PEM file.",
			}
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, &Error{
				Description: fmt.Sprintf("ca_certificate_file %q holds no PEM certificate", caFile),
				Setting:     SettingCACertificateFile,
				kind:        kindConfig,
				fix: "ca_certificate_file (STELLAR_CA_CERTIFICATE_FILE) must contain one or more " +
					"-----BEGIN CERTIFICATE----- blocks.",
			}
		}
	}

	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   10,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
		// Graph answers within seconds; two minutes covers a slow $batch
		// while still failing a hung connection.
		ResponseHeaderTimeout: 2 * time.Minute,
		TLSClientConfig: &tls.Config{
			RootCAs:    roots,
			MinVersion: tls.VersionTLS12,
		},
	}
	return &http.Client{Transport: transport}, nil
}

// tokenRetry retries the token service's throttled or unavailable answers (429, 503, 504)
// by the retry package's policy, for MSAL, whose own client gives up at once. Graph's client
// has its own retry in its middleware, so the two never stack: this wraps only the
// sign-in clients (withTokenRetry).
type tokenRetry struct {
	base   http.RoundTripper
	policy retry.Policy
}

func (t tokenRetry) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	return t.policy.Send(req.Context(), req.Method+" "+req.URL.Path, func(int) (*http.Response, error) {
		r := req.Clone(req.Context())
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		return t.base.RoundTrip(r)
	})
}

// withTokenRetry is hc with the token service's throttling retried.
func withTokenRetry(hc *http.Client) *http.Client {
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cp := *hc
	cp.Transport = tokenRetry{base: base, policy: retry.Default}
	return &cp
}
