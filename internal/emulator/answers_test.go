package emulator_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/applications"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// Faults after the write: the request is served, its write done, and then the answer is lost
// or comes too late. A client sees an error for a write that happened; these tests show the
// emulator produces exactly that, on Graph, in a batch and on the token endpoint.

func TestFaultAnswerLostAfterWrite(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	e.Inject(emulator.Fault{Method: "POST", PathRegexp: "^/v1.0/applications$", LoseAnswer: true, Times: 1})

	_, err := g.Applications().Post(c, newApp("Lost answer"), nil)
	if err == nil {
		t.Fatal("the client got an answer the fault should have lost")
	}
	apps := e.Portal().Applications()
	if n := countNamed(apps, "Lost answer"); n != 1 {
		t.Fatalf("%d applications named %q, want the one the lost request made", n, "Lost answer")
	}
	log := requestsTo(e, "/v1.0/applications")
	if len(log) != 1 || log[0].Status != 201 || !log[0].AnswerLost || log[0].Fault {
		t.Fatalf("log %+v, want one served 201 whose answer was lost", log)
	}

	// The fault fired once: the next call is answered.
	if _, err := g.Applications().Post(c, newApp("Answered"), nil); err != nil {
		t.Fatal(err)
	}
}

func TestFaultAnswerAfterClientTimeout(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	e.Inject(emulator.Fault{Method: "POST", PathRegexp: "/addPassword$", AnswerDelay: 5 * time.Second, Times: 1})
	app, _ := e.Portal().CreateApplication("Slow answer")

	c, cancel := context.WithTimeout(ctx(t), 300*time.Millisecond)
	defer cancel()
	body := applications.NewItemAddPasswordPostRequestBody()
	_, err := g.Applications().ByApplicationId(app.ObjectID).AddPassword().Post(c, body, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the client's deadline, got %v", err)
	}
	got, _ := e.Portal().Application(app.ObjectID)
	if len(got.Passwords) != 2 {
		t.Fatalf("%d secrets, want the portal's and the one the timed-out request added", len(got.Passwords))
	}
	log := requestsTo(e, "/v1.0/applications/"+app.ObjectID+"/addPassword")
	if len(log) != 1 || log[0].Status != 200 || log[0].AnswerDelay != 5*time.Second {
		t.Fatalf("log %+v", log)
	}
}

// TestFaultAnswerLostInBatch: a batch item's write is done and the batch's answer is lost,
// so the client hears of neither item although both ran.
func TestFaultAnswerLostInBatch(t *testing.T) {
	e := start(t, emulator.Options{})
	g := bootstrapGraph(t, e)
	c := ctx(t)
	e.Inject(emulator.Fault{Method: "POST", PathRegexp: "^/v1.0/applications$", LoseAnswer: true, Skip: 1, Times: 1})

	batch := msgraphcore.NewBatchRequest(g.GetAdapter())
	for _, name := range []string{"Batch one", "Batch two"} {
		info, err := g.Applications().ToPostRequestInformation(c, newApp(name), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := batch.AddBatchRequestStep(*info); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := batch.Send(c, g.GetAdapter()); err == nil {
		t.Fatal("the batch's answer arrived although an item's answer was lost")
	}
	apps := e.Portal().Applications()
	if countNamed(apps, "Batch one") != 1 || countNamed(apps, "Batch two") != 1 {
		t.Fatal("both items should have been written")
	}
	var items, lostBatches int
	for _, r := range e.Requests() {
		switch {
		case r.InBatch && r.Path == "/v1.0/applications":
			items++
		case r.Path == "/v1.0/$batch" && r.AnswerLost:
			lostBatches++
		}
	}
	if items != 2 || lostBatches != 1 {
		t.Fatalf("log: %d items, %d lost batch answers", items, lostBatches)
	}
}

// TestFaultAnswerLostOnTokenEndpoint: the token service issues a token whose answer never
// arrives; the next attempt signs in.
func TestFaultAnswerLostOnTokenEndpoint(t *testing.T) {
	e := start(t, emulator.Options{})
	seed := e.Seed()
	e.Inject(emulator.Fault{Method: "POST", PathRegexp: "/oauth2/v2.0/token$", LoseAnswer: true, Times: 1})
	if _, err := token(t, e, seed.BootstrapClientID, seed.BootstrapSecret, graphScope); err == nil {
		t.Fatal("token answer arrived although lost")
	}
	if _, err := token(t, e, seed.BootstrapClientID, seed.BootstrapSecret, graphScope); err != nil {
		t.Fatalf("second sign-in: %v", err)
	}
	log := requestsTo(e, "/"+seed.TenantID+"/oauth2/v2.0/token")
	if len(log) != 2 || log[0].Status != 200 || !log[0].AnswerLost || log[1].AnswerLost {
		t.Fatalf("log %+v", log)
	}
}

func TestFaultsFileAfterWriteKinds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faults.json")
	if err := os.WriteFile(path, []byte(`[{"pathRegexp":"^/v1.0/applications$","loseAnswer":true},{"pathRegexp":"/addPassword$","answerDelay":"2s"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	faults, err := emulator.LoadFaults(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(faults) != 2 || !faults[0].LoseAnswer || faults[1].AnswerDelay != 2*time.Second {
		t.Fatalf("faults %+v", faults)
	}
}

// TestRequestLogLeadsTheAnswer: a request is in the log (and OnRequest has seen it) before its
// answer reaches the client, so reading the log right after a call never races.
func TestRequestLogLeadsTheAnswer(t *testing.T) {
	seen := make(chan emulator.Request, 100)
	e := start(t, emulator.Options{OnRequest: func(r emulator.Request) { seen <- r }})
	tok := bootstrapToken(t, e)
	for len(seen) > 0 { // the sign-in's requests
		<-seen
	}
	for i := range 50 {
		e.ResetRequests()
		status, _ := rawGraph(t, e, "GET", "/v1.0/organization", tok, nil)
		if status != 200 {
			t.Fatalf("status %d", status)
		}
		if log := e.Requests(); len(log) != 1 || log[0].Path != "/v1.0/organization" {
			t.Fatalf("call %d: log %+v right after the answer", i, log)
		}
		select {
		case r := <-seen:
			if r.Path != "/v1.0/organization" {
				t.Fatalf("OnRequest saw %s", r.Path)
			}
		default:
			t.Fatalf("call %d: answered before OnRequest saw it", i)
		}
	}
}

func countNamed(apps []emulator.Application, name string) int {
	n := 0
	for _, a := range apps {
		if a.DisplayName == name {
			n++
		}
	}
	return n
}
