package acctest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Real runs: the built provider binary under a real terraform (or tofu) process, through a
// dev_overrides CLI configuration, for what the in-process harness cannot show: a person's
// terminal, a process killed half way.

var (
	buildOnce sync.Once
	built     string
	buildErr  error
)

// BuildProvider builds the provider binary once per test binary and returns its directory.
func BuildProvider(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		// One directory per test binary, kept between runs (go build only relinks), rather
		// than a 35 MB binary left in a new temporary directory each run.
		dir := filepath.Join(os.TempDir(), "stellar-provider-build-"+filepath.Base(os.Args[0]))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			buildErr = err
			return
		}
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-stellar"), ".")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
			return
		}
		built = dir
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// Workspace is a Terraform working directory that uses the built provider.
type Workspace struct {
	Dir string
	// Env is added to terraform's environment (and so the provider's), after the test's own.
	Env []string
	rc  string
	tf  string
}

// NewWorkspace writes main.tf (config) into a fresh directory, with a CLI configuration whose
// dev_overrides point Terraform and OpenTofu at the built provider in binDir.
func NewWorkspace(t *testing.T, binDir, config string) *Workspace {
	t.Helper()
	PreCheck(t)
	w := &Workspace{Dir: t.TempDir(), tf: os.Getenv("TF_ACC_TERRAFORM_PATH")}
	w.rc = filepath.Join(w.Dir, "terraformrc")
	writeFile(t, w.rc, fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.terraform.io/stellar-migrator/stellar"  = %q
    "registry.opentofu.org/stellar-migrator/stellar" = %q
  }
  direct {}
}
`, binDir, binDir))
	w.SetConfig(t, config)
	return w
}

// SetConfig replaces main.tf, adding the required_providers block that names the provider's
// source when config has none.
func (w *Workspace) SetConfig(t *testing.T, config string) {
	t.Helper()
	if !strings.Contains(config, "required_providers") {
		config = "terraform {\n  required_providers {\n    stellar = { source = \"stellar-migrator/stellar\" }\n  }\n}\n" + config
	}
	writeFile(t, filepath.Join(w.Dir, "main.tf"), config)
}

// Command is terraform with args in the workspace, not started.
func (w *Workspace) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, w.tf, args...)
	cmd.Dir = w.Dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+w.rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0")
	cmd.Env = append(cmd.Env, w.Env...)
	return cmd
}

// Run runs terraform with args and returns its output; it fails the test if terraform fails.
func (w *Workspace) Run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := w.Try(args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(w.tf), strings.Join(args, " "), err, out)
	}
	return out
}

// Try runs terraform with args and returns its output and error.
func (w *Workspace) Try(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := w.Command(ctx, append(args, "-no-color")...).CombinedOutput()
	return string(out), err
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
