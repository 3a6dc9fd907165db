// Command terraform-provider-stellar is the Terraform provider that connects a
// mailbox migration tool to its target Microsoft 365 tenant.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/provider"
)

// Documentation is generated from the schema, templates/ and examples/ by the
// tfplugindocs pinned in tools/docs; the script feeds it the schema so that it
// runs offline and with OpenTofu too.
//go:generate bash scripts/docs.sh generate

// version is set by goreleaser at release time.
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/stellar-migrator/stellar",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
