// Package acctest is the acceptance-test harness: it starts the tenant
// emulator in process, writes the provider block that points at it, serves
// the provider in process to Terraform, and finds a Terraform (or OpenTofu)
// CLI that works without a network.
package acctest

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/provider"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tfconfig"
)

// ProtoV6ProviderFactories serves the provider in process under the name
// "stellar", for resource.TestCase.ProtoV6ProviderFactories.
var ProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"stellar": providerserver.NewProtocol6WithError(provider.New("test")()),
}

// ProviderFactoriesAt serves the provider with a fixed clock: tests of what the date decides
// (expiry) set the time instead of waiting for it.
func ProviderFactoriesAt(now time.Time) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"stellar": providerserver.NewProtocol6WithError(provider.NewAt("test", func() time.Time { return now })()),
	}
}

// StartEmulator starts a seeded tenant emulator for one test and closes it
// when the test ends.
func StartEmulator(t *testing.T, opts emulator.Options) *emulator.Emulator {
	t.Helper()
	e, err := emulator.Start(opts)
	if err != nil {
		t.Fatalf("starting the tenant emulator: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("closing the tenant emulator: %v", err)
		}
	})
	return e
}

// ProviderBlock returns a provider "stellar" block that signs in to e as its
// bootstrap application and trusts e's CA.
func ProviderBlock(e *emulator.Emulator) string {
	seed := e.Seed()
	return ProviderBlockAs(e, seed.TenantID, seed.BootstrapClientID, seed.BootstrapSecret)
}

// ProviderBlockAs returns a provider "stellar" block for e that signs in to
// tenantID as clientID with secret: another app, or a wrong value on purpose.
func ProviderBlockAs(e *emulator.Emulator, tenantID, clientID, secret string) string {
	return tfconfig.ProviderBlock(tenantID, clientID, secret, e.URL(), e.CAFile())
}

// PreCheck prepares the environment terraform-plugin-testing reads, once per
// test binary, and fails the test when TF_ACC is set but no Terraform CLI is
// usable: an acceptance run that silently tested nothing would look green.
// Call it from resource.TestCase.PreCheck, which runs before the harness
// looks for the CLI.
func PreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		return // resource.Test skips the test itself
	}
	if err := setupOnce(); err != nil {
		t.Fatalf("acceptance tests need a Terraform CLI: %v", err)
	}
}

var setupOnce = sync.OnceValue(setupTerraformEnv)

// ExpectSecretFreeError is for resource.TestCase.ErrorCheck, in place of
// TestStep.ExpectError when the error must also be checked for leaks: it
// accepts an error that matches want and contains none of secrets. The
// second function reports whether such an error was seen, since ErrorCheck
// is not called when a step succeeds.
func ExpectSecretFreeError(want *regexp.Regexp, secrets ...string) (func(error) error, func() bool) {
	var seen bool
	check := func(err error) error {
		text := err.Error()
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				return fmt.Errorf("the error output contains a secret:\n%s", text)
			}
		}
		if !want.MatchString(text) {
			return fmt.Errorf("the error does not match %s:\n%s", want, text)
		}
		seen = true
		return nil
	}
	return check, func() bool { return seen }
}
