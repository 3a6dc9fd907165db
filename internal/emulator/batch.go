package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// JSON batching (POST /v1.0/$batch): up to 20 requests in one call, each served by the same
// handlers as a direct call (authentication, permissions, faults, replication lag, request
// log), with dependsOn sequencing and 424 Failed Dependency.

const maxBatchRequests = 20

type batchRequestItem struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

type batchResponseItem struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

func (g *graphReq) batch() (reply, error) {
	raw, err := readBody(g.r, 4<<20)
	var payload struct {
		Requests []batchRequestItem `json:"requests"`
	}
	if err != nil || json.Unmarshal(raw, &payload) != nil {
		return reply{}, errPayload()
	}
	items := payload.Requests
	index, err := checkBatch(items)
	if err != nil {
		return reply{}, err
	}
	order, ok := batchOrder(items, index)
	if !ok {
		return reply{}, errBatch("The dependsOn properties of the batch form a cycle.")
	}
	results := make([]*batchResponseItem, len(items))
	for _, i := range order {
		it := items[i]
		if dep := failedDependencyOf(it, results, index); dep != "" {
			results[i] = g.failedDependency(it.ID, dep)
			continue
		}
		results[i] = g.runBatchItem(it)
	}
	return reply{status: http.StatusOK, body: map[string]any{"responses": results}}, nil
}

// errBatch is a malformed batch, which fails as a whole with 400. The messages are the
// emulator's: Graph documents the rules (at most 20 requests, unique case-insensitive ids)
// but not its wording.
func errBatch(msg string) *graphError { return newGraphError(http.StatusBadRequest, "BadRequest", msg) }

// checkBatch validates the batch's shape and returns the position of each request id.
func checkBatch(items []batchRequestItem) (map[string]int, error) {
	switch {
	case len(items) == 0:
		return nil, errBatch("The batch request must contain at least one request.")
	case len(items) > maxBatchRequests:
		return nil, errBatch("The batch request contains more than the maximum of 20 requests.")
	}
	index := map[string]int{}
	for i, it := range items {
		key := strings.ToLower(it.ID)
		switch {
		case it.ID == "":
			return nil, errBatch("Every request in the batch must have an id.")
		case it.Method == "" || it.URL == "":
			return nil, errBatch("Request '" + it.ID + "' in the batch must have a method and a url.")
		}
		if _, dup := index[key]; dup {
			return nil, errBatch("The batch request contains more than one request with the id '" + it.ID + "'.")
		}
		index[key] = i
	}
	for _, it := range items {
		for _, d := range it.DependsOn {
			if _, ok := index[strings.ToLower(d)]; !ok || strings.EqualFold(d, it.ID) {
				return nil, errBatch("Request '" + it.ID + "' depends on '" + d + "', which is not a request of the batch.")
			}
		}
	}
	return index, nil
}

// failedDependencyOf names the first request it depends on that failed, or "".
func failedDependencyOf(it batchRequestItem, results []*batchResponseItem, index map[string]int) string {
	for _, d := range it.DependsOn {
		if r := results[index[strings.ToLower(d)]]; r.Status >= 400 {
			return d
		}
	}
	return ""
}

// batchOrder returns an execution order in which every request follows the ones it depends
// on, keeping the batch's order otherwise (Graph runs a batch sequentially or in parallel;
// sequentially is the behaviour a test can rely on).
func batchOrder(items []batchRequestItem, index map[string]int) ([]int, bool) {
	done := make([]bool, len(items))
	var order []int
	for len(order) < len(items) {
		progressed := false
		for i, it := range items {
			if done[i] {
				continue
			}
			ready := true
			for _, d := range it.DependsOn {
				if !done[index[strings.ToLower(d)]] {
					ready = false
					break
				}
			}
			if ready {
				done[i] = true
				order = append(order, i)
				progressed = true
			}
		}
		if !progressed {
			return nil, false
		}
	}
	return order, true
}

func (g *graphReq) failedDependency(id, dep string) *batchResponseItem {
	ri := infoOf(g.r)
	// Emulator's wording: Graph documents the 424 status, not the body.
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"code":       "FailedDependency",
		"message":    "The request depends on request '" + dep + "', which failed.",
		"innerError": map[string]any{"request-id": newGUID(), "client-request-id": ri.clientRequestID},
	}})
	return &batchResponseItem{ID: id, Status: http.StatusFailedDependency, Headers: map[string]string{"Content-Type": "application/json"}, Body: body}
}

// runBatchItem serves one request of the batch through the emulator's own handler.
func (g *graphReq) runBatchItem(it batchRequestItem) *batchResponseItem {
	path, ok := batchItemPath(it.URL)
	if !ok || strings.HasPrefix(path, "/v1.0/$batch") {
		return batchItemError(it.ID, "Invalid request URL '"+it.URL+"' in batch request.")
	}
	body, contentType := batchItemBody(it)
	req, err := http.NewRequestWithContext(g.r.Context(), strings.ToUpper(it.Method), g.e.url+path, bytes.NewReader(body))
	if err != nil {
		return batchItemError(it.ID, "Invalid request in batch.")
	}
	req.Host = g.r.Host // an item answers, and is logged, under the host the batch came by
	for k, v := range it.Headers {
		if strings.EqualFold(k, "Authorization") || strings.EqualFold(k, "Content-Encoding") {
			continue // the batch's own credentials apply; item bodies are never compressed
		}
		req.Header.Set(k, v)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", g.r.Header.Get("Authorization"))
	if req.Header.Get("client-request-id") == "" {
		req.Header.Set("client-request-id", infoOf(g.r).clientRequestID)
	}
	rec := newBufferedResponse()
	g.e.serve(rec, req, infoOf(g.r))
	return batchItemResponse(it.ID, rec)
}

func batchItemError(id, msg string) *batchResponseItem {
	body, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "BadRequest", "message": msg}})
	return &batchResponseItem{ID: id, Status: http.StatusBadRequest, Headers: map[string]string{"Content-Type": "application/json"}, Body: body}
}

// batchItemBody decodes an item's body: JSON as is, anything else base64 encoded in a JSON
// string.
func batchItemBody(it batchRequestItem) ([]byte, string) {
	contentType := headerValue(it.Headers, "Content-Type")
	trimmed := bytes.TrimSpace(it.Body)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return nil, contentType
	}
	if contentType == "" {
		contentType = "application/json"
	}
	if trimmed[0] != '"' {
		return trimmed, contentType
	}
	// The body is a json.RawMessage cut from the batch payload, which decoded whole, so a
	// value starting with a quote is a valid JSON string.
	var s string
	_ = json.Unmarshal(trimmed, &s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, contentType
	}
	if b, err := base64.URLEncoding.DecodeString(s); err == nil {
		return b, contentType
	}
	return []byte(s), contentType
}

// batchItemResponse turns an item's recorded answer into its entry of the batch response.
func batchItemResponse(id string, rec *bufferedResponse) *batchResponseItem {
	out := &batchResponseItem{ID: id, Status: rec.statusCode(), Headers: map[string]string{}}
	// Exact key "Content-Type": msgraph-sdk-go-core looks it up case-sensitively.
	for _, h := range []string{"Content-Type", "Cache-Control", "OData-Version", "Retry-After", "Location"} {
		if v := rec.Header().Get(h); v != "" {
			out.Headers[h] = v
		}
	}
	rb := bytes.TrimSpace(rec.body.Bytes())
	if len(rb) == 0 {
		return out
	}
	mt, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type"))
	if mt == "application/json" && json.Valid(rb) {
		out.Body = json.RawMessage(rb)
	} else {
		enc, _ := json.Marshal(base64.StdEncoding.EncodeToString(rec.body.Bytes()))
		out.Body = enc
	}
	return out
}

// batchItemPath turns an item url (relative with or without a leading slash, or absolute on
// a Graph host) into the emulator path under /v1.0.
func batchItemPath(raw string) (string, bool) {
	if strings.HasPrefix(raw, "https://") || strings.HasPrefix(raw, "http://") {
		u, err := url.Parse(raw)
		if err != nil {
			return "", false
		}
		p, ok := strings.CutPrefix(u.EscapedPath(), "/v1.0")
		if !ok {
			return "", false
		}
		raw = p
		if u.RawQuery != "" {
			raw += "?" + u.RawQuery
		}
	}
	if !strings.HasPrefix(raw, "/") {
		raw = "/" + raw
	}
	if strings.HasPrefix(raw, "/v1.0/") {
		return raw, true
	}
	return "/v1.0" + raw, true
}

func headerValue(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
