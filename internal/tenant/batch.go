package tenant

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	jsonser "github.com/microsoft/kiota-serialization-json-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/retry"
)

// Graph's JSON batching ($batch) sends up to 20 requests in one round trip; each real Graph
// round trip costs 100-300 ms, so calls that do not depend on each other go together. Each
// item is answered (and throttled, and failed) on its own: items Graph answers 429, 503 or
// 504 are sent again, by the same retry policy and time budget as a single call, and every
// other failure is reported per item as the *Error a single call would have given.

// maxBatch is Graph's limit of requests per $batch.
const maxBatch = 20

// batchItem is one request of a batch: a path relative to /v1.0 (with its query) and, for
// writes, a JSON body.
type batchItem struct {
	id     string
	method string
	url    string
	body   any
	// dependsOn names an earlier item that must succeed first; Graph answers 424 for this
	// one when it did not.
	dependsOn string
}

// batchAnswer is Graph's answer to one item.
type batchAnswer struct {
	status  int
	headers map[string]string
	body    json.RawMessage
	// failure is the error of an item sent on its own (see sendOne), as mapError gave it.
	failure error
}

// err is the item's failure as a single call's *Error, nil on success.
func (a batchAnswer) err(op string) error {
	if a.failure != nil {
		return mapError(op, a.failure)
	}
	if a.status < 400 {
		return nil
	}
	var body struct {
		Error struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError struct {
				RequestID string `json:"request-id"`
			} `json:"innerError"`
			Details []struct {
				Code string `json:"code"`
			} `json:"details"`
		} `json:"error"`
	}
	_ = json.Unmarshal(a.body, &body) // an unreadable body still fails with its status
	e := &Error{Status: a.status, Op: op, Code: body.Error.Code, Message: body.Error.Message, RequestID: body.Error.InnerError.RequestID,
		Retried: a.headers[retry.RetriedHeader]}
	for _, d := range body.Error.Details {
		e.Details = append(e.Details, d.Code)
	}
	return e
}

// parse decodes a successful item's body into a kiota model.
func parse[T absser.Parsable](a batchAnswer, factory absser.ParsableFactory) (T, error) {
	var zero T
	node, err := jsonser.NewJsonParseNode(a.body)
	if err != nil {
		return zero, err
	}
	v, err := node.GetObjectValue(factory)
	if err != nil {
		return zero, err
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("tenant: batch item parsed as %T", v)
	}
	return t, nil
}

// batch sends items in as few $batch round trips as Graph allows and returns each item's
// answer by id. Throttled items are retried; err is only for a batch that failed as a whole.
func (c *Client) batch(ctx context.Context, op string, items []batchItem) (map[string]batchAnswer, error) {
	answers := make(map[string]batchAnswer, len(items))
	for start := 0; start < len(items); start += maxBatch {
		chunk := items[start:min(start+maxBatch, len(items))]
		if err := c.batchWithRetry(ctx, op, chunk, answers); err != nil {
			return nil, err
		}
	}
	return answers, nil
}

// batchWithRetry sends one batch, then again the items Graph throttled (and those it did not
// run, 424, because they depend on one), until none is or the retry policy's budget is spent:
// the policy sees each round as one answer, 429 with the longest Retry-After of its throttled
// items.
func (c *Client) batchWithRetry(ctx context.Context, op string, items []batchItem, answers map[string]batchAnswer) error {
	pending := items
	resp, err := c.retry.Send(ctx, "POST /v1.0/$batch ("+op+", "+strconv.Itoa(len(items))+" requests)", func(int) (*http.Response, error) {
		if len(pending) == 1 {
			// One item left (a lone request, or the one a throttled round left): a call of
			// its own, which the middleware retries like any other.
			answers[pending[0].id] = c.sendOne(ctx, pending[0])
			pending = nil
			return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: http.NoBody}, nil
		}
		got, err := c.postBatch(ctx, pending)
		if err != nil {
			return nil, err
		}
		round := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: http.NoBody}
		var again []batchItem
		var after float64
		sentAgain := map[string]bool{}
		for _, it := range pending {
			a := got[it.id]
			answers[it.id] = a
			// An item Graph did not run (424) because the one it depends on was throttled goes
			// again with that one: else a purge never follows its retried delete.
			if a.status == http.StatusFailedDependency && sentAgain[it.dependsOn] {
				again = append(again, it)
				sentAgain[it.id] = true
				continue
			}
			if retry.Retryable(a.status) {
				again = append(again, it)
				sentAgain[it.id] = true
				round.StatusCode = a.status
				if s, err := strconv.ParseFloat(a.headers["Retry-After"], 64); err == nil {
					after = max(after, s)
				}
			}
		}
		if after > 0 {
			round.Header.Set("Retry-After", strconv.FormatFloat(after, 'f', -1, 64))
		}
		pending = again
		return round, nil
	})
	if err != nil {
		return err
	}
	_ = resp.Body.Close() // http.NoBody: the round's answers are in answers
	if spent := resp.Header.Get(retry.RetriedHeader); spent != "" {
		for _, it := range pending {
			a := answers[it.id]
			a.headers = withHeader(a.headers, retry.RetriedHeader, spent)
			answers[it.id] = a
		}
	}
	return nil
}

func withHeader(h map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for hk, hv := range h {
		if !strings.EqualFold(hk, k) {
			out[hk] = hv
		}
	}
	return out
}

// sendOne sends one item as a request of its own.
func (c *Client) sendOne(ctx context.Context, it batchItem) batchAnswer {
	info := abs.NewRequestInformation()
	info.Method = map[string]abs.HttpMethod{"GET": abs.GET, "POST": abs.POST, "PATCH": abs.PATCH, "DELETE": abs.DELETE}[it.method]
	u, err := url.Parse(c.adapter.GetBaseUrl() + it.url)
	if err != nil {
		return batchAnswer{failure: err}
	}
	info.SetUri(*u) // the item's own path and query, as the batch would have sent them
	info.Headers.TryAdd("Accept", "application/json")
	if it.body != nil {
		content, err := json.Marshal(it.body)
		if err != nil {
			return batchAnswer{failure: err}
		}
		info.SetStreamContentAndContentType(content, "application/json")
	}
	raw, err := c.adapter.SendPrimitive(ctx, info, "[]byte", abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue})
	if err != nil {
		return batchAnswer{failure: err}
	}
	body, _ := raw.([]byte)
	status := http.StatusOK
	if len(body) == 0 {
		status = http.StatusNoContent
	}
	return batchAnswer{status: status, body: body}
}

// postBatch is one $batch round trip through the Graph client (its authentication and
// middleware).
func (c *Client) postBatch(ctx context.Context, items []batchItem) (map[string]batchAnswer, error) {
	type request struct {
		ID        string            `json:"id"`
		Method    string            `json:"method"`
		URL       string            `json:"url"`
		Headers   map[string]string `json:"headers,omitempty"`
		Body      any               `json:"body,omitempty"`
		DependsOn []string          `json:"dependsOn,omitempty"`
	}
	reqs := make([]request, 0, len(items))
	for _, it := range items {
		r := request{ID: it.id, Method: it.method, URL: it.url, Body: it.body}
		if it.dependsOn != "" && slices.ContainsFunc(items, func(o batchItem) bool { return o.id == it.dependsOn }) {
			r.DependsOn = []string{it.dependsOn}
		}
		if it.body != nil {
			r.Headers = map[string]string{"Content-Type": "application/json"}
		}
		reqs = append(reqs, r)
	}
	content, err := json.Marshal(map[string]any{"requests": reqs})
	if err != nil {
		return nil, err
	}
	info := abs.NewRequestInformation()
	info.Method = abs.POST
	info.UrlTemplate = "{+baseurl}/$batch"
	info.PathParameters = map[string]string{"baseurl": c.adapter.GetBaseUrl()}
	info.Headers.TryAdd("Accept", "application/json")
	info.SetStreamContentAndContentType(content, "application/json")
	raw, err := c.adapter.SendPrimitive(ctx, info, "[]byte", abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue})
	if err != nil {
		return nil, err
	}
	body, _ := raw.([]byte)
	var reply struct {
		Responses []struct {
			ID      string            `json:"id"`
			Status  int               `json:"status"`
			Headers map[string]string `json:"headers"`
			Body    json.RawMessage   `json:"body"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(body, &reply); err != nil {
		return nil, fmt.Errorf("tenant: unreadable $batch answer: %w", err)
	}
	out := make(map[string]batchAnswer, len(reply.Responses))
	for _, r := range reply.Responses {
		out[r.ID] = batchAnswer{status: r.Status, headers: r.Headers, body: r.Body}
	}
	for _, it := range items {
		if _, ok := out[it.id]; !ok {
			return nil, fmt.Errorf("tenant: the $batch answer has no response for request %s", it.id)
		}
	}
	return out, nil
}
