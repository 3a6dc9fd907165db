package provider_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// TestAccFaultMatrix: every Graph call of create, permission update, rotation and destroy,
// and the token endpoint, under each fault a real tenant produces. After each cell, with a
// real terraform and the built provider: the next apply converges (a plan then shows no
// changes), state equals the tenant (read through the emulator), no secret is on the
// application that state does not hold, and destroy leaves nothing, deleted items included.
//
// A call is picked out by method and path and, where two calls of one apply share both (the
// permissions' and the certificate's PATCH of the application, sent at once), by a text its
// body carries. Items of the consent $batch are calls of their own, matched by their paths.
func TestAccFaultMatrix(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
	bin := acctest.BuildProvider(t)
	type call struct {
		phase, name, method, path string
		body                      string // Fault.BodyContains; empty: any body
	}
	calls := []call{
		{"create", "sign-in", "POST", "/oauth2/v2.0/token$", ""},
		{"create", "permission catalogue", "GET", "^/v1.0/servicePrincipals$", ""},
		{"create", "register application", "POST", "^/v1.0/applications$", ""},
		{"create", "add secret", "POST", "/addPassword$", ""},
		{"create", "request permissions", "PATCH", "^/v1.0/applications/", "requiredResourceAccess"},
		{"create", "add certificate", "PATCH", "^/v1.0/applications/", "keyCredentials"},
		{"create", "create service principal", "POST", "^/v1.0/servicePrincipals$", ""},
		{"create", "grant consent", "POST", "/appRoleAssignedTo$", ""},
		{"create", "grant delegated consent", "POST", "^/v1.0/oauth2PermissionGrants$", ""},
		{"update", "update application", "PATCH", "^/v1.0/applications/", ""},
		{"update", "grant consent", "POST", "/appRoleAssignedTo$", ""},
		{"update", "revoke consent", "DELETE", "/appRoleAssignedTo/", ""},
		{"rotation", "add secret", "POST", "/addPassword$", ""},
		{"rotation", "remove secret", "POST", "/removePassword$", ""},
		{"destroy", "delete application", "DELETE", "^/v1.0/applications/", ""},
		{"destroy", "purge", "DELETE", "^/v1.0/directory/deletedItems/", ""},
	}
	faults := []struct {
		name  string
		fault emulator.Fault
		lag   time.Duration
	}{
		{"429 with Retry-After", emulator.Fault{Status: 429, RetryAfter: "0.5", Times: 1}, 0},
		{"429 without Retry-After", emulator.Fault{Status: 429, Times: 1}, 0},
		{"500", emulator.Fault{Status: 500, Times: 1}, 0},
		{"503", emulator.Fault{Status: 503, Times: 1}, 0},
		{"answer lost after the write", emulator.Fault{LoseAnswer: true, Times: 1}, 0},
		{"answer after the client's timeout", emulator.Fault{AnswerDelay: 30 * time.Second, Times: 1}, 0},
		{"replication lag", emulator.Fault{}, 2 * time.Second},
	}
	t.Logf("fault matrix: %d calls x %d faults = %d cells", len(calls), len(faults), len(calls)*len(faults))
	for _, c := range calls {
		for _, f := range faults {
			t.Run(c.phase+"/"+c.name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				fault := f.fault
				fault.Method, fault.PathRegexp, fault.BodyContains = c.method, c.path, c.body
				runCell(t, bin, c.phase, fault, f.lag)
			})
		}
	}
}

func runCell(t *testing.T, bin, phase string, fault emulator.Fault, lag time.Duration) {
	e := acctest.StartEmulator(t, emulator.Options{})
	name := "stellar-matrix"
	// Both credentials, so that the certificate's write is a call of create too; a delegated
	// permission, so that consent writes the all-users grant.
	cert, _ := selfSignedCertificate(t)
	config := func(permissions, generation string) string {
		return acctest.ProviderBlock(e) + fmt.Sprintf(`
resource "stellar_target_registration" "test" {
  display_name                  = %q
  permanently_delete_on_destroy = true
  api_permissions               = [{ api = "microsoft_graph", application = [%s], delegated = [%q] }]
  rotate_when_changed           = { generation = %q }
  client_certificate            = %q
  timeouts = {
    create = "10s"
    update = "10s"
    delete = "10s"
  }
}
`, name, permissions, matrixDelegated, generation, publicPEM(cert))
	}
	before, after := `"User.Read.All", "Mail.ReadWrite"`, `"User.Read.All", "Calendars.ReadWrite"`
	w := acctest.NewWorkspace(t, bin, config(before, "1"))
	inject := func() {
		if lag > 0 {
			e.SetReplicationLag(lag)
		} else {
			e.Inject(fault)
		}
	}
	calm := func() { e.ClearFaults(); e.SetReplicationLag(0) }

	switch phase {
	case "create":
		inject()
		_, _ = w.Try("apply", "-auto-approve") // may fail: the next apply must converge
	case "update", "rotation":
		w.Run(t, "apply", "-auto-approve")
		if phase == "update" {
			w.SetConfig(t, config(after, "1"))
		} else {
			w.SetConfig(t, config(before, "2"))
		}
		inject()
		_, _ = w.Try("apply", "-auto-approve")
	case "destroy":
		w.Run(t, "apply", "-auto-approve")
		inject()
		if _, err := w.Try("destroy", "-auto-approve"); err == nil {
			calm()
			checkNothingLeft(t, e, name)
			return
		}
	}
	calm()
	if phase == "destroy" {
		w.Run(t, "destroy", "-auto-approve")
		checkNothingLeft(t, e, name)
		return
	}
	// Converge: adopt what an interrupted create left, then apply until nothing changes.
	if out, err := w.Try("apply", "-auto-approve"); err != nil {
		if !strings.Contains(out, "already exists") {
			t.Fatalf("converging apply: %v\n%s", err, out)
		}
		t.Fatalf("a registration was left outside state:\n%s", out)
	}
	if out, err := w.Try("plan", "-detailed-exitcode"); err != nil {
		t.Fatalf("plan after converging is not empty: %v\n%s", err, out)
	}
	checkStateIsTenant(t, e, w, name, certThumbprint(cert))
	w.Run(t, "destroy", "-auto-approve")
	checkNothingLeft(t, e, name)
}

// matrixDelegated is the delegated permission of the matrix's configuration.
const matrixDelegated = "User.Read"

// checkStateIsTenant compares state with what the emulator holds: the one application, its
// one secret, its one certificate, its service principal's consent (the two application
// permissions and one all-users grant of matrixDelegated).
func checkStateIsTenant(t *testing.T, e *emulator.Emulator, w *acctest.Workspace, name, thumb string) {
	t.Helper()
	var show struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Values map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	out := w.Run(t, "show", "-json")
	if i := strings.IndexByte(out, '{'); i >= 0 {
		out = out[i:]
	}
	if err := json.Unmarshal([]byte(out), &show); err != nil || len(show.Values.RootModule.Resources) != 1 {
		t.Fatalf("state: %v\n%s", err, out)
	}
	st := show.Values.RootModule.Resources[0].Values
	var apps []emulator.Application
	for _, a := range e.Portal().Applications() {
		if a.DisplayName == name {
			apps = append(apps, a)
		}
	}
	if len(apps) != 1 || apps[0].ObjectID != st["object_id"] || apps[0].AppID != st["client_id"] {
		t.Fatalf("tenant holds %+v, state %v / %v", apps, st["object_id"], st["client_id"])
	}
	var keys []string
	for _, p := range apps[0].Passwords {
		keys = append(keys, p.KeyID)
	}
	if !slices.Equal(keys, []string{fmt.Sprint(st["client_secret_key_id"])}) {
		t.Fatalf("secrets on the application %v, state holds %v", keys, st["client_secret_key_id"])
	}
	if c := apps[0].Certificates; len(c) != 1 || c[0].Thumbprint != thumb || st["client_certificate_thumbprint"] != thumb {
		t.Fatalf("certificates on the application %+v, state holds %v, want %s", c, st["client_certificate_thumbprint"], thumb)
	}
	sp, ok := e.Portal().ServicePrincipalByAppID(apps[0].AppID)
	if !ok || sp.ObjectID != st["service_principal_id"] {
		t.Fatalf("service principal %v (%v), state %v", sp.ObjectID, ok, st["service_principal_id"])
	}
	if n := len(e.Portal().AppRoleAssignments(sp.ObjectID)); n != 2 {
		t.Fatalf("%d permissions consented, want the 2 configured", n)
	}
	if g := e.Portal().DelegatedGrants(sp.ObjectID); len(g) != 1 || g[0].Scope != matrixDelegated || g[0].ConsentType != "AllPrincipals" {
		t.Fatalf("delegated grants %+v, want one all-users grant of %s", g, matrixDelegated)
	}
	if got := stateDelegated(st); !slices.Equal(got, []string{matrixDelegated}) {
		t.Fatalf("state's granted delegated permissions %v, want [%s]", got, matrixDelegated)
	}
}

// stateDelegated is the delegated permissions state holds as granted, over every API.
func stateDelegated(st map[string]any) []string {
	var out []string
	granted, _ := st["granted_permissions"].([]any)
	for _, g := range granted {
		m, _ := g.(map[string]any)
		ds, _ := m["delegated"].([]any)
		for _, d := range ds {
			out = append(out, fmt.Sprint(d))
		}
	}
	slices.Sort(out)
	return out
}

func checkNothingLeft(t *testing.T, e *emulator.Emulator, name string) {
	t.Helper()
	for _, a := range e.Portal().Applications() {
		if a.DisplayName == name {
			t.Fatalf("application %s left after destroy", a.ObjectID)
		}
	}
	if d := e.Portal().DeletedApplications(); len(d) != 0 {
		t.Fatalf("%d applications left in deleted items", len(d))
	}
}
