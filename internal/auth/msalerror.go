package auth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/retry"
)

// entraError is the token endpoint's error body.
type entraError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
}

var aadstsCode = regexp.MustCompile(`AADSTS(\d+)`)

// fromMSAL turns an error from MSAL into *Error. MSAL reports an HTTP
// failure as errors.CallErr holding the response; Entra's JSON is in its
// body. The CallErr itself is dropped: its request carries the secret.
func fromMSAL(ctx context.Context, err error, authority, secret string) error {
	var ce msalerrors.CallErr
	if errors.As(err, &ce) && ce.Resp != nil {
		var body []byte
		if ce.Resp.Body != nil {
			body, _ = io.ReadAll(io.LimitReader(ce.Resp.Body, 1<<16))
		}
		if len(strings.TrimSpace(string(body))) == 0 && ce.Err != nil {
			// MSAL also copies the body into its message after the first line.
			if _, rest, ok := strings.Cut(ce.Err.Error(), "\n"); ok {
				body = []byte(rest)
			}
		}
		e := parseEntraError(ce.Resp.StatusCode, body, authority, secret)
		if retried := ce.Resp.Header.Get(retry.RetriedHeader); retried != "" {
			// Throttling that outlasted the retries: nothing is wrong with the settings.
			e.Setting = ""
			e.fix = "Entra's token service kept throttling or was unavailable: the provider retried (" + retried +
				"). Run the same command again in a few minutes; if many provider instances sign in at once, lower -parallelism."
		}
		return e
	}
	if e := transportError(err, authority, secret); e != nil {
		return e
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return &Error{Description: "sign-in to " + authority + " stopped: " + ctxErr.Error(),
			kind: kindTransport, cause: ctxErr, fix: "Retry; if it keeps happening, raise the operation's timeout."}
	}
	return &Error{
		Description: "sign-in to " + authority + " failed: " + firstLine(scrub(err.Error(), secret)),
		Setting:     SettingAuthorityHost,
		kind:        kindOther,
		fix: "Check authority_host (STELLAR_AUTHORITY_HOST) and environment (ARM_ENVIRONMENT): " +
			"the host must be a Microsoft Entra sign-in service.",
	}
}

// parseEntraError builds an *Error from a token endpoint reply. It is
// separate from fromMSAL so it can be tested from recorded bodies.
func parseEntraError(status int, body []byte, authority, secret string) *Error {
	e := &Error{Status: status, kind: kindEntra}
	var ee entraError
	if err := json.Unmarshal(body, &ee); err != nil || (ee.Error == "" && ee.ErrorDescription == "") {
		snippet := firstLine(scrub(strings.TrimSpace(string(body)), secret))
		if len(snippet) > 200 {
			snippet = snippet[:200] + "..."
		}
		e.kind = kindOther
		e.Setting = SettingAuthorityHost
		e.Description = fmt.Sprintf("the sign-in service at %s answered HTTP %d without an OAuth error: %s", authority, status, snippet)
		e.fix = "Check authority_host (STELLAR_AUTHORITY_HOST): it must point at a Microsoft Entra sign-in service, " +
			"not a proxy or web page."
		return e
	}
	e.OAuthCode = ee.Error
	e.Description = firstLine(scrub(ee.ErrorDescription, secret))
	if len(ee.ErrorCodes) > 0 {
		e.Code = ee.ErrorCodes[0]
	} else if m := aadstsCode.FindStringSubmatch(ee.ErrorDescription); m != nil {
		e.Code, _ = strconv.Atoi(m[1])
	}
	if f, ok := fixes[e.Code]; ok {
		e.Setting = f.setting
	}
	return e
}

// transportError recognises failures to reach or trust the sign-in service.
func transportError(err error, authority, secret string) *Error {
	host := authority
	if u, perr := url.Parse(authority); perr == nil && u.Host != "" {
		host = u.Scheme + "://" + u.Host
	}
	detail := firstLine(scrub(innermost(err).Error(), secret))
	var (
		unknownCA   x509.UnknownAuthorityError
		certVerify  *tls.CertificateVerificationError
		hostnameErr x509.HostnameError
		invalidCert x509.CertificateInvalidError
		recordErr   tls.RecordHeaderError
		dnsErr      *net.DNSError
		opErr       *net.OpError
	)
	switch {
	case errors.As(err, &unknownCA), errors.As(err, &certVerify), errors.As(err, &hostnameErr), errors.As(err, &invalidCert):
		return &Error{
			Description: "the TLS certificate of " + host + " is not trusted: " + detail,
			Setting:     SettingCACertificateFile,
			kind:        kindTransport,
			cause:       innermost(err),
			fix: "If a TLS-inspecting proxy or a private endpoint sits in front of " + host + ", set ca_certificate_file " +
				"(STELLAR_CA_CERTIFICATE_FILE) or SSL_CERT_FILE to a PEM file holding its CA certificate. " +
				"Otherwise check authority_host (STELLAR_AUTHORITY_HOST).",
		}
	case errors.As(err, &recordErr):
		return &Error{
			Description: host + " did not answer with TLS: " + detail,
			Setting:     SettingAuthorityHost,
			kind:        kindTransport,
			cause:       innermost(err),
			fix:         "Check authority_host (STELLAR_AUTHORITY_HOST): it must be an https URL of a sign-in service.",
		}
	case errors.As(err, &dnsErr), errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &opErr):
		return &Error{
			Description: "cannot connect to the sign-in service at " + host + ": " + detail,
			Setting:     SettingAuthorityHost,
			kind:        kindTransport,
			cause:       innermost(err),
			fix: "Check authority_host (STELLAR_AUTHORITY_HOST) and environment (ARM_ENVIRONMENT), this machine's " +
				"network access, and HTTPS_PROXY if a proxy is required.",
		}
	}
	return nil
}

// innermost returns the network error behind an HTTP client failure (the
// url.Error's cause): it names the host and the reason, and holds no secret.
func innermost(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// scrub removes the secret, raw and URL-encoded, from s. It is applied to
// every string that came from outside, in case a service or library echoes
// the request body.
func scrub(s, secret string) string {
	if secret == "" {
		return s
	}
	for _, v := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		s = strings.ReplaceAll(s, v, "[redacted]")
	}
	return s
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}
