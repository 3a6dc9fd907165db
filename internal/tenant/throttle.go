package tenant

import (
	"bytes"
	"io"
	"net/http"
	"strconv"

	khttp "github.com/microsoft/kiota-http-go"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/retry"
)

// throttleRetry retries a request that Graph answered with 429, 503 or 504, by the retry
// package's policy: Retry-After honoured, a time budget bounded by the operation's deadline,
// every wait logged.
//
// It replaces kiota's RetryHandler, which rewinds the one body reader that the transport may
// still be reading from for the previous attempt: under HTTP/2 a server can answer 429 before
// the body is sent, and the race detector caught the two goroutines sharing that reader. Here
// every attempt gets a reader of its own over the same bytes.
type throttleRetry struct {
	policy retry.Policy
}

// Intercept implements khttp.Middleware.
func (h throttleRetry) Intercept(pipeline khttp.Pipeline, index int, req *http.Request) (*http.Response, error) {
	body, err := readAll(req)
	if err != nil {
		return nil, err
	}
	return h.policy.Send(req.Context(), req.Method+" "+req.URL.Path, func(attempt int) (*http.Response, error) {
		r := withBody(req, body)
		if attempt > 0 {
			r.Header.Set("Retry-Attempt", strconv.Itoa(attempt))
		}
		return pipeline.Next(r, index)
	})
}

// readAll takes a request's body, once, so that every attempt can send it again.
func readAll(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(req.Body)
	_ = req.Body.Close() // fully read; nothing to report
	return b, err
}

// withBody is a copy of req with a reader of its own over body.
func withBody(req *http.Request, body []byte) *http.Request {
	r := req.Clone(req.Context())
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return r
}
