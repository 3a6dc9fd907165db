package emulator_test

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/organization"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// requestsTo returns the log entries for one path.
func requestsTo(e *emulator.Emulator, path string) []emulator.Request {
	var out []emulator.Request
	for _, r := range e.Requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func TestFaultThrottlingRetriedByKiota(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	for _, tc := range []struct {
		name   string
		status int
		code   string
	}{
		{"429", 429, "TooManyRequests"},
		{"503", 503, "serviceNotAvailable"},
		{"504", 504, "timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.ClearFaults()
			e.ResetRequests()
			e.Inject(emulator.Fault{Method: "GET", PathRegexp: "^/v1.0/organization$", Status: tc.status, RetryAfter: "0", Times: 1})
			if _, err := g.Organization().Get(c, nil); err != nil {
				t.Fatalf("not retried: %v", err)
			}
			log := requestsTo(e, "/v1.0/organization")
			if len(log) != 2 || log[0].Status != tc.status || !log[0].Fault || log[0].Code != tc.code || log[1].Status != 200 {
				t.Fatalf("log %+v", log)
			}
		})
	}
}

// TestFaultThrottlingWithoutRetryAfter: Entra's identity services sometimes throttle without
// Retry-After; kiota then backs off on its own.
func TestFaultThrottlingWithoutRetryAfter(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	e.Inject(emulator.Fault{PathRegexp: "^/v1.0/organization$", Status: 429, Times: 1})
	seen := "unset"
	opts := &khttp.RetryHandlerOptions{MaxRetries: 1, DelaySeconds: 1, ShouldRetry: func(_ time.Duration, _ int, _ *http.Request, resp *http.Response) bool {
		seen = resp.Header.Get("Retry-After")
		return true
	}}
	_, err := g.Organization().Get(ctx(t), &organization.OrganizationRequestBuilderGetRequestConfiguration{Options: []abstractions.RequestOption{opts}})
	if err != nil {
		t.Fatalf("not retried: %v", err)
	}
	if seen != "" {
		t.Fatalf("Retry-After %q, want none", seen)
	}
}

func TestFaultServerErrorNotRetried(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	e.Inject(emulator.Fault{Method: "POST", PathRegexp: "^/v1.0/applications$", Skip: 1, Times: 1, Status: 500})
	c := ctx(t)
	if _, err := g.Applications().Post(c, newApp("first passes"), nil); err != nil {
		t.Fatal(err)
	}
	_, err := g.Applications().Post(c, newApp("second fails"), nil)
	wantGraphErr(t, err, 500, "generalException", "")
	if _, err := g.Applications().Post(c, newApp("third passes"), nil); err != nil {
		t.Fatal(err)
	}
	if n := len(e.Portal().Applications()); n != 3 { // bootstrap + 2
		t.Fatalf("%d applications", n)
	}
	e.Inject(emulator.Fault{Method: "GET", Status: 502, Code: "BadGateway", Message: "upstream said no"})
	_, err = g.Organization().Get(c, nil)
	wantGraphErr(t, err, 502, "BadGateway", "upstream said no")
	e.ClearFaults()
	if _, err := g.Organization().Get(c, nil); err != nil {
		t.Fatal(err)
	}
}

func TestFaultOnTokenEndpointAndLatency(t *testing.T) {
	e := start(t, emulator.Options{})
	seed := e.Seed()
	e.Inject(emulator.Fault{PathRegexp: "/oauth2/v2.0/token$", Status: 503, Times: 1})
	_, err := token(t, e, seed.BootstrapClientID, seed.BootstrapSecret, graphScope)
	wantAADSTS(t, err, 503, "AADSTS90033")
	if _, err := token(t, e, seed.BootstrapClientID, seed.BootstrapSecret, graphScope); err != nil {
		t.Fatalf("after the fault: %v", err)
	}

	e.Inject(emulator.Fault{PathRegexp: "openid-configuration$", Latency: 150 * time.Millisecond})
	e.SetLatency(50 * time.Millisecond)
	e.ResetRequests()
	if _, err := token(t, e, seed.BootstrapClientID, seed.BootstrapSecret, graphScope); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.Requests() {
		least := 50 * time.Millisecond
		if strings.HasSuffix(r.Path, "openid-configuration") {
			least += 150 * time.Millisecond
		}
		if r.Duration < least {
			t.Errorf("%s took %v, want at least %v", r.Path, r.Duration, least)
		}
	}
}

func TestFaultsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faults.json")
	if err := os.WriteFile(path, []byte(`[
  {"method": "GET", "pathRegexp": "^/v1.0/users/", "status": 503, "retryAfter": "0", "times": 1, "latency": "20ms"},
  {"PathRegexp": "^/v1.0/organization$", "Status": 429, "Skip": 100}
]`), 0o600); err != nil {
		t.Fatal(err)
	}
	e := start(t, emulator.Options{FaultsFile: path})
	g := bootstrapGraph(t, e)
	if _, err := g.Users().ByUserId("admin@contoso.com").Get(ctx(t), nil); err != nil {
		t.Fatal(err)
	}
	log := requestsTo(e, "/v1.0/users/admin@contoso.com")
	if len(log) != 2 || log[0].Status != 503 || log[0].Duration < 20*time.Millisecond {
		t.Fatalf("log %+v", log)
	}

	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`[{"pathRegexp": "(", "status": 500}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := emulator.Start(emulator.Options{FaultsFile: bad}); err == nil {
		t.Fatal("started with an invalid faults file")
	}
}

// TestFaultEvery: a fault with Every fires on every Every-th matching request only.
func TestFaultEvery(t *testing.T) {
	e := start(t, emulator.Options{})
	tok := bootstrapToken(t, e)
	e.Inject(emulator.Fault{PathRegexp: "^/v1.0/organization$", Status: 429, Every: 2})
	var got []int
	for range 6 {
		status, _ := rawGraph(t, e, "GET", "/v1.0/organization", tok, nil)
		got = append(got, status)
	}
	if want := []int{200, 429, 200, 429, 200, 429}; !slices.Equal(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
}

// TestFaultBodyContains: of two writes to the same path, a fault with BodyContains hits only
// the one whose body carries the text, whether the SDK gzipped the body or it is a batch
// item's; the writes it lets pass, and the handler behind a fault that did not fire, still
// read the whole body.
func TestFaultBodyContains(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	app, err := g.Applications().Post(c, newApp("Body matched"), nil)
	if err != nil {
		t.Fatal(err)
	}
	appPath := "/v1.0/applications/" + *app.GetId()
	e.Inject(emulator.Fault{Method: "PATCH", PathRegexp: "^/v1.0/applications/", BodyContains: "keyCredentials", Status: 500, Times: 2})
	e.ResetRequests()

	access := models.NewApplication()
	access.SetRequiredResourceAccess([]models.RequiredResourceAccessable{})
	if _, err := g.Applications().ByApplicationId(*app.GetId()).Patch(c, access, nil); err != nil {
		t.Fatalf("PATCH requiredResourceAccess hit the fault: %v", err)
	}
	named := models.NewApplication()
	named.SetDisplayName(ptr("Renamed"))
	if _, err := g.Applications().ByApplicationId(*app.GetId()).Patch(c, named, nil); err != nil {
		t.Fatalf("PATCH displayName hit the fault: %v", err)
	}
	if got, _ := e.Portal().Application(*app.GetId()); got.DisplayName != "Renamed" {
		t.Fatalf("the PATCH the fault let pass lost its body: %+v", got)
	}
	keys := models.NewApplication()
	keys.SetKeyCredentials([]models.KeyCredentialable{})
	_, err = g.Applications().ByApplicationId(*app.GetId()).Patch(c, keys, nil)
	wantGraphErr(t, err, 500, "generalException", "")
	log := requestsTo(e, appPath)
	if len(log) != 3 || log[0].Fault || log[1].Fault || !log[2].Fault || !log[2].Compressed {
		t.Fatalf("log %+v", log)
	}

	// The same fault, on an item of a $batch: only the keyCredentials item fails.
	adapter := g.GetAdapter()
	b := msgraphcore.NewBatchRequest(adapter)
	accessRI, _ := g.Applications().ByApplicationId(*app.GetId()).ToPatchRequestInformation(c, access, nil)
	accessStep, _ := b.AddBatchRequestStep(*accessRI)
	keysRI, _ := g.Applications().ByApplicationId(*app.GetId()).ToPatchRequestInformation(c, keys, nil)
	keysStep, _ := b.AddBatchRequestStep(*keysRI)
	resp, err := b.Send(c, adapter)
	if err != nil {
		t.Fatal(err)
	}
	statuses := resp.GetStatusCodes()
	if statuses[*accessStep.GetId()] != 204 || statuses[*keysStep.GetId()] != 500 {
		t.Fatalf("batch item statuses %v", statuses)
	}

	// A faults file names it bodyContains.
	path := filepath.Join(t.TempDir(), "faults.json")
	if err := os.WriteFile(path, []byte(`[{"method": "PATCH", "bodyContains": "keyCredentials", "loseAnswer": true}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if fs, err := emulator.LoadFaults(path); err != nil || len(fs) != 1 || fs[0].BodyContains != "keyCredentials" {
		t.Fatalf("faults file read as %+v, %v", fs, err)
	}
}
