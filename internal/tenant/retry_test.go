package tenant

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func fastClient() *Client {
	return &Client{backoff: Backoff{Initial: time.Millisecond, Max: 4 * time.Millisecond, Timeout: 200 * time.Millisecond}}
}

func TestUntilReplicated(t *testing.T) {
	lag := &Error{Status: 404, Code: "Directory_ObjectNotFound"}
	c := fastClient()
	ctx := context.Background()

	// Lag clears after three tries.
	n := 0
	err := c.untilReplicated(ctx, func() error {
		if n++; n < 3 {
			return lag
		}
		return nil
	}, isNotFound)
	if err != nil || n != 3 {
		t.Fatalf("err=%v after %d calls", err, n)
	}

	// Errors that are not lag are returned at once.
	n = 0
	denied := &Error{Status: 403}
	if err := c.untilReplicated(ctx, func() error { n++; return denied }, isNotFound); !errors.Is(err, denied) || n != 1 {
		t.Fatalf("err=%v after %d calls", err, n)
	}
	plain := errors.New("dial tcp: refused")
	if err := c.untilReplicated(ctx, func() error { return plain }, isNotFound); !errors.Is(err, plain) {
		t.Fatalf("err=%v", err)
	}

	// Lag that never clears gives up after Timeout, keeping the Graph error.
	start := time.Now()
	err = c.untilReplicated(ctx, func() error { return lag }, isNotFound)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "waiting for Entra replication") {
		t.Fatalf("err=%v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}

	// A cancelled context stops the wait and says so.
	ctx2, cancel := context.WithCancel(ctx)
	c.backoff = Backoff{Initial: time.Hour, Max: time.Hour, Timeout: 2 * time.Hour}
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	err = c.untilReplicated(ctx2, func() error { return lag }, isNotFound)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrNotFound) {
		t.Fatalf("err=%v", err)
	}
}

func TestBackoffDefaults(t *testing.T) {
	if got := (Backoff{}).withDefaults(); got != DefaultBackoff {
		t.Fatalf("got %+v", got)
	}
	if got := (Backoff{Initial: time.Minute, Max: time.Second}).withDefaults(); got.Max != time.Minute {
		t.Fatalf("Max below Initial must be raised: %+v", got)
	}
}
