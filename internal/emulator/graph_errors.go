package emulator

import (
	"errors"
	"net/http"
)

// graphError is a failed Graph operation: the HTTP status, Graph's error code and message,
// and the details Graph adds for some codes. The directory returns it for every rule it
// enforces, the router for paths and methods it does not serve, and writeGraphError turns it
// into Graph's error body.
type graphError struct {
	status  int
	code    string
	message string
	details []graphDetail
	// header holds response headers the error carries, e.g. WWW-Authenticate on a 401.
	header http.Header
}

type graphDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Target  string `json:"target,omitempty"`
}

func (e *graphError) Error() string { return e.code + ": " + e.message }

// Is lets Portal callers test a missing object with errors.Is(err, ErrNotFound).
func (e *graphError) Is(target error) bool {
	return target == ErrNotFound && e.status == http.StatusNotFound
}

// ErrNotFound is returned by Portal methods for an object that does not exist.
var ErrNotFound = errors.New("emulator: object not found")

func newGraphError(status int, code, msg string, details ...graphDetail) *graphError {
	return &graphError{status: status, code: code, message: msg, details: details}
}

// errObjectNotFound is Graph's 404 for an object id or key that names nothing visible.
func errObjectNotFound(id string) *graphError {
	return newGraphError(http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+id+"' does not exist or one of its queried reference-property objects are not present.")
}

func errBadRequest(msg string) *graphError {
	return newGraphError(http.StatusBadRequest, "Request_BadRequest", msg)
}

// errInvalidValue is Graph's answer to a property value it rejects.
func errInvalidValue(prop, resource string) *graphError {
	return errBadRequest("Invalid value specified for property '" + prop + "' of resource '" + resource + "'.")
}

// errReadOnly is Graph's answer to a write of a property that only Graph sets.
func errReadOnly(prop string) *graphError {
	return errBadRequest("Property '" + prop + "' is read-only and cannot be set.")
}

// errBadSegment is Graph's answer to a path segment it does not know.
func errBadSegment(name string) *graphError {
	return newGraphError(http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+name+"'.")
}

func errGraphMethodNotAllowed() *graphError {
	return newGraphError(http.StatusMethodNotAllowed, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
}

func errForbidden() *graphError {
	return newGraphError(http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

// errPayload is Graph's answer to a body that is not the JSON it expects.
func errPayload() *graphError {
	return newGraphError(http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
}

func errUnknownProperty(prop, typeName string) *graphError {
	return newGraphError(http.StatusBadRequest, "BadRequest", "The property '"+prop+"' does not exist on type '"+typeName+"'. Make sure to only use property names that are defined by the type or mark the type as open type.")
}

// errServicePrincipalNameInUse is the 409 for a second service principal of one appId, on
// create and on restore alike.
func errServicePrincipalNameInUse(appID string) *graphError {
	msg := "The service principal cannot be created, updated, or restored because the service principal name " + appID + " is already in use."
	return newGraphError(http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue", msg, graphDetail{Code: "ObjectConflict", Message: msg, Target: "servicePrincipalNames"})
}

// errNoBackingApplication is Graph's answer for a service principal whose application is
// unknown or has not replicated yet: Graph cannot tell the two apart either.
func errNoBackingApplication(appID string) *graphError {
	msg := "The appId '" + appID + "' of the service principal does not reference a valid application object."
	return newGraphError(http.StatusBadRequest, "Request_BadRequest", msg, graphDetail{Code: "NoBackingApplicationObject", Message: msg, Target: "appId"})
}

// asGraphError turns any error into the Graph error to answer with; an error that is not one
// of the directory's rules is the emulator's own fault, a 500 as Graph would give.
func asGraphError(err error) *graphError {
	var ge *graphError
	if errors.As(err, &ge) {
		return ge
	}
	return newGraphError(http.StatusInternalServerError, "generalException", "An unspecified error has occurred.")
}
