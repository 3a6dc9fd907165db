package login_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// TestAccLoginInATerminalThenTerraform is the sign-in as a person does it, for real: the
// built provider binary's `login` runs in a pseudo-terminal, where the person reads the
// device code; the test enters it as the Global Administrator at the emulator's device login
// page; then a real `terraform plan` and `terraform apply` (separate provider processes,
// through dev_overrides) register the migration app without asking anyone again.
func TestAccLoginInATerminalThenTerraform(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
	e := acctest.StartEmulator(t, emulator.Options{})
	binDir := acctest.BuildProvider(t)
	bin := filepath.Join(binDir, "terraform-provider-stellar")
	work := t.TempDir()
	cache := filepath.Join(work, "tokens")
	tenant := e.Seed().TenantID

	// The person's terminal.
	login := exec.Command(bin, "login", "-tenant", tenant, "-authority-host", e.URL(), "-ca-file", e.CAFile(), "-token-cache-dir", cache, "-timeout", "2m")
	term, err := pty.Start(login)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	screen := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(term)
		for sc.Scan() {
			screen <- sc.Text()
		}
		close(screen)
	}()
	code := regexp.MustCompile(`enter the code ([A-Z0-9]+)`)
	var shown []string
	readUntil := func(want *regexp.Regexp) []string {
		t.Helper()
		deadline := time.After(time.Minute)
		for {
			select {
			case line, ok := <-screen:
				if !ok {
					t.Fatalf("the terminal closed before %s:\n%s", want, strings.Join(shown, "\n"))
				}
				shown = append(shown, line)
				if m := want.FindStringSubmatch(line); m != nil {
					return m
				}
			case <-deadline:
				t.Fatalf("the terminal never showed %s:\n%s", want, strings.Join(shown, "\n"))
			}
		}
	}
	userCode := readUntil(code)[1]
	if err := acctest.CompleteDeviceLogin(e, userCode, "admin@contoso.com"); err != nil {
		t.Fatal(err)
	}
	readUntil(regexp.MustCompile(`Signed in as admin@contoso\.com`))
	if err := login.Wait(); err != nil {
		t.Fatalf("login: %v\n%s", err, strings.Join(shown, "\n"))
	}
	if fi, err := os.Stat(cache); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("token cache directory %v %v", fi, err)
	}

	// Terraform, with the provider from the build.
	w := acctest.NewWorkspace(t, binDir, fmt.Sprintf(`provider "stellar" {
  tenant_id           = %q
  authority_host      = %q
  graph_endpoint      = %q
  ca_certificate_file = %q
  use_device_code     = true
  token_cache_dir     = %q
}

resource "stellar_target_registration" "migrator" {
  display_name                  = "Stellar Migrator - signed in as admin"
  permanently_delete_on_destroy = true
}
`, tenant, e.URL(), e.URL(), e.CAFile(), cache))
	run := func(args ...string) string { t.Helper(); return w.Run(t, args...) }
	run("plan", "-out", "tfplan")
	run("apply", "tfplan")
	found := false
	for _, a := range e.Portal().Applications() {
		found = found || a.DisplayName == "Stellar Migrator - signed in as admin"
	}
	if !found {
		t.Fatal("apply registered nothing in the tenant")
	}
	if out := run("plan", "-detailed-exitcode"); !strings.Contains(out, "No changes") {
		t.Fatalf("plan after apply:\n%s", out)
	}
	devicecodes := 0
	for _, r := range e.Requests() {
		if strings.HasSuffix(r.Path, "/oauth2/v2.0/devicecode") {
			devicecodes++
		}
	}
	if devicecodes != 1 {
		t.Fatalf("%d device-code sign-ins, want only the login's: every provider process must read the cache", devicecodes)
	}
	run("destroy", "-auto-approve")

	// Signing out removes the sign-in: the provider then asks for a new login.
	out, err := exec.Command(bin, "logout", "-tenant", tenant, "-authority-host", e.URL(), "-token-cache-dir", cache).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Signed out") {
		t.Fatalf("logout: %v\n%s", err, out)
	}
	if out, err := w.Try("plan"); err == nil || !regexp.MustCompile(`nobody has signed in(.|\n)*terraform-provider-stellar\s+login`).MatchString(out) {
		t.Fatalf("plan after logout: %v\n%s", err, out)
	}
}
