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
