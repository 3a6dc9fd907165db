package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Fault makes matching requests fail or slow down, to exercise a client's retries.
//
// A request matches when Method (empty: any) equals its method and PathRegexp (empty: any)
// matches its path, e.g. "/v1.0/applications" or "/{tenant}/oauth2/v2.0/token"; sub-requests
// of a JSON batch are matched by their own path ("/v1.0/" + item url) and fail as batch items.
// The first Skip matches pass; after that the fault fires Times times (0: every time).
// A fault with Status 0 only adds Latency.
type Fault struct {
	Method     string        `json:"method,omitempty"`
	PathRegexp string        `json:"pathRegexp,omitempty"`
	Skip       int           `json:"skip,omitempty"`
	Times      int           `json:"times,omitempty"`
	Status     int           `json:"status,omitempty"`
	Code       string        `json:"code,omitempty"`       // Graph error code, or OAuth error for token endpoints; default per status
	Message    string        `json:"message,omitempty"`    // error message; default per status
	RetryAfter string        `json:"retryAfter,omitempty"` // Retry-After header value; empty: none
	Latency    time.Duration `json:"latency,omitempty"`
}

// UnmarshalJSON accepts latency as a Go duration string ("1.5s") or as nanoseconds, so a
// faults file can be written by hand.
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var aux struct {
		plain
		Latency json.RawMessage `json:"latency,omitempty"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*f = Fault(aux.plain)
	f.Latency = 0
	if len(aux.Latency) > 0 && string(aux.Latency) != "null" {
		var s string
		if err := json.Unmarshal(aux.Latency, &s); err == nil {
			d, err := time.ParseDuration(s)
			if err != nil {
				return fmt.Errorf("fault latency %q: %w", s, err)
			}
			f.Latency = d
		} else {
			var n int64
			if err := json.Unmarshal(aux.Latency, &n); err != nil {
				return fmt.Errorf("fault latency: want a duration string or nanoseconds")
			}
			f.Latency = time.Duration(n)
		}
	}
	return nil
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

// match returns the first fault that fires for the request. Every matching fault counts the
// request, so Skip means "let N matching requests pass" even when faults overlap.
func (s *faultSet) match(method, path string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var hit *activeFault
	for _, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if f.re != nil && !f.re.MatchString(path) {
			continue
		}
		f.matches++
		if f.matches <= f.Skip || (f.Times > 0 && f.fired >= f.Times) {
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
		writeGraphError(w, r, f.Status, code, msg)
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
