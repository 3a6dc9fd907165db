package emulator_test

import (
	"context"
	"fmt"
	"log"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// Sign in to the emulator with MSAL as the bootstrap application: the authority is the
// emulator's URL plus the tenant, the HTTP client trusts the emulator's CA, and instance
// discovery is off (it would ask login.microsoftonline.com about the host).
func Example() {
	e, err := emulator.Start(emulator.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()

	seed := e.Seed()
	cred, err := confidential.NewCredFromSecret(seed.BootstrapSecret)
	if err != nil {
		log.Fatal(err)
	}
	client, err := confidential.New(e.URL()+"/"+seed.TenantID, seed.BootstrapClientID, cred,
		confidential.WithHTTPClient(e.HTTPClient()), confidential.WithInstanceDiscovery(false))
	if err != nil {
		log.Fatal(err)
	}
	res, err := client.AcquireTokenByCredential(context.Background(), []string{"https://graph.microsoft.com/.default"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.AccessToken != "")
	fmt.Println(e.Portal().Applications()[0].DisplayName)
	// Output:
	// true
	// Stellar Terraform bootstrap
}
