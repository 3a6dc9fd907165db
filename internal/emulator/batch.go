package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
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

func (g *graphReq) batch() {
	if len(g.segs) != 1 || g.segs[0].keyProp != "" {
		g.badSegment(g.segs[len(g.segs)-1].name)
		return
	}
	if g.r.Method != http.MethodPost {
		g.methodNotAllowed()
		return
	}
	raw, err := readBody(g.r, 4<<20)
	var payload struct {
		Requests []batchRequestItem `json:"requests"`
	}
	if err != nil || json.Unmarshal(raw, &payload) != nil {
		g.fail(http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
		return
	}
	items := payload.Requests
	// The validation messages below are the emulator's: Graph documents the rules (at most 20
	// requests, unique case-insensitive ids, a malformed batch fails as a whole with 400) but
	// not its wording.
	switch {
	case len(items) == 0:
		g.fail(http.StatusBadRequest, "BadRequest", "The batch request must contain at least one request.")
		return
	case len(items) > maxBatchRequests:
		g.fail(http.StatusBadRequest, "BadRequest", "The batch request contains more than the maximum of 20 requests.")
		return
	}
	index := map[string]int{}
	for i, it := range items {
		key := strings.ToLower(it.ID)
		switch {
		case it.ID == "":
			g.fail(http.StatusBadRequest, "BadRequest", "Every request in the batch must have an id.")
			return
		case it.Method == "" || it.URL == "":
			g.fail(http.StatusBadRequest, "BadRequest", "Request '"+it.ID+"' in the batch must have a method and a url.")
			return
		}
		if _, dup := index[key]; dup {
			g.fail(http.StatusBadRequest, "BadRequest", "The batch request contains more than one request with the id '"+it.ID+"'.")
			return
		}
		index[key] = i
	}
	for _, it := range items {
		for _, d := range it.DependsOn {
			if _, ok := index[strings.ToLower(d)]; !ok || strings.EqualFold(d, it.ID) {
				g.fail(http.StatusBadRequest, "BadRequest", "Request '"+it.ID+"' depends on '"+d+"', which is not a request of the batch.")
				return
			}
		}
	}
	order, ok := batchOrder(items, index)
	if !ok {
		g.fail(http.StatusBadRequest, "BadRequest", "The dependsOn properties of the batch form a cycle.")
		return
	}

	results := make([]*batchResponseItem, len(items))
	for _, i := range order {
		it := items[i]
		failed := ""
		for _, d := range it.DependsOn {
			if r := results[index[strings.ToLower(d)]]; r.Status >= 400 {
				failed = d
				break
			}
		}
		if failed != "" {
			results[i] = g.failedDependency(it.ID, failed)
			continue
		}
		results[i] = g.runBatchItem(it)
	}
	g.ok(http.StatusOK, map[string]any{"responses": results})
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
		body, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "BadRequest", "message": "Invalid request URL '" + it.URL + "' in batch request."}})
		return &batchResponseItem{ID: it.ID, Status: http.StatusBadRequest, Headers: map[string]string{"Content-Type": "application/json"}, Body: body}
	}
	var body []byte
	contentType := headerValue(it.Headers, "Content-Type")
	if trimmed := bytes.TrimSpace(it.Body); len(trimmed) > 0 && string(trimmed) != "null" {
		if trimmed[0] == '"' {
			// A non-JSON body travels base64 encoded in a JSON string.
			// The body is a json.RawMessage cut from the batch payload, which decoded
			// whole, so a value starting with a quote is a valid JSON string.
			var s string
			_ = json.Unmarshal(trimmed, &s)
			if b, err := base64.StdEncoding.DecodeString(s); err == nil {
				body = b
			} else if b, err := base64.URLEncoding.DecodeString(s); err == nil {
				body = b
			} else {
				body = []byte(s)
			}
		} else {
			body = trimmed
		}
		if contentType == "" {
			contentType = "application/json"
		}
	}
	req, err := http.NewRequestWithContext(g.r.Context(), strings.ToUpper(it.Method), g.e.url+path, bytes.NewReader(body))
	if err != nil {
		b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "BadRequest", "message": "Invalid request in batch."}})
		return &batchResponseItem{ID: it.ID, Status: http.StatusBadRequest, Headers: map[string]string{"Content-Type": "application/json"}, Body: b}
	}
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
	rec := httptest.NewRecorder()
	g.e.serve(rec, req, true)

	out := &batchResponseItem{ID: it.ID, Status: rec.Code, Headers: map[string]string{}}
	// Exact key "Content-Type": msgraph-sdk-go-core looks it up case-sensitively.
	for _, h := range []string{"Content-Type", "Cache-Control", "OData-Version", "Retry-After", "Location"} {
		if v := rec.Header().Get(h); v != "" {
			out.Headers[h] = v
		}
	}
	if rb := rec.Body.Bytes(); len(bytes.TrimSpace(rb)) > 0 {
		mt, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type"))
		if mt == "application/json" && json.Valid(rb) {
			out.Body = json.RawMessage(bytes.TrimSpace(rb))
		} else {
			enc, _ := json.Marshal(base64.StdEncoding.EncodeToString(rb))
			out.Body = enc
		}
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
