package tenant

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// odataErr builds the error the SDK returns for a Graph error body.
func odataErr(status int, code, msg, requestID string, details ...string) error {
	main := odataerrors.NewMainError()
	main.SetCode(ptr(code))
	main.SetMessage(ptr(msg))
	var ds []odataerrors.ErrorDetailsable
	for _, d := range details {
		x := odataerrors.NewErrorDetails()
		x.SetCode(ptr(d))
		ds = append(ds, x)
	}
	main.SetDetails(ds)
	inner := odataerrors.NewInnerError()
	inner.SetRequestId(ptr(requestID))
	main.SetInnerError(inner)
	e := odataerrors.NewODataError()
	e.SetErrorEscaped(main)
	e.SetStatusCode(status)
	return e
}

func TestMapError(t *testing.T) {
	headers := abs.NewResponseHeaders()
	headers.Add("request-id", "hdr-req")
	apiErr := &abs.ApiError{Message: "The server returned an unexpected status code with no response body: 503", ResponseStatusCode: 503, ResponseHeaders: headers}
	emptyOData := odataerrors.NewODataError() // a body without "error": Error() would panic
	emptyOData.SetStatusCode(500)

	tests := []struct {
		name       string
		in         error
		want       Error
		notFound   bool
		forbidden  bool
		wantString string
	}{
		{"404 not found", odataErr(404, "Request_ResourceNotFound", "Resource 'x' does not exist or one of its queried reference-property objects are not present.", "req-1"),
			Error{Status: 404, Code: "Request_ResourceNotFound", Message: "Resource 'x' does not exist or one of its queried reference-property objects are not present.", RequestID: "req-1", Op: "GetApplication"},
			true, false, "GetApplication: Graph returned HTTP 404 Request_ResourceNotFound: Resource 'x' does not exist"},
		{"403 denied", odataErr(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.", "req-2"),
			Error{Status: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation.", RequestID: "req-2", Op: "GetApplication"},
			false, true, "HTTP 403 Authorization_RequestDenied: Insufficient privileges to complete the operation. (request-id req-2)"},
		{"400 with details", odataErr(400, "Request_BadRequest", "The appId 'a' of the service principal does not reference a valid application object.", "req-3", "NoBackingApplicationObject"),
			Error{Status: 400, Code: "Request_BadRequest", Message: "The appId 'a' of the service principal does not reference a valid application object.", RequestID: "req-3", Op: "GetApplication", Details: []string{"NoBackingApplicationObject"}},
			false, false, "HTTP 400 Request_BadRequest"},
		{"no body", apiErr, Error{Status: 503, Message: apiErr.Message, RequestID: "hdr-req", Op: "GetApplication"}, false, false, "HTTP 503"},
		{"body without error", emptyOData, Error{Status: 500, Op: "GetApplication"}, false, false, "GetApplication: Graph returned HTTP 500"},
		{"wrapped", fmt.Errorf("sdk: %w", odataErr(404, "Request_ResourceNotFound", "gone", "r")),
			Error{Status: 404, Code: "Request_ResourceNotFound", Message: "gone", RequestID: "r", Op: "GetApplication"}, true, false, "gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mapError("GetApplication", tt.in)
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("not an *Error: %v", err)
			}
			if fmt.Sprint(*te) != fmt.Sprint(tt.want) {
				t.Errorf("got  %+v\nwant %+v", *te, tt.want)
			}
			if errors.Is(err, ErrNotFound) != tt.notFound || errors.Is(err, ErrForbidden) != tt.forbidden {
				t.Errorf("Is(ErrNotFound)=%v Is(ErrForbidden)=%v", errors.Is(err, ErrNotFound), errors.Is(err, ErrForbidden))
			}
			if !strings.Contains(err.Error(), tt.wantString) {
				t.Errorf("Error() = %q, want it to contain %q", err.Error(), tt.wantString)
			}
		})
	}
}

// Errors that are not Graph's (token, transport, context) keep their
// identity so the provider can errors.As them (e.g. to *auth.Error).
func TestMapErrorKeepsOtherErrors(t *testing.T) {
	type tokenErr struct{ error }
	in := tokenErr{errors.New("AADSTS7000215: Invalid client secret provided.")}
	err := mapError("GetUser", in)
	var got tokenErr
	if !errors.As(err, &got) || !strings.HasPrefix(err.Error(), "GetUser: AADSTS7000215") {
		t.Fatalf("got %v", err)
	}
	if err := mapError("GetUser", context.DeadlineExceeded); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("context error lost: %v", err)
	}
	if mapError("x", nil) != nil {
		t.Fatal("nil must stay nil")
	}
	// An *Error passing through a second mapping keeps its first Op.
	first := mapError("AppRoleAssignments", odataErr(404, "Request_ResourceNotFound", "gone", "r"))
	var again *Error
	if err := mapError("AssignAppRoles", first); !errors.As(err, &again) || again.Op != "AppRoleAssignments" {
		t.Fatalf("Op overwritten: %v", err)
	}
}

func TestErrorPredicates(t *testing.T) {
	e := &Error{Status: 403, Message: "When using this permission, the backing application of the service principal being created must in the local tenant", Details: []string{"noBackingApplicationObject"}}
	if !e.messageHas("IN THE LOCAL TENANT") || !e.hasDetail("NoBackingApplicationObject") || e.hasDetail("Other") {
		t.Fatal("predicates are case-insensitive substring / exact-code tests")
	}
	if nf := notFound("Catalogue", "service principal for appId x"); !errors.Is(nf, ErrNotFound) || nf.Op != "Catalogue" {
		t.Fatalf("notFound: %+v", nf)
	}
}
