package emulator_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// TestODataPathForms: the path forms Graph accepts for one object all reach it, through the
// one route table: key in parentheses, alternate key, quoted key, and actions with their
// namespace.
func TestODataPathForms(t *testing.T) {
	e := start(t, emulator.Options{})
	tok := bootstrapToken(t, e)
	app, _ := e.Portal().CreateApplication("Forms")
	for _, path := range []string{
		"/v1.0/applications/" + app.ObjectID,
		"/v1.0/applications(" + app.ObjectID + ")",
		"/v1.0/applications('" + app.ObjectID + "')",
		"/v1.0/applications(appId='" + app.AppID + "')",
		"/v1.0/Applications/" + app.ObjectID,
		"/v1.0/servicePrincipals(appId='" + app.AppID + "')",
		"/v1.0/users('adele.vance@contoso.com')",
		"/v1.0/users/adele.vance@contoso.com",
	} {
		if status, body := rawGraph(t, e, "GET", path, tok, nil); status != 200 {
			t.Errorf("GET %s: %d %v", path, status, body)
		}
	}
	status, body := rawGraph(t, e, "POST", "/v1.0/applications/"+app.ObjectID+"/microsoft.graph.addPassword", tok, map[string]any{})
	if status != 200 || body["secretText"] == nil {
		t.Errorf("addPassword with its namespace: %d", status)
	}
	status, _ = rawGraph(t, e, "GET", "/v1.0/directory/deletedItems/graph.application", tok, nil)
	if status != 200 {
		t.Errorf("deleted items cast without microsoft.: %d", status)
	}
}

// TestUnknownPathsAnswerInGraphShape: what no route serves is answered as Graph and Entra
// answer, in their JSON shapes, never with a plain-text 404.
func TestUnknownPathsAnswerInGraphShape(t *testing.T) {
	e := start(t, emulator.Options{})
	tok := bootstrapToken(t, e)
	tenant := e.Seed().TenantID
	for _, tc := range []struct {
		method, path string
		status       int
		code, msg    string
	}{
		{"GET", "/v1.0/groups", 400, "BadRequest", "Resource not found for the segment 'groups'."},
		{"GET", "/v1.0/applications/x/extensionProperties", 400, "BadRequest", "Resource not found for the segment 'extensionProperties'."},
		{"GET", "/beta/groups", 400, "BadRequest", "Resource not found for the segment 'groups'."},
		{"GET", "/v1.0", 400, "BadRequest", "Resource not found for the segment 'v1.0'."},
		{"GET", "/v1.0/users(mail='x')", 400, "BadRequest", "Resource not found for the segment 'users(mail)'."},
		{"PUT", "/v1.0/applications", 405, "Request_BadRequest", "Specified HTTP method is not allowed"},
		{"GET", "/v1.0/applications/x/addPassword", 405, "Request_BadRequest", "Specified HTTP method is not allowed"},
		{"GET", "/v2.0/applications", 400, "BadRequest", "Invalid version: v2.0"},
	} {
		status, body := rawGraph(t, e, tc.method, tc.path, tok, nil)
		errBody, _ := body["error"].(map[string]any)
		msg, _ := errBody["message"].(string)
		if status != tc.status || errBody["code"] != tc.code || !strings.Contains(msg, tc.msg) {
			t.Errorf("%s %s: %d %v, want %d %s %q", tc.method, tc.path, status, body, tc.status, tc.code, tc.msg)
		}
	}

	// The token service's paths answer in OAuth's error shape.
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/" + tenant + "/oauth2/v2.0/token", 400}, // AADSTS900561, as Entra answers
		{"GET", "/contoso.com/oauth2/v2.0/nothing", 404},
		{"GET", "/" + tenant + "/oauth2/v2.0/nothing", 404},
	} {
		status, body := rawGraph(t, e, tc.method, tc.path, "", nil)
		if status != tc.status || body["error"] == nil || body["error_description"] == nil {
			t.Errorf("%s %s: %d %v", tc.method, tc.path, status, body)
		}
	}
}

// TestEmulatorGuideListsEveryEndpoint: the emulator guide's endpoint table is the route
// table's (`stellar-emulator -routes`). Run with STELLAR_UPDATE_GUIDE=1 to rewrite it, then
// `make docs`.
func TestEmulatorGuideListsEveryEndpoint(t *testing.T) {
	const begin, end = "<!-- endpoints:begin (generated from the route table) -->\n", "<!-- endpoints:end -->"
	path := filepath.Join("..", "..", "templates", "guides", "emulator.md.tmpl")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	guide := string(b)
	i, j := strings.Index(guide, begin), strings.Index(guide, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no endpoint table between %q and %q", path, begin, end)
	}
	want := emulator.EndpointTable()
	if got := guide[i+len(begin) : j]; got != want {
		if os.Getenv("STELLAR_UPDATE_GUIDE") == "1" {
			if err := os.WriteFile(path, []byte(guide[:i+len(begin)]+want+guide[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Fatalf("the guide's endpoint table differs from the route table; run STELLAR_UPDATE_GUIDE=1 go test ./internal/emulator -run %s, then make docs", t.Name())
	}
}
