// Package retry waits out throttling and brief outages of Microsoft's services for the
// sign-in and Graph clients alike: a 429, 503 or 504 is retried until the answer is another,
// within a time budget that the operation's own deadline bounds, honouring Retry-After and
// otherwise backing off exponentially with jitter. Every wait is logged, with its reason.
package retry

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Policy bounds the retries of one request.
type Policy struct {
	// Budget is the most time one request's attempts and waits may take together; a context
	// deadline nearer than that bounds it too, so an operation's timeout is never overrun.
	Budget time.Duration
	// First is the backoff without Retry-After before the second attempt (doubling after).
	First time.Duration
	// MaxDelay caps one backoff wait without Retry-After.
	MaxDelay time.Duration
}

// Default suits Graph's and Entra's throttling, which asks for seconds to a minute.
var Default = Policy{Budget: 5 * time.Minute, First: time.Second, MaxDelay: 30 * time.Second}

// Retryable reports whether an answer is worth another try: throttled or briefly unavailable.
func Retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// RetriedHeader is set on an answer that still failed once the budget was spent, so that the
// error built from it can say what was retried and for how long.
const RetriedHeader = "X-Stellar-Retried"

// Send runs send (attempt 0, 1, ...) until its answer is not retryable, the budget or the
// context's deadline leaves no room for the next wait, or ctx ends. what names the request
// in the log ("POST /v1.0/applications").
func (p Policy) Send(ctx context.Context, what string, send func(attempt int) (*http.Response, error)) (*http.Response, error) {
	start := time.Now()
	for attempt := 0; ; attempt++ {
		resp, err := send(attempt)
		if err != nil || !Retryable(resp.StatusCode) {
			return resp, err
		}
		delay, reason := p.delay(resp, attempt, time.Now())
		if !p.roomFor(ctx, time.Since(start), delay) {
			spent := time.Since(start).Round(time.Millisecond)
			resp.Header.Set(RetriedHeader, fmt.Sprintf("%d attempts over %s", attempt+1, spent))
			tflog.Warn(ctx, "giving up retrying: the time budget is spent", map[string]any{
				"request": what, "status": resp.StatusCode, "attempts": attempt + 1, "elapsed": spent.String()})
			return resp, nil
		}
		tflog.Info(ctx, "retrying a throttled or unavailable request", map[string]any{
			"request": what, "status": resp.StatusCode, "attempt": attempt + 1, "delay": delay.String(), "reason": reason})
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16)) // drain so the connection is reused
		_ = resp.Body.Close()
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// roomFor reports whether a further wait of delay, elapsed into the request's retries, stays
// within the budget and leaves the next attempt time before the context's deadline.
func (p Policy) roomFor(ctx context.Context, elapsed, delay time.Duration) bool {
	if elapsed+delay > p.Budget {
		return false
	}
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > delay
}

// delay is the wait before the next attempt and why: Retry-After in seconds (fractions
// included, as Graph sends them) or as an HTTP date; else exponential backoff with jitter,
// so that many clients throttled together do not return together.
func (p Policy) delay(resp *http.Response, attempt int, now time.Time) (time.Duration, string) {
	h := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if secs, err := strconv.ParseFloat(h, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second)), "Retry-After: " + h
	}
	if at, err := http.ParseTime(h); err == nil {
		return max(at.Sub(now), 0), "Retry-After: " + h
	}
	d := min(p.First<<attempt, p.MaxDelay)
	// Full range [d/2, d]: spread, but never much shorter than the backoff asks.
	d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
	return d, fmt.Sprintf("HTTP %d without Retry-After: backoff", resp.StatusCode)
}

// OrDefault is p, or Default where p is the zero Policy.
func (p Policy) OrDefault() Policy {
	if p.Budget <= 0 {
		return Default
	}
	if p.First <= 0 {
		p.First = Default.First
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = Default.MaxDelay
	}
	return p
}
