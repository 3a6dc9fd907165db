package provider_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// Interruptions of a real terraform process, with the built provider: Ctrl-C (SIGINT to the
// process group, as a terminal sends it) while the create call is in flight, and SIGKILL of
// terraform and the provider right after the application exists. Each is followed by apply
// and destroy: never a second application, nothing left, no secret nobody holds.
func TestAccInterrupt(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
	bin := acctest.BuildProvider(t)
	for _, tc := range []struct {
		name   string
		signal syscall.Signal
		// when picks the request whose arrival triggers the signal.
		when func(emulator.Request) bool
	}{
		{"SIGINT during the create call", syscall.SIGINT, func(r emulator.Request) bool {
			return r.Method == "POST" && r.Path == "/v1.0/applications"
		}},
		{"SIGKILL after the application exists", syscall.SIGKILL, func(r emulator.Request) bool {
			return r.Method == "POST" && r.Path == "/v1.0/applications" && r.Status == 201
		}},
		{"SIGKILL mid-rotation", syscall.SIGKILL, func(r emulator.Request) bool {
			return r.Method == "POST" && strings.HasSuffix(r.Path, "/addPassword") && r.Status == 200
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fired := make(chan struct{}, 1)
			var armed atomic.Bool // read by the emulator's goroutines
			e := acctest.StartEmulator(t, emulator.Options{OnRequest: func(r emulator.Request) {
				if armed.Load() && tc.when(r) {
					select {
					case fired <- struct{}{}:
					default:
					}
				}
			}})
			name := "stellar-interrupted"
			config := func(extra string) string {
				return acctest.ProviderBlock(e) + fmt.Sprintf(`
resource "stellar_target_registration" "test" {
  display_name                  = %q
  permanently_delete_on_destroy = true
%s
}
`, name, extra)
			}
			w := acctest.NewWorkspace(t, bin, config(""))
			if tc.name == "SIGKILL mid-rotation" {
				w.Run(t, "apply", "-auto-approve")
				w.SetConfig(t, config(`  rotate_when_changed = { generation = "2" }`))
			}
			armed.Store(true)

			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := w.Command(ctx, "apply", "-auto-approve", "-no-color")
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-fired:
			case <-time.After(2 * time.Minute):
				t.Fatal("the apply never made the call to interrupt")
			}
			_ = syscall.Kill(-cmd.Process.Pid, tc.signal) // the whole group: terraform and the provider
			_ = cmd.Wait()
			armed.Store(false)

			// The next apply converges, adopting what a killed apply left if need be.
			if out, err := w.Try("apply", "-auto-approve"); err != nil {
				if !strings.Contains(out, "already exists") {
					t.Fatalf("apply after the interruption: %v\n%s", err, out)
				}
				w.SetConfig(t, config(`  adopt_existing = true`+map[bool]string{true: "\n  rotate_when_changed = { generation = \"2\" }"}[tc.name == "SIGKILL mid-rotation"]))
				w.Run(t, "apply", "-auto-approve")
			}
			apps := 0
			for _, a := range e.Portal().Applications() {
				if a.DisplayName == name {
					apps++
					if len(a.Passwords) != 1 {
						t.Errorf("the application holds %d secrets, want only the one state holds: %+v", len(a.Passwords), a.Passwords)
					}
				}
			}
			if apps != 1 {
				t.Fatalf("%d applications named %q after the interruption and an apply, want 1", apps, name)
			}
			if out := w.Run(t, "plan", "-detailed-exitcode"); !strings.Contains(out, "No changes") {
				t.Fatalf("plan after converging:\n%s", out)
			}
			w.Run(t, "destroy", "-auto-approve")
			if n := len(e.Portal().Applications()) - 1; n != 0 { // the bootstrap app stays
				t.Fatalf("%d applications left after destroy", n)
			}
			if d := e.Portal().DeletedApplications(); len(d) != 0 {
				t.Fatalf("%d applications left in deleted items after destroy", len(d))
			}
		})
	}
}
