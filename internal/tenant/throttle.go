package tenant

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	khttp "github.com/microsoft/kiota-http-go"
)

// throttleRetry retries a request that Graph answered with 429, 503 or 504,
// waiting as its Retry-After header asks (seconds, fractions included, or an
// HTTP date) or, without one, 1 s doubling per attempt.
//
// It replaces kiota's RetryHandler, which rewinds the one body reader that
// the transport may still be reading from for the previous attempt: under
// HTTP/2 a server can answer 429 before the body is sent, and the race
// detector caught the two goroutines sharing that reader. Here every attempt
// gets a reader of its own over the same bytes.
type throttleRetry struct {
	maxRetries int
	// maxTotal bounds the sum of the waits; past it the last answer stands.
	maxTotal time.Duration
}

var defaultThrottleRetry = throttleRetry{maxRetries: 3, maxTotal: 3 * time.Minute}

func retriedStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout
}

// Intercept implements khttp.Middleware.
func (h throttleRetry) Intercept(pipeline khttp.Pipeline, index int, req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close() // fully read; nothing to report
		if err != nil {
			return nil, err
		}
		body = b
	}
	var waited time.Duration
	for attempt := 0; ; attempt++ {
		r := req.Clone(req.Context())
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		if attempt > 0 {
			r.Header.Set("Retry-Attempt", strconv.Itoa(attempt))
		}
		resp, err := pipeline.Next(r, index)
		if err != nil || !retriedStatus(resp.StatusCode) || attempt == h.maxRetries {
			return resp, err
		}
		delay := retryDelay(resp.Header.Get("Retry-After"), attempt, time.Now())
		if waited+delay > h.maxTotal {
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16)) // drain so the connection is reused
		_ = resp.Body.Close()
		t := time.NewTimer(delay)
		select {
		case <-req.Context().Done():
			t.Stop()
			return nil, req.Context().Err()
		case <-t.C:
		}
		waited += delay
	}
}

// retryDelay reads Retry-After, or backs off exponentially without it.
func retryDelay(header string, attempt int, now time.Time) time.Duration {
	header = strings.TrimSpace(header)
	if secs, err := strconv.ParseFloat(header, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second))
	}
	if at, err := http.ParseTime(header); err == nil {
		return max(at.Sub(now), 0)
	}
	return time.Second << attempt
}
