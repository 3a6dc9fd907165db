// Command terraform-provider-stellar is the Terraform provider that connects a
// mailbox migration tool to its target Microsoft 365 tenant. Run as
// `terraform-provider-stellar login` it signs a person in for the provider.
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/login"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/provider"
)

// Documentation is generated from the schema, templates/ and examples/ by the
// tfplugindocs pinned in tools/docs; the script feeds it the schema so that it
// runs offline and with OpenTofu too.
//go:generate bash scripts/docs.sh generate

// version is set by goreleaser at release time.
var version = "dev"

func main() {
	// `login` and `logout` sign a person in and out, in a terminal, for use_device_code and
	// use_browser; anything else is Terraform starting the provider.
	if len(os.Args) > 1 && (os.Args[1] == "login" || os.Args[1] == "logout") {
		os.Exit(login.Run(os.Args[1:], os.Stdout, os.Stderr))
	}
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
