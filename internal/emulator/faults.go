package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Fault makes matching requests fail, slow down, or lose their answers, to exercise a
// client's retries and its recovery from writes whose outcome it never heard.
//
// A request matches when Method (empty: any) equals its method and PathRegexp (empty: any)
// matches its path, e.g. "/v1.0/applications" or "/{tenant}/oauth2/v2.0/token" (every
// endpoint, the token service's included); sub-requests of a JSON batch are matched by their
// own path ("/v1.0/" + item url) and fail as batch items. BodyContains (empty: any) narrows the
// match to requests whose body, gunzipped, contains that text (for a batch item, the item's own
// body), so one of two concurrent writes to the same path can be picked out, e.g. the PATCH that
// carries "keyCredentials". The first Skip matches pass; after that the fault fires Times times
// (0: every time), on every Every-th match.
//
// What it does, in the order a request meets it: Latency before the request is served; then
// either Status instead of serving it, or the request served (its write done) followed by
// LoseAnswer, the connection reset or the HTTP/2 stream closed instead of the answer, and/or
// AnswerDelay, the answer held back (set it longer than the client waits to model a client
// timeout). For a batch item, the answer lost or delayed is the batch's.
type Fault struct {
	Method     string `json:"method,omitempty"`
	PathRegexp string `json:"pathRegexp,omitempty"`
	// BodyContains matches requests whose body contains this text; empty: any body.
	BodyContains string `json:"bodyContains,omitempty"`
	Skip         int    `json:"skip,omitempty"`
	// Every makes the fault fire on every Every-th matching request only (2: every second
	// one), as a throttling storm does; 0 or 1: on each.
	Every      int           `json:"every,omitempty"`
	Times      int           `json:"times,omitempty"`
	Status     int           `json:"status,omitempty"`
	Code       string        `json:"code,omitempty"`       // Graph error code, or OAuth error for token endpoints; default per status
	Message    string        `json:"message,omitempty"`    // error message; default per status
	RetryAfter string        `json:"retryAfter,omitempty"` // Retry-After header value; empty: none
	Latency    time.Duration `json:"latency,omitempty"`
	// LoseAnswer and AnswerDelay act after the request was served.
	LoseAnswer  bool          `json:"loseAnswer,omitempty"`
	AnswerDelay time.Duration `json:"answerDelay,omitempty"`
}

// UnmarshalJSON accepts latency and answerDelay as Go duration strings ("1.5s") or as
// nanoseconds, so a faults file can be written by hand.
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var aux struct {
		plain
		Latency     json.RawMessage `json:"latency,omitempty"`
		AnswerDelay json.RawMessage `json:"answerDelay,omitempty"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*f = Fault(aux.plain)
	var err error
	if f.Latency, err = parseFaultDuration("latency", aux.Latency); err != nil {
		return err
	}
	f.AnswerDelay, err = parseFaultDuration("answerDelay", aux.AnswerDelay)
	return err
}

func parseFaultDuration(name string, raw json.RawMessage) (time.Duration, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("fault %s %q: %w", name, s, err)
		}
		return d, nil
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("fault %s: want a duration string or nanoseconds", name)
	}
	return time.Duration(n), nil
}

// LoadFaults reads a JSON list of faults (the same fields as Fault, latency as "250ms").
func LoadFaults(path string) ([]Fault, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("faults file: %w", err)
	}
	var fs []Fault
	if err := json.Unmarshal(b, &fs); err != nil {
		return nil, fmt.Errorf("faults file %s: %w", path, err)
	}
	for i, f := range fs {
		if _, err := regexp.Compile(f.PathRegexp); err != nil {
			return nil, fmt.Errorf("faults file %s: fault %d: pathRegexp: %w", path, i, err)
		}
	}
	return fs, nil
}

// Inject adds a fault. An invalid PathRegexp panics: it is a bug in the test.
func (e *Emulator) Inject(f Fault) { e.faults.add(f) }

// ClearFaults removes every fault.
func (e *Emulator) ClearFaults() { e.faults.clear() }

type activeFault struct {
	Fault
	re      *regexp.Regexp
	matches int
	fired   int
}

type faultSet struct {
	mu     sync.Mutex
	faults []*activeFault
}

func newFaultSet() *faultSet { return &faultSet{} }

func (s *faultSet) add(f Fault) {
	af := &activeFault{Fault: f}
	if f.PathRegexp != "" {
		af.re = regexp.MustCompile(f.PathRegexp)
	}
	s.mu.Lock()
	s.faults = append(s.faults, af)
	s.mu.Unlock()
}

func (s *faultSet) clear() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// match returns the first fault that fires for r. Every matching fault counts the request, so
// Skip means "let N matching requests pass" even when faults overlap. The body is read only
// when a fault that looks at it matches r's method and path, and is put back for the handler.
func (s *faultSet) match(r *http.Request) (Fault, bool) {
	var body []byte
	if s.wantsBody(r.Method, r.URL.Path) {
		body = peekBody(r)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var hit *activeFault
	for _, f := range s.faults {
		if !f.matchesRoute(r.Method, r.URL.Path) {
			continue
		}
		if f.BodyContains != "" && !bytes.Contains(body, []byte(f.BodyContains)) {
			continue
		}
		f.matches++
		if f.matches <= f.Skip || (f.Times > 0 && f.fired >= f.Times) || (f.Every > 1 && (f.matches-f.Skip)%f.Every != 0) {
			continue
		}
		if hit == nil {
			f.fired++
			hit = f
		}
	}
	if hit == nil {
		return Fault{}, false
	}
	return hit.Fault, true
}

func (f *activeFault) matchesRoute(method, path string) bool {
	return (f.Method == "" || strings.EqualFold(f.Method, method)) && (f.re == nil || f.re.MatchString(path))
}

// wantsBody reports whether a fault with BodyContains could match this method and path; the
// body is read outside the lock, since a client may send it slowly.
func (s *faultSet) wantsBody(method, path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.BodyContains != "" && f.matchesRoute(method, path) {
			return true
		}
	}
	return false
}

// maxFaultBody is the most of a body a fault looks at: the largest body a handler accepts.
const maxFaultBody = 4 << 20

// peekBody returns r's body as the handlers read it (gunzipped) and leaves r.Body to be read
// again from the start. A body that cannot be read or decoded matches no BodyContains; the
// handler then answers it as it would without the fault.
func peekBody(r *http.Request) []byte {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxFaultBody+1))
	// What was not read (past the limit) stays behind raw, so the handler still sees the
	// whole body and rejects it as too large.
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(raw), r.Body), r.Body}
	if err != nil {
		return nil
	}
	peek := r.WithContext(r.Context())
	peek.Body = io.NopCloser(bytes.NewReader(raw))
	body, err := readBody(peek, maxFaultBody)
	if err != nil {
		return nil
	}
	return body
}

// writeFault answers with the fault's status in the shape of the endpoint it hit: Graph's
// OData error under /v1.0, Entra's OAuth error on the token service.
func (e *Emulator) writeFault(w http.ResponseWriter, r *http.Request, f Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if strings.HasPrefix(r.URL.Path, "/v1.0") {
		code, msg := f.Code, f.Message
		dc, dm := graphFaultDefaults(f.Status)
		if code == "" {
			code = dc
		}
		if msg == "" {
			msg = dm
		}
		writeGraphError(w, r, newGraphError(f.Status, code, msg))
		return
	}
	code, desc := f.Code, f.Message
	dc, dd := identityFaultDefaults(f.Status)
	if code == "" {
		code = dc
	}
	if desc == "" {
		desc = dd
	}
	writeOAuthError(w, r, f.Status, code, desc)
}

// graphFaultDefaults are the error codes and messages Graph documents for these statuses
// (concepts/errors.md, concepts/throttling.md).
func graphFaultDefaults(status int) (code, message string) {
	switch status {
	case http.StatusTooManyRequests:
		return "TooManyRequests", "Please retry again later."
	case http.StatusServiceUnavailable:
		return "serviceNotAvailable", "The service is temporarily unavailable for maintenance or is overloaded. You may repeat the request after a delay, the length of which may be specified in a Retry-After header."
	case http.StatusGatewayTimeout:
		return "timeout", "The request timed out."
	case http.StatusInternalServerError:
		return "generalException", "An unspecified error has occurred."
	case http.StatusBadGateway:
		return "UnknownError", "Bad Gateway"
	case http.StatusUnauthorized:
		return "InvalidAuthenticationToken", "Access token validation failure."
	case http.StatusForbidden:
		return "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
	case http.StatusNotFound:
		return "Request_ResourceNotFound", "Resource does not exist or one of its queried reference-property objects are not present."
	default:
		return "UnknownError", http.StatusText(status)
	}
}

// identityFaultDefaults are the token service's answers for injected statuses; the AADSTS
// texts are Entra's documented ones for throttling and a directory outage.
func identityFaultDefaults(status int) (code, description string) {
	switch {
	case status == http.StatusTooManyRequests:
		return "temporarily_unavailable", "AADSTS90055: TenantThrottlingError - There are too many incoming requests. This exception is thrown for blocked tenants."
	case status >= 500:
		return "temporarily_unavailable", "AADSTS90033: MsodsServiceUnavailable - The Microsoft Online Directory Service (MSODS) isn't available."
	default:
		return "invalid_request", "AADSTS90023: InvalidRequest - The authentication service request isn't valid."
	}
}
