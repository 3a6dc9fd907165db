// Package tfconfig writes the Terraform configuration text that the acceptance tests and the
// benchmark both generate, so the two sign in to an emulator with the same provider block. It
// imports no test code: the benchmark's command links it.
package tfconfig

import (
	"fmt"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/hclquote"
)

// ProviderBlock is a provider "stellar" block that signs in to tenantID as clientID with
// secret at endpoint, which serves both the token service and Graph (as the emulator does),
// and trusts the CA certificates in caFile.
func ProviderBlock(tenantID, clientID, secret, endpoint, caFile string) string {
	return ProviderBlockWith(tenantID, endpoint, caFile, fmt.Sprintf("  client_id           = %s\n  client_secret       = %s",
		hclquote.String(clientID), hclquote.String(secret)))
}

// ProviderBlockWith is ProviderBlock with the sign-in given as settings, lines of HCL such as
// `use_device_code = true`, in place of a client and secret.
func ProviderBlockWith(tenantID, endpoint, caFile, settings string) string {
	return fmt.Sprintf(`
provider "stellar" {
  tenant_id           = %s
  authority_host      = %s
  graph_endpoint      = %s
  ca_certificate_file = %s
%s
}
`, hclquote.String(tenantID), hclquote.String(endpoint), hclquote.String(endpoint), hclquote.String(caFile), settings)
}
