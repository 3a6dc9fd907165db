package tenant

import (
	"errors"
	"fmt"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/retry"
)

// Sentinels for errors.Is on an *Error.
var (
	ErrNotFound  = errors.New("not found")         // HTTP 404
	ErrForbidden = errors.New("permission denied") // HTTP 403: the signed-in app lacks a Graph permission
)

// Error is a failed Graph call: the HTTP status, Graph's error code and
// message, the request-id Microsoft support asks for, and the operation
// (method of Client) that failed. Details holds the codes of error.details,
// e.g. "NoBackingApplicationObject".
type Error struct {
	Status    int
	Code      string
	Message   string
	RequestID string
	Op        string
	Details   []string
	// Retried says what was retried, and for how long, when throttling outlasted the retry
	// budget ("4 attempts over 5m0s"); empty otherwise.
	Retried string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "Graph returned HTTP %d", e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Retried != "" {
		b.WriteString(" (after " + e.Retried + " of retrying)")
	}
	if e.RequestID != "" {
		b.WriteString(" (request-id " + e.RequestID + ")")
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) true for a 404 and
// errors.Is(err, ErrForbidden) true for a 403.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == 404
	case ErrForbidden:
		return e.Status == 403
	}
	return false
}

// hasDetail reports whether Graph listed code among error.details.
func (e *Error) hasDetail(code string) bool {
	for _, d := range e.Details {
		if strings.EqualFold(d, code) {
			return true
		}
	}
	return false
}

// messageHas is a case-insensitive substring test on the message; Graph's
// wording is the only signal for several replication and duplicate cases.
func (e *Error) messageHas(s string) bool {
	return strings.Contains(strings.ToLower(e.Message), strings.ToLower(s))
}

// notFound builds the 404 returned when a lookup by filter finds nothing, so
// callers see the same error as for a missing object addressed by id.
func notFound(op, what string) *Error {
	return &Error{Status: 404, Code: "Request_ResourceNotFound", Message: what + " does not exist", Op: op}
}

// mapError turns what the SDK returned into *Error where Graph answered,
// and otherwise wraps err (a token or transport failure, a cancelled
// context) with op, keeping it reachable with errors.As / errors.Is.
func mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	var te *Error
	if errors.As(err, &te) {
		if te.Op == "" {
			te.Op = op
		}
		return te
	}
	// ODataError.Error() dereferences fields that may be nil: never call it.
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) {
		e := &Error{Status: oe.ResponseStatusCode, Op: op, RequestID: headerValue(oe.ResponseHeaders, "request-id"),
			Retried: headerValue(oe.ResponseHeaders, retry.RetriedHeader)}
		if main := oe.GetErrorEscaped(); main != nil {
			e.Code = deref(main.GetCode())
			e.Message = deref(main.GetMessage())
			for _, d := range main.GetDetails() {
				if d != nil && d.GetCode() != nil {
					e.Details = append(e.Details, *d.GetCode())
				}
			}
			if inner := main.GetInnerError(); inner != nil && e.RequestID == "" {
				e.RequestID = deref(inner.GetRequestId())
			}
		}
		return e
	}
	var ae *abs.ApiError
	if errors.As(err, &ae) {
		return &Error{Status: ae.ResponseStatusCode, Message: ae.Message, Op: op, RequestID: headerValue(ae.ResponseHeaders, "request-id"),
			Retried: headerValue(ae.ResponseHeaders, retry.RetriedHeader)}
	}
	return fmt.Errorf("%s: %w", op, err)
}

func headerValue(h *abs.ResponseHeaders, key string) string {
	if h == nil {
		return ""
	}
	if v := h.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
