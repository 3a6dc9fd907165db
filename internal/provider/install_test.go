package provider_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// TestAccInstall_filesystemMirror: `make install`'s layout in ~/.terraform.d/plugins is found
// by a plain `terraform init` (or `tofu init`) with no CLI configuration at all, as the README
// says, and the installed provider plans against the emulator.
func TestAccInstall_filesystemMirror(t *testing.T) {
	t.Parallel()
	acctest.PreCheck(t)
	home := t.TempDir()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, filepath.Join(root, "scripts", "install-provider.sh"), filepath.Join(home, ".terraform.d", "plugins"), "0.1.0")
	install.Dir = root
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("install-provider.sh: %v\n%s", err, out)
	}
	e := acctest.StartEmulator(t, emulator.Options{})
	work := t.TempDir()
	config := `terraform {
  required_providers {
    stellar = {
      source  = "stellar-migrator/stellar"
      version = "0.1.0"
    }
  }
}
` + acctest.ProviderBlock(e) + `
resource "stellar_target_registration" "test" {
  display_name = "installed"
}
`
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(work, "empty.tfrc")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, os.Getenv("TF_ACC_TERRAFORM_PATH"), append(args, "-no-color")...)
		cmd.Dir = work
		cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "TF_CLI_CONFIG_FILE=" + empty, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1"}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("init", "-input=false")
	lock, err := os.ReadFile(filepath.Join(work, ".terraform.lock.hcl"))
	if err != nil || !strings.Contains(string(lock), "stellar-migrator/stellar") || !strings.Contains(string(lock), `version     = "0.1.0"`) {
		t.Fatalf("the lock file does not pin the installed provider: %v\n%s", err, lock)
	}
	if out := run("plan", "-input=false"); !strings.Contains(out, "stellar_target_registration.test will be created") {
		t.Fatalf("the installed provider did not plan the registration:\n%s", out)
	}
}
