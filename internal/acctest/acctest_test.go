package acctest

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// fakeCLI writes an executable that prints firstLine for `version`.
func fakeCLI(t *testing.T, dir, name, firstLine string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("fake CLIs are shell scripts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	// The warning first, as OpenTofu prints it when TF_CLI_CONFIG_FILE names a missing file.
	script := "#!/bin/sh\necho\necho 'Warning: Unable to open CLI configuration file'\necho '" + firstLine + "'\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFindTerraform(t *testing.T) {
	tmp := t.TempDir()
	onlyTofu := filepath.Join(tmp, "only-tofu")
	both := filepath.Join(tmp, "both")
	empty := filepath.Join(tmp, "empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	tf := fakeCLI(t, both, "terraform", "Terraform v1.11.4")
	fakeCLI(t, both, "tofu", "OpenTofu v1.12.6")
	tofu := fakeCLI(t, onlyTofu, "tofu", "OpenTofu v1.12.6")
	explicit := fakeCLI(t, filepath.Join(tmp, "explicit"), "tf", "Terraform v1.0.0")
	notExec := filepath.Join(tmp, "not-executable")
	if err := os.WriteFile(notExec, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	cache := filepath.Join(tmp, "cache")
	version := pinnedOpenTofuVersion()
	if version == "" {
		t.Fatal("pinnedOpenTofuVersion found no tools/tofu/go.mod above the package directory")
	}
	cached := filepath.Join(cache, "terraform-provider-stellar", "tofu-"+version, "tofu")

	cases := []struct {
		name, envPath, path string
		buildCache          bool
		want                string
		wantErr             string
	}{
		{name: "explicit path wins", envPath: explicit, path: both, want: explicit},
		{name: "explicit path must be executable", envPath: notExec, path: both, wantErr: "not an executable file"},
		{name: "terraform before tofu", path: both, want: tf},
		{name: "tofu on PATH", path: onlyTofu, want: tofu},
		{name: "cached OpenTofu", path: empty, buildCache: true, want: cached},
		{name: "nothing usable", path: empty, wantErr: "make test"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("XDG_CACHE_HOME", cache)
			t.Setenv("PATH", c.path)
			t.Setenv(envTerraformPath, c.envPath)
			if c.buildCache {
				fakeCLI(t, filepath.Dir(cached), "tofu", "OpenTofu "+version)
				t.Cleanup(func() { _ = os.RemoveAll(cache) })
			}
			got, err := findTerraform()
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("findTerraform() = %q, %v; want an error containing %q", got, err, c.wantErr)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("findTerraform() = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestSetupTerraformEnv(t *testing.T) {
	tmp := t.TempDir()
	cases := []struct {
		name, cli, versionLine string
		wantNamespace          string
		wantHost               string
	}{
		{name: "terraform", cli: "terraform", versionLine: "Terraform v1.11.4"},
		{name: "opentofu", cli: "tofu", versionLine: "OpenTofu v1.12.6", wantNamespace: "hashicorp", wantHost: "registry.opentofu.org"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(tmp, c.name)
			bin := fakeCLI(t, dir, c.cli, c.versionLine)
			// t.Setenv restores what setupTerraformEnv changes with os.Setenv.
			t.Setenv("PATH", dir)
			t.Setenv("XDG_CACHE_HOME", filepath.Join(tmp, "cache"))
			for _, k := range []string{envTerraformPath, envCLIConfigFile, envProviderNamespace, envProviderHost} {
				t.Setenv(k, "")
			}
			if err := setupTerraformEnv(); err != nil {
				t.Fatal(err)
			}
			if got := os.Getenv(envTerraformPath); got != bin {
				t.Errorf("%s = %q, want %q", envTerraformPath, got, bin)
			}
			cfg := os.Getenv(envCLIConfigFile)
			if b, err := os.ReadFile(cfg); err != nil || len(b) != 0 {
				t.Errorf("%s = %q should be an empty file (read: %q, %v)", envCLIConfigFile, cfg, b, err)
			}
			if got := os.Getenv(envProviderNamespace); got != c.wantNamespace {
				t.Errorf("%s = %q, want %q", envProviderNamespace, got, c.wantNamespace)
			}
			if got := os.Getenv(envProviderHost); got != c.wantHost {
				t.Errorf("%s = %q, want %q", envProviderHost, got, c.wantHost)
			}
		})
	}
}

func TestProviderBlock(t *testing.T) {
	e := StartEmulator(t, emulator.Options{BootstrapSecret: `s3cr~t"${x}`})
	block := ProviderBlock(e)
	seed := e.Seed()
	for _, want := range []string{
		`tenant_id           = "` + seed.TenantID + `"`,
		`client_id           = "` + seed.BootstrapClientID + `"`,
		`client_secret       = "s3cr~t\"$${x}"`,
		`authority_host      = "` + e.URL() + `"`,
		`graph_endpoint      = "` + e.URL() + `"`,
		`ca_certificate_file = "` + e.CAFile() + `"`,
	} {
		if !strings.Contains(block, want) {
			t.Errorf("provider block lacks %s:\n%s", want, block)
		}
	}
}

// TestAccHarness_providerBlock runs the whole harness once, without any
// resource: the CLI is found, the in-process provider is reattached without
// a download, and it accepts the provider block pointed at the emulator.
func TestAccHarness_providerBlock(t *testing.T) {
	e := StartEmulator(t, emulator.Options{})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { PreCheck(t) },
		ProtoV6ProviderFactories: ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: ProviderBlock(e) + `
output "tenant" {
  value = "contoso"
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("tenant", knownvalue.StringExact("contoso")),
			},
		}},
	})
}
