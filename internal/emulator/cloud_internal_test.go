package emulator

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestGraphRefusesAnotherCloudsToken: Graph in a national cloud refuses a token whose
// audience is the global Graph, even one its own token service signed; the token service
// never issues one (AADSTS500011), so it is minted here.
func TestGraphRefusesAnotherCloudsToken(t *testing.T) {
	e, err := Start(Options{Cloud: "usgovernment"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	s := e.store
	all := view{all: true}
	s.mu.Lock()
	app, client, graph := s.appByAppID(BootstrapClientID, all), s.spByAppID(BootstrapClientID, all), *s.spByAppID(GraphAppID, all)
	s.mu.Unlock()

	for _, tc := range []struct {
		aud    string
		status int
	}{
		{"https://graph.microsoft.us", http.StatusOK},
		{GraphResource, http.StatusUnauthorized},
	} {
		res := graph
		res.audience = tc.aud
		tok, aerr := e.appToken(app, client, &res, "1", []string{"Organization.Read.All"}, time.Now())
		if aerr != nil {
			t.Fatal(aerr)
		}
		req, _ := http.NewRequest(http.MethodGet, e.URL()+"/v1.0/organization", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := e.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Fatalf("aud %s: %d, want %d", tc.aud, resp.StatusCode, tc.status)
		}
	}
	if last := e.Requests()[len(e.Requests())-1]; last.Code != "InvalidAuthenticationToken" || !strings.HasPrefix(last.Path, "/v1.0/") {
		t.Fatalf("logged %+v", last)
	}
}
