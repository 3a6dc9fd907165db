package tenant

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Backoff paces retries that wait for Entra replication: the first wait is
// Initial, each next one doubles up to Max, and the call gives up once
// Timeout has passed (or its context ends). Tests shorten it via Config.
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
	Timeout time.Duration
}

// DefaultBackoff covers the replication delays seen in practice (seconds,
// occasionally a minute or two) without hanging an apply for long.
var DefaultBackoff = Backoff{Initial: time.Second, Max: 10 * time.Second, Timeout: 3 * time.Minute}

func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = DefaultBackoff.Initial
	}
	if b.Max <= 0 {
		b.Max = DefaultBackoff.Max
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	if b.Timeout <= 0 {
		b.Timeout = DefaultBackoff.Timeout
	}
	return b
}

// untilReplicated runs call until it succeeds or fails in a way lagging
// does not recognise as replication lag. It stops early, returning the last
// error, when the backoff's time is up or ctx ends.
func (c *Client) untilReplicated(ctx context.Context, call func() error, lagging func(*Error) bool) error {
	start := time.Now()
	delay := c.backoff.Initial
	for {
		err := call()
		var te *Error
		if err == nil || !errors.As(err, &te) || !lagging(te) {
			return err
		}
		c.noteLag()
		if time.Since(start)+delay > c.backoff.Timeout {
			tflog.Warn(ctx, "giving up waiting for Entra replication", map[string]any{"op": te.Op, "status": te.Status, "code": te.Code, "waited": time.Since(start).Round(time.Millisecond).String()})
			return fmt.Errorf("%w (still failing after %s of waiting for Entra replication)", err, time.Since(start).Round(time.Second))
		}
		tflog.Info(ctx, "waiting for Entra replication before retrying", map[string]any{
			"op": te.Op, "status": te.Status, "code": te.Code, "delay": delay.String(), "reason": "the object is not visible to this replica yet"})
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (stopped waiting for Entra replication: %w)", err, ctx.Err())
		case <-t.C:
		}
		delay = min(delay*2, c.backoff.Max)
	}
}
