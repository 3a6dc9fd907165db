package provider_test

import (
	"context"
	"crypto/sha1" //nolint:gosec // Entra's thumbprint is SHA-1
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// TestAccTargetRegistration_certificateWithoutSecret: a registration whose only credential is
// a certificate the user supplies. Nothing secret enters state, the migration tool signs in
// with its private key, a certificate removed by hand is put back, hand-added certificates
// are left alone, and switching between secret and certificate keeps a credential throughout.
func TestAccTargetRegistration_certificateWithoutSecret(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	name := "stellar-certificate"
	cert, bundle := selfSignedCertificate(t)
	public := publicPEM(cert)
	handMade, _ := selfSignedCertificate(t)
	certOnly := registrationConfig(e, name, fmt.Sprintf("client_secret_enabled = false\nclient_certificate = %q", public))
	secretOnly := registrationConfig(e, name, "")
	thumb := certThumbprint(cert)

	// holds checks the tenant: exactly these of our credentials, and the certificate signs in.
	holds := func(wantCert, wantSecret bool) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			app, err := applicationNamed(e, name)
			if err != nil {
				return err
			}
			if got := slices.ContainsFunc(app.Certificates, func(c emulator.Certificate) bool { return c.Thumbprint == thumb }); got != wantCert {
				return fmt.Errorf("certificate %s on the application: %v, want %v", thumb, got, wantCert)
			}
			if got := len(app.Passwords) > 0; got != wantSecret {
				return fmt.Errorf("application has %d secrets, want a secret: %v", len(app.Passwords), wantSecret)
			}
			attrs := s.RootModule().Resources[resourceName].Primary.Attributes
			if wantSecret != (attrs["client_secret"] != "") {
				return fmt.Errorf("state holds a client secret: %v, want %v", attrs["client_secret"] != "", wantSecret)
			}
			if !wantCert {
				return nil
			}
			return signsInWithCertificate(e, app.AppID, bundle)
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             noApplicationLeft(e, name),
		Steps: []resource.TestStep{
			{
				Config: certOnly,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("client_secret"), knownvalue.Null()),
					statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("client_secret_key_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("client_certificate_thumbprint"), knownvalue.StringExact(thumb)),
				},
				Check: holds(true, false),
			},
			{Config: certOnly, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{
				// Removed in the portal: the plan shows it and the apply puts it back.
				PreConfig: func() {
					app, err := applicationNamed(e, name)
					if err != nil {
						t.Fatal(err)
					}
					for _, c := range app.Certificates {
						mustPortal(t, e.Portal().RemoveCertificate(app.ObjectID, c.KeyID))
					}
				},
				Config: certOnly,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(resourceName, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(resourceName, tfjsonpath.New("client_certificate_thumbprint"), knownvalue.StringExact(thumb)),
				}},
				Check: holds(true, false),
			},
			{
				// Back to a secret: it is made, our certificate goes, a hand-added one stays.
				PreConfig: func() {
					app, err := applicationNamed(e, name)
					if err != nil {
						t.Fatal(err)
					}
					mustPortal(t, e.Portal().AddCertificate(app.ObjectID, handMade))
				},
				Config: secretOnly,
				Check: resource.ComposeAggregateTestCheckFunc(holds(false, true), func(*terraform.State) error {
					app, err := applicationNamed(e, name)
					if err != nil {
						return err
					}
					if !slices.ContainsFunc(app.Certificates, func(c emulator.Certificate) bool { return c.Thumbprint == certThumbprint(handMade) }) {
						return fmt.Errorf("the hand-added certificate was removed")
					}
					return nil
				}),
			},
			{
				// And to the certificate again: the secret this resource made is removed.
				Config: certOnly,
				Check:  holds(true, false),
			},
		},
	})
}

// TestAccTargetRegistration_certificateAnswerLost: the certificate lands but its answer is
// lost; the apply (or the next one) settles on exactly one certificate, recorded in state.
func TestAccTargetRegistration_certificateAnswerLost(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	name := "stellar-certificate-lost"
	cert, bundle := selfSignedCertificate(t)
	public := publicPEM(cert)
	config := registrationConfig(e, name, fmt.Sprintf("client_secret_enabled = false\nclient_certificate = %q", public))
	// The certificate's PATCH, not the permissions' one that create sends beside it.
	e.Inject(emulator.Fault{Method: "PATCH", PathRegexp: "^/v1.0/applications/", BodyContains: "keyCredentials", LoseAnswer: true, Times: 1})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             noApplicationLeft(e, name),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(resourceName, tfjsonpath.New("client_certificate_thumbprint"), knownvalue.StringExact(certThumbprint(cert))),
				},
				Check: func(*terraform.State) error {
					app, err := applicationNamed(e, name)
					if err != nil {
						return err
					}
					if len(app.Certificates) != 1 || len(app.Passwords) != 0 {
						return fmt.Errorf("application holds %d certificates and %d secrets, want 1 and 0", len(app.Certificates), len(app.Passwords))
					}
					lost := 0
					for _, r := range e.Requests() {
						if r.AnswerLost && r.Method == "PATCH" {
							lost++
						}
					}
					if lost != 1 {
						return fmt.Errorf("%d PATCH answers lost, want the certificate's one", lost)
					}
					return signsInWithCertificate(e, app.AppID, bundle)
				},
			},
			{Config: config, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// applicationNamed is the one live application with the display name, as the portal shows it.
func applicationNamed(e *emulator.Emulator, name string) (emulator.Application, error) {
	var found []emulator.Application
	for _, a := range e.Portal().Applications() {
		if a.DisplayName == name {
			found = append(found, a)
		}
	}
	if len(found) != 1 {
		return emulator.Application{}, fmt.Errorf("%d applications named %q, want 1", len(found), name)
	}
	return found[0], nil
}

// signsInWithCertificate signs in as the migration tool would, with the private key.
func signsInWithCertificate(e *emulator.Emulator, clientID, bundle string) error {
	hc, err := auth.NewHTTPClient(e.CAFile())
	if err != nil {
		return err
	}
	cred, err := auth.NewClientCertificateCredential(auth.ClientCertificateOptions{
		AuthorityHost: e.URL(), TenantID: e.Seed().TenantID, ClientID: clientID, Certificate: []byte(bundle), HTTPClient: hc,
	})
	if err != nil {
		return err
	}
	_, err = cred.Token(context.Background(), "https://graph.microsoft.com")
	if err != nil {
		return fmt.Errorf("the migration tool cannot sign in with its certificate: %w", err)
	}
	return nil
}

// certThumbprint is the thumbprint the Entra admin center shows for a certificate.
func certThumbprint(c *x509.Certificate) string {
	sum := sha1.Sum(c.Raw) //nolint:gosec // see the import
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// publicPEM is the certificate alone, as a user gives it to client_certificate.
func publicPEM(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}
