package acctest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// These mirror scripts/terraform-path.sh, which `make test` and the demo use;
// the Go side lets a plain `TF_ACC=1 go test ./...` find the same binary.
// It never builds or downloads anything: building OpenTofu takes minutes and
// needs the module proxy, so that stays in the script.
const (
	envTerraformPath     = "TF_ACC_TERRAFORM_PATH"
	envCLIConfigFile     = "TF_CLI_CONFIG_FILE"
	envProviderNamespace = "TF_ACC_PROVIDER_NAMESPACE"
	envProviderHost      = "TF_ACC_PROVIDER_HOST"
)

// setupTerraformEnv finds the CLI and sets the variables terraform-plugin-testing
// reads, leaving any the caller already set alone.
func setupTerraformEnv() error {
	bin, err := findTerraform()
	if err != nil {
		return err
	}
	if err := os.Setenv(envTerraformPath, bin); err != nil {
		return err
	}
	// Without a CLI config of our own, a developer's ~/.terraformrc
	// (provider_installation, dev_overrides) would reach the tests.
	if os.Getenv(envCLIConfigFile) == "" {
		empty := filepath.Join(cacheRoot(), "empty.tfrc")
		if err := os.MkdirAll(filepath.Dir(empty), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(empty, nil, 0o644); err != nil {
			return err
		}
		if err := os.Setenv(envCLIConfigFile, empty); err != nil {
			return err
		}
	}
	// terraform-plugin-testing reattaches the provider as
	// registry.terraform.io/hashicorp/stellar; OpenTofu resolves the implied
	// provider "stellar" to registry.opentofu.org/hashicorp/stellar.
	if isOpenTofu(bin) {
		for k, v := range map[string]string{envProviderNamespace: "hashicorp", envProviderHost: "registry.opentofu.org"} {
			if os.Getenv(k) == "" {
				if err := os.Setenv(k, v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// findTerraform returns the absolute path of the CLI to test with:
// TF_ACC_TERRAFORM_PATH, else terraform or tofu on PATH, else the pinned
// OpenTofu that scripts/terraform-path.sh built into the cache.
func findTerraform() (string, error) {
	if p := os.Getenv(envTerraformPath); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", err
		}
		if !isExecutable(abs) {
			return "", fmt.Errorf("%s=%s is not an executable file", envTerraformPath, p)
		}
		return abs, nil
	}
	for _, name := range []string{"terraform", "tofu"} {
		if p, err := exec.LookPath(name); err == nil {
			return filepath.Abs(p)
		}
	}
	if p := cachedOpenTofu(); p != "" {
		return p, nil
	}
	return "", errors.New("neither terraform nor tofu is on PATH and no OpenTofu has been built into " +
		cacheRoot() + ". Run `make test` (it builds the pinned OpenTofu once), or scripts/terraform-path.sh, " +
		"or set " + envTerraformPath + " to a terraform or tofu binary")
}

// cacheRoot is where scripts/terraform-path.sh keeps what it builds. It
// follows the script (XDG_CACHE_HOME, else ~/.cache) rather than
// os.UserCacheDir, which differs on macOS.
func cacheRoot() string {
	dir := os.Getenv("XDG_CACHE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		dir = filepath.Join(home, ".cache")
	}
	return filepath.Join(dir, "terraform-provider-stellar")
}

// cachedOpenTofu returns the cached build of the version pinned in
// tools/tofu/go.mod, or when that file cannot be found (a test binary run
// outside the tree), the newest cached build; "" if none.
func cachedOpenTofu() string {
	if v := pinnedOpenTofuVersion(); v != "" {
		p := filepath.Join(cacheRoot(), "tofu-"+v, "tofu")
		if isExecutable(p) {
			return p
		}
		return ""
	}
	found, _ := filepath.Glob(filepath.Join(cacheRoot(), "tofu-v*", "tofu"))
	sort.Strings(found) // good enough for picking among the few versions a cache holds
	for i := len(found) - 1; i >= 0; i-- {
		if isExecutable(found[i]) {
			return found[i]
		}
	}
	return ""
}

// pinnedOpenTofuVersion reads the OpenTofu version from tools/tofu/go.mod,
// looking upwards from the working directory (go test runs in the package's
// directory).
func pinnedOpenTofuVersion() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if v := requiredVersion(filepath.Join(dir, "tools", "tofu", "go.mod"), "github.com/opentofu/opentofu"); v != "" {
			return v
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// requiredVersion returns the version of module in a go.mod's require lines.
func requiredVersion(gomod, module string) string {
	f, err := os.Open(gomod)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) > 0 && fields[0] == "require" {
			fields = fields[1:]
		}
		if len(fields) >= 2 && fields[0] == module {
			return fields[1]
		}
	}
	return ""
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// isOpenTofu asks the binary, since a tofu may be installed as "terraform".
// It looks at every line: a missing CLI config file puts warnings on stdout
// before the version.
func isOpenTofu(bin string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "version")
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(out)) {
		if strings.HasPrefix(line, "OpenTofu v") {
			return true
		}
	}
	return false
}
