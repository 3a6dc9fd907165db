package retry

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func answer(status int, retryAfter string) *http.Response {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader("{}"))}
}

func TestDelay(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	p := Policy{Budget: time.Minute, First: time.Second, MaxDelay: 30 * time.Second}
	for _, tt := range []struct {
		header   string
		attempt  int
		min, max time.Duration
	}{
		{"2", 0, 2 * time.Second, 2 * time.Second},
		{"2.128", 0, 2128 * time.Millisecond, 2128 * time.Millisecond}, // Graph sends fractions
		{"0", 2, 0, 0},
		{"Thu, 26 Nov 2026 12:00:05 GMT", 0, 5 * time.Second, 5 * time.Second},
		{"Thu, 26 Nov 2026 11:59:00 GMT", 0, 0, 0},
		{"", 0, 500 * time.Millisecond, time.Second}, // backoff with jitter: [d/2, d]
		{"", 2, 2 * time.Second, 4 * time.Second},
		{"", 10, 15 * time.Second, 30 * time.Second}, // capped
		{"soon", 1, time.Second, 2 * time.Second},
	} {
		got, reason := p.delay(answer(429, tt.header), tt.attempt, now)
		if got < tt.min || got > tt.max || reason == "" {
			t.Errorf("delay(%q, %d) = %v (%s), want %v..%v", tt.header, tt.attempt, got, reason, tt.min, tt.max)
		}
	}
}

func TestSend(t *testing.T) {
	fast := Policy{Budget: time.Second, First: time.Millisecond, MaxDelay: 10 * time.Millisecond}
	for _, tt := range []struct {
		name      string
		policy    Policy
		answers   []*http.Response // the last repeats
		deadline  time.Duration
		attempts  int
		status    int
		gaveUp    bool
		minWaited time.Duration
	}{
		{"throttled twice, then answered", fast, []*http.Response{answer(429, "0.02"), answer(503, ""), answer(200, "")}, 0, 3, 200, false, 20 * time.Millisecond},
		{"not retried: a server error", fast, []*http.Response{answer(500, "")}, 0, 1, 500, false, 0},
		{"the budget runs out", Policy{Budget: 50 * time.Millisecond, First: time.Millisecond, MaxDelay: time.Second},
			[]*http.Response{answer(429, "0.03")}, 0, 2, 429, true, 30 * time.Millisecond},
		{"the deadline is nearer than Retry-After", fast, []*http.Response{answer(429, "5")}, 100 * time.Millisecond, 1, 429, true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			attempts := 0
			start := time.Now()
			resp, err := tt.policy.Send(ctx, "GET /test", func(attempt int) (*http.Response, error) {
				if attempt != attempts {
					t.Fatalf("attempt %d, want %d", attempt, attempts)
				}
				a := tt.answers[min(attempts, len(tt.answers)-1)]
				attempts++
				cp := *a
				cp.Header = a.Header.Clone()
				return &cp, nil
			})
			if err != nil || resp.StatusCode != tt.status || attempts != tt.attempts {
				t.Fatalf("got %v after %d attempts (%v), want %d after %d", resp, attempts, err, tt.status, tt.attempts)
			}
			if gaveUp := resp.Header.Get(RetriedHeader) != ""; gaveUp != tt.gaveUp {
				t.Fatalf("%s header %q, want given up = %v", RetriedHeader, resp.Header.Get(RetriedHeader), tt.gaveUp)
			}
			if waited := time.Since(start); waited < tt.minWaited {
				t.Fatalf("waited %v, Retry-After asked for %v", waited, tt.minWaited)
			}
		})
	}
}
