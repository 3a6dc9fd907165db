package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// req is a request at path that starts at ms milliseconds after t0 and lasts dur ms.
func req(path string, ms, dur int) emulator.Request {
	return emulator.Request{Method: "GET", Path: path, Time: t0.Add(time.Duration(ms) * time.Millisecond), Duration: time.Duration(dur) * time.Millisecond}
}

// item is a batch item at path, started ms milliseconds after t0; it takes 1 ms.
func item(path string, ms int) emulator.Request {
	r := req(path, ms, 1)
	r.InBatch = true
	return r
}

const (
	tokenPath = "/00000000-0000-0000-0000-000000000001/oauth2/v2.0/token"
	graphPath = "/v1.0/applications"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path string
		want Kind
	}{
		{tokenPath, Token},
		{"/contoso.onmicrosoft.com/OAuth2/V2.0/Token", Token},
		{"/organizations/v2.0/.well-known/openid-configuration", Discovery},
		{"/common/discovery/instance", Discovery},
		{"/v1.0/$batch", Graph},
		{"/v1.0/servicePrincipals(appId='x')/appRoleAssignments", Graph},
		{"/v1.0", Graph},
		{"/v1.0x/applications", Other},
		{"/common/discovery/v2.0/keys", Other},
		{"/metadata/identity/oauth2/token", Other}, // a managed identity's token, not the token service's
	} {
		if got := Classify(emulator.Request{Path: tc.path}); got != tc.want {
			t.Errorf("Classify(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

func TestCountKeepsBatchItemsApart(t *testing.T) {
	t.Parallel()
	reqs := []emulator.Request{
		req("/common/discovery/instance", 0, 1),
		req(tokenPath, 1, 1),
		item(graphPath, 2),
		item("/v1.0/servicePrincipals", 2),
		req("/v1.0/$batch", 2, 2),
		req(graphPath, 5, 1),
		req("/favicon.ico", 6, 1),
	}
	want := Counts{Total: 5, Token: 1, Graph: 2, Discovery: 1, Other: 1, BatchItems: 2}
	if got := Count(reqs); got != want {
		t.Errorf("Count = %+v, want %+v", got, want)
	}
}

func TestRoundTrips(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		reqs []emulator.Request
		want int
	}{
		{"none", nil, 0},
		{"one after another", []emulator.Request{req(tokenPath, 0, 50), req(graphPath, 60, 50), req(graphPath, 120, 50)}, 3},
		// A request may start the moment the one before it ended.
		{"back to back", []emulator.Request{req(graphPath, 0, 50), req(graphPath, 50, 50)}, 2},
		{"ten in flight together", func() []emulator.Request {
			var rs []emulator.Request
			for i := range 10 {
				rs = append(rs, req(graphPath, i, 50))
			}
			return rs
		}(), 1},
		// Two waves of parallel requests after a sign-in, logged out of order.
		{"waves", []emulator.Request{
			req(graphPath, 120, 50), req(graphPath, 60, 50), req(tokenPath, 0, 50),
			req(graphPath, 61, 52), req(graphPath, 121, 50),
		}, 3},
		// A long request overlapping two short sequential ones: the chain takes the short ones.
		{"long beside short", []emulator.Request{req(graphPath, 0, 200), req(graphPath, 10, 50), req(graphPath, 70, 50)}, 2},
		// Batch items run inside their $batch: no round trips of their own.
		{"batch items", []emulator.Request{
			item(graphPath, 51), item(graphPath, 53), item(graphPath, 55),
			req("/v1.0/$batch", 0, 60),
		}, 1},
	} {
		if got := RoundTrips(tc.reqs); got != tc.want {
			t.Errorf("%s: RoundTrips = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestSignIns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		reqs           []emulator.Request
		signIns, idles int
	}{
		{"no requests", nil, 0, 0},
		{"sign-in then Graph", []emulator.Request{req(tokenPath, 0, 10), req(graphPath, 20, 10)}, 1, 0},
		{"sign-in alone", []emulator.Request{req("/common/discovery/instance", 0, 5), req(tokenPath, 10, 10)}, 1, 1},
		// plan -destroy: the refresh walk reads, the destroy plan walk signs in for nothing. The
		// log is in the order requests ended; SignIns goes by when they started.
		{"refresh walk, then an idle walk", []emulator.Request{
			req(tokenPath, 0, 10), req(tokenPath, 500, 10), req(graphPath, 20, 10),
		}, 2, 1},
		// A $batch is the Graph request that makes the walk busy.
		{"batch", []emulator.Request{req(tokenPath, 0, 10), item(graphPath, 21), req("/v1.0/$batch", 20, 10)}, 1, 0},
	} {
		s, idle := SignIns(tc.reqs)
		if s != tc.signIns || idle != tc.idles {
			t.Errorf("%s: SignIns = %d, %d idle; want %d, %d idle", tc.name, s, idle, tc.signIns, tc.idles)
		}
	}
}

func TestFloor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		phase          Phase
		n, parallelism int
		want           int
	}{
		{Apply, 1, 10, 2 + 3},
		{Apply, 100, 10, 2 + 3*10},
		{Plan, 1, 10, 1 + 1},
		{Plan, 100, 10, 1 + 10},
		{Destroy, 11, 10, 2 + 2}, // 11 registrations are two waves
		{Destroy, 100, 10, 2 + 10},
		{Plan, 3, 0, 1 + 3}, // no parallelism is one at a time
	} {
		if got := FloorRoundTrips(tc.phase, tc.n, tc.parallelism); got != tc.want {
			t.Errorf("FloorRoundTrips(%v, %d, %d) = %d, want %d", tc.phase, tc.n, tc.parallelism, got, tc.want)
		}
	}
	if got, want := Floor(2*time.Second, 32, 50*time.Millisecond), 3600*time.Millisecond; got != want {
		t.Errorf("Floor(2s, 32, 50ms) = %v, want %v", got, want)
	}
	p := PhaseResult{Wall: 7200 * time.Millisecond, Floor: Floor(2*time.Second, 32, 50*time.Millisecond)}
	if got := p.Ratio(); got != 2 {
		t.Errorf("Ratio = %v, want 2", got)
	}
}

func TestMarkdownHasOneTablePerN(t *testing.T) {
	t.Parallel()
	rep := &Report{Date: t0, Latency: 50 * time.Millisecond, Parallelism: 10, Machine: Machine{CPUs: 4, OS: "linux", Arch: "amd64", Terraform: "Terraform v1.11.4"}}
	for _, n := range []int{1, 100} {
		rep.Results = append(rep.Results, Result{N: n, Phases: []PhaseResult{{Phase: Apply, Wall: 1234 * time.Millisecond, Floor: time.Second}}})
	}
	md := rep.Markdown()
	for _, want := range []string{"## N = 1 (latency 50ms", "## N = 100 (latency 50ms", "| apply |", "| 1.23 s |", "| 1.23 |", "2025-01-01", "Terraform v1.11.4", "make bench"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "%!") {
		t.Errorf("Markdown has a formatting error:\n%s", md)
	}
	if strings.Contains(md, "Note:") {
		t.Errorf("Markdown warns of a busy machine, but every phase was faster at 0 ms:\n%s", md)
	}
}

func TestBusyNote(t *testing.T) {
	t.Parallel()
	r := Result{N: 100, Phases: []PhaseResult{
		{Phase: Apply, Wall: 10 * time.Second, BaseWall: 8 * time.Second},
		{Phase: Destroy, Wall: 6 * time.Second, BaseWall: 12 * time.Second},
	}}
	note := r.busyNote()
	if !strings.Contains(note, "destroy took longer at 0 ms") || strings.Contains(note, "apply") {
		t.Errorf("busyNote = %q, want it to name destroy only", note)
	}
}
