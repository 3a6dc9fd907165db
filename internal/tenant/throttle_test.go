package tenant

import (
	"testing"
	"time"

	khttp "github.com/microsoft/kiota-http-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
)

func TestRetryDelay(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header  string
		attempt int
		want    time.Duration
	}{
		{"2", 0, 2 * time.Second},
		{"2.128", 0, 2128 * time.Millisecond}, // Graph sends fractions; kiota truncated them
		{"0", 2, 0},
		{"Thu, 26 Nov 2026 12:00:05 GMT", 0, 5 * time.Second},
		{"Thu, 26 Nov 2026 11:59:00 GMT", 0, 0},
		{"", 0, time.Second},
		{"", 2, 4 * time.Second},
		{"soon", 1, 2 * time.Second},
	}
	for _, tt := range tests {
		if got := retryDelay(tt.header, tt.attempt, now); got != tt.want {
			t.Errorf("retryDelay(%q, %d) = %v, want %v", tt.header, tt.attempt, got, tt.want)
		}
	}
}

func TestGraphMiddlewareRetriesOnce(t *testing.T) {
	m, err := graphMiddleware(&core.GraphClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ours := 0
	for _, h := range m {
		switch h.(type) {
		case *khttp.RetryHandler, khttp.RetryHandler:
			t.Error("kiota's RetryHandler is still in the pipeline: two retry layers, one of them racy")
		case throttleRetry:
			ours++
		}
	}
	if ours != 1 {
		t.Errorf("want exactly one throttleRetry, found %d", ours)
	}
}
