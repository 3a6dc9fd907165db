package provider_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// TestAccNationalClouds: per cloud, the emulator serves as that cloud under its real host
// names (reached through a proxy that sends only those names to it, as a hosts-file entry
// would), and the provider, told only environment, signs in at the cloud's login host and
// calls the cloud's own Graph with tokens for that Graph. The import/export permission,
// which only the global cloud offers, draws a plan-time warning elsewhere.
func TestAccNationalClouds(t *testing.T) {
	t.Parallel()
	bin := acctest.BuildProvider(t)
	for _, tc := range []struct {
		environment, cloud, login, graph string
	}{
		{"usgovernment", "usgovernment", "login.microsoftonline.us", "graph.microsoft.us"},
		{"usgovernmentl4", "usgovernment", "login.microsoftonline.us", "graph.microsoft.us"},
		{"dod", "dod", "login.microsoftonline.us", "dod-graph.microsoft.us"},
		{"usgovernmentl5", "dod", "login.microsoftonline.us", "dod-graph.microsoft.us"},
		{"china", "china", "login.chinacloudapi.cn", "microsoftgraph.chinacloudapi.cn"},
		{"public", "global", "login.microsoftonline.com", "graph.microsoft.com"},
	} {
		t.Run(tc.environment, func(t *testing.T) {
			t.Parallel()
			e := acctest.StartEmulator(t, emulator.Options{Cloud: tc.cloud})
			proxy := acctest.StartHostsProxy(t, acctest.HostPort(e.URL()), tc.login, tc.graph)
			seed := e.Seed()
			const name = "stellar-national-cloud"
			config := fmt.Sprintf(`
provider "stellar" {
  environment         = %q
  tenant_id           = %q
  client_id           = %q
  client_secret       = %q
  ca_certificate_file = %q
}

resource "stellar_target_registration" "test" {
  display_name                  = %q
  permanently_delete_on_destroy = true
  api_permissions = [{ api = "microsoft_graph", application = ["User.Read.All", "MailboxItem.ImportExport.All"] }]
}
`, tc.environment, seed.TenantID, seed.BootstrapClientID, seed.BootstrapSecret, e.CAFile(), name)
			w := acctest.NewWorkspace(t, bin, config)
			w.Env = []string{"HTTPS_PROXY=" + proxy.URL, "https_proxy=" + proxy.URL, "NO_PROXY=", "no_proxy="}

			out := w.Run(t, "apply", "-auto-approve")
			warned := strings.Contains(out, "Not offered in this cloud")
			if warned != (tc.cloud != "global") {
				t.Errorf("the import/export warning shown = %v in the %s cloud:\n%s", warned, tc.cloud, out)
			}
			if got, want := proxy.Hosts(), []string{tc.login, tc.graph}; !slices.Equal(got, want) {
				t.Errorf("the provider reached %v, want %v", got, want)
			}
			checkCloudRequests(t, e, tc.login, tc.graph, "https://"+tc.graph)
			if out, err := w.Try("plan", "-detailed-exitcode"); err != nil {
				t.Fatalf("plan after apply is not empty: %v\n%s", err, out)
			}
			w.Run(t, "destroy", "-auto-approve")
			checkNothingLeft(t, e, name)

			// The import/export preset cannot work outside the global cloud: a plan-time error there.
			w.SetConfig(t, strings.Replace(config, "api_permissions = [{ api = \"microsoft_graph\", application = [\"User.Read.All\", \"MailboxItem.ImportExport.All\"] }]",
				"permission_set = \"graph_import_export\"", 1))
			out, err := w.Try("plan", "-no-color")
			refused := err != nil && strings.Contains(out, "Not offered in the "+tc.cloud+" cloud") && strings.Contains(out, "permission_set")
			if refused != (tc.cloud != "global") || (tc.cloud == "global" && err != nil) {
				t.Errorf("permission_set = \"graph_import_export\" in the %s cloud: refused = %v, err = %v:\n%s", tc.cloud, refused, err, out)
			}
		})
	}
}

// checkCloudRequests checks in the emulator's log that sign-in went to the login host, Graph
// to the Graph host with tokens whose audience is that Graph, and that every call succeeded.
func checkCloudRequests(t *testing.T, e *emulator.Emulator, login, graph, audience string) {
	t.Helper()
	var graphCalls int
	for _, r := range e.Requests() {
		isGraph := strings.HasPrefix(r.Path, "/v1.0")
		switch {
		case isGraph && r.Host != graph, !isGraph && r.Host != login:
			t.Errorf("%s %s went to %s", r.Method, r.Path, r.Host)
		case isGraph && !r.InBatch && r.Audience != audience:
			t.Errorf("%s %s carried a token for %q, want %q", r.Method, r.Path, r.Audience, audience)
		case r.Status >= 400 && r.Status != 404:
			t.Errorf("%s %s answered %d %s", r.Method, r.Path, r.Status, r.Code)
		}
		if isGraph {
			graphCalls++
		}
	}
	if graphCalls == 0 {
		t.Error("no Graph request reached the emulator")
	}
}
