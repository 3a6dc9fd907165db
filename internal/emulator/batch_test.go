package emulator_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

func TestBatch(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	adapter := g.GetAdapter()

	// Throttle the organization read once, inside the batch.
	e.Inject(emulator.Fault{Method: "GET", PathRegexp: "^/v1.0/organization$", Status: 429, RetryAfter: "3", Times: 1})
	e.ResetRequests()

	b := msgraphcore.NewBatchRequest(adapter)
	createRI, err := g.Applications().ToPostRequestInformation(c, newApp("Batched"), nil)
	if err != nil {
		t.Fatal(err)
	}
	create, err := b.AddBatchRequestStep(*createRI)
	if err != nil {
		t.Fatal(err)
	}
	listRI, _ := g.Applications().ToGetRequestInformation(c, nil)
	list, _ := b.AddBatchRequestStep(*listRI)
	list.SetDependsOn([]string{*create.GetId()})
	missingRI, _ := g.Applications().ByApplicationId(uuid.NewString()).ToGetRequestInformation(c, nil)
	missing, _ := b.AddBatchRequestStep(*missingRI)
	deleteRI, _ := g.Applications().ByApplicationId(uuid.NewString()).ToDeleteRequestInformation(c, nil)
	dependent, _ := b.AddBatchRequestStep(*deleteRI)
	dependent.SetDependsOn([]string{*missing.GetId()})
	orgRI, _ := g.Organization().ToGetRequestInformation(c, nil)
	org, _ := b.AddBatchRequestStep(*orgRI)

	resp, err := b.Send(c, adapter)
	if err != nil {
		t.Fatal(err)
	}
	statuses := resp.GetStatusCodes()
	want := map[string]int32{*create.GetId(): 201, *list.GetId(): 200, *missing.GetId(): 404, *dependent.GetId(): 424, *org.GetId(): 429}
	for id, st := range want {
		if statuses[id] != st {
			t.Errorf("item %s: status %d, want %d", id, statuses[id], st)
		}
	}
	app, err := msgraphcore.GetBatchResponseById[models.Applicationable](resp, *create.GetId(), models.CreateApplicationFromDiscriminatorValue)
	if err != nil || *app.GetDisplayName() != "Batched" {
		t.Fatalf("created item: %v", err)
	}
	if _, ok := e.Portal().Application(*app.GetId()); !ok {
		t.Fatal("batched create did not land")
	}
	apps, err := msgraphcore.GetBatchResponseById[models.ApplicationCollectionResponseable](resp, *list.GetId(), models.CreateApplicationCollectionResponseFromDiscriminatorValue)
	if err != nil || len(apps.GetValue()) != 2 {
		t.Fatalf("dependent list: %v", err)
	}
	// Item errors carry Graph's error body (the SDK only parses it when an error factory is
	// registered, so read it as the batch delivered it).
	if code := itemErrorCode(resp.GetResponseById(*missing.GetId()).GetBody()); code != "Request_ResourceNotFound" {
		t.Fatalf("404 item code %q", code)
	}
	if code := itemErrorCode(resp.GetResponseById(*dependent.GetId()).GetBody()); code == "" {
		t.Fatal("424 item without an error code")
	}
	if h := resp.GetResponseById(*org.GetId()).GetHeaders(); h["Retry-After"] != "3" || !strings.HasPrefix(h["Content-Type"], "application/json") {
		t.Fatalf("throttled item headers %v", h)
	}

	// The request log: each item once, in the batch, then the $batch call itself, gzipped.
	var items, outer int
	for _, r := range e.Requests() {
		switch {
		case r.InBatch:
			items++
		case r.Path == "/v1.0/$batch":
			outer++
			if !r.Compressed || r.Status != 200 {
				t.Errorf("$batch log entry %+v", r)
			}
		}
	}
	if items != 4 || outer != 1 { // the dependent item never ran
		t.Fatalf("log: %d items, %d batches", items, outer)
	}

	// The SDK refuses a 21st step; Graph refuses 21 requests.
	b = msgraphcore.NewBatchRequest(adapter)
	for i := 0; i < 20; i++ {
		if _, err := b.AddBatchRequestStep(*orgRI); err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
	}
	if _, err := b.AddBatchRequestStep(*orgRI); err == nil {
		t.Fatal("SDK accepted a 21st step")
	}
}

func TestBatchValidation(t *testing.T) {
	e := start(t, emulator.Options{})
	tok := bootstrapToken(t, e)
	req := func(id, url string) map[string]any { return map[string]any{"id": id, "method": "GET", "url": url} }
	var twentyOne []any
	for i := 0; i < 21; i++ {
		twentyOne = append(twentyOne, req(fmt.Sprint(i), "/organization"))
	}
	for _, tc := range []struct {
		name string
		body any
	}{
		{"21 requests", map[string]any{"requests": twentyOne}},
		{"duplicate ids, any case", map[string]any{"requests": []any{req("a", "/organization"), req("A", "/users")}}},
		{"dependency on unknown id", map[string]any{"requests": []any{map[string]any{"id": "1", "method": "GET", "url": "/organization", "dependsOn": []string{"9"}}}}},
		{"not JSON", "requests"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := rawGraph(t, e, "POST", "/v1.0/$batch", tok, tc.body)
			if status != 400 || body["error"] == nil {
				t.Fatalf("status %d %v", status, body)
			}
		})
	}

	// Relative urls with or without the leading slash; a base64 body; item headers.
	status, body := rawGraph(t, e, "POST", "/v1.0/$batch", tok, map[string]any{"requests": []any{
		req("1", "organization"),
		req("2", "/users/adele.vance@contoso.com?$select=id,mail"),
		map[string]any{"id": "3", "method": "POST", "url": "/applications", "headers": map[string]string{"content-type": "application/json"},
			"body": base64.StdEncoding.EncodeToString([]byte(`{"displayName":"from base64"}`))},
		map[string]any{"id": "4", "method": "POST", "url": "/applications", "headers": map[string]string{"Content-Type": "application/json"},
			"body": map[string]any{"displayName": "from JSON"}},
	}})
	if status != 200 {
		t.Fatalf("batch %d %v", status, body)
	}
	got := map[string]float64{}
	for _, r := range as[[]any](t, body["responses"]) {
		item := as[map[string]any](t, r)
		got[as[string](t, item["id"])] = as[float64](t, item["status"])
		if item["id"] == "2" {
			if u := as[map[string]any](t, item["body"]); u["mail"] != "adele.vance@contoso.com" || u["displayName"] != nil {
				t.Errorf("item 2 body %v", u)
			}
		}
	}
	if got["1"] != 200 || got["2"] != 200 || got["3"] != 201 || got["4"] != 201 {
		t.Fatalf("statuses %v", got)
	}

	// Items are authorized like direct calls.
	reader, secret := e.Portal().CreateApplication("reader", "User.Read.All")
	rtok, err := token(t, e, reader.AppID, secret, graphScope)
	if err != nil {
		t.Fatal(err)
	}
	status, body = rawGraph(t, e, "POST", "/v1.0/$batch", rtok, map[string]any{"requests": []any{req("1", "/applications")}})
	item := as[map[string]any](t, as[[]any](t, body["responses"])[0])
	if status != 200 || item["status"] != float64(http.StatusForbidden) {
		t.Fatalf("unauthorized item: %d %v", status, item)
	}
}

// itemErrorCode reads error.code from a batch item body as the SDK decoded it (strings
// arrive as *string).
func itemErrorCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	switch v := e["code"].(type) {
	case *string:
		return *v
	case string:
		return v
	}
	return ""
}
