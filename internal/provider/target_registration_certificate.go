package provider

import (
	"context"
	"crypto/sha1" //nolint:gosec // Entra names certificates by their SHA-1 thumbprint; nothing is secured by it here.
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

// stepCertificate is the step that adds client_certificate; it shows only when a
// certificate is configured, or was.
const stepCertificate = "add_client_certificate"

// certificateDisplayName marks the certificate this resource adds, for whoever reads the
// application's Certificates & secrets page.
const certificateDisplayName = "Added by Terraform (stellar_target_registration)"

// parseCertificatePEM reads client_certificate: exactly one certificate, and no private key,
// which must never be handed to Terraform.
func parseCertificatePEM(s string) (*x509.Certificate, error) {
	rest := []byte(s)
	var cert *x509.Certificate
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch {
		case strings.Contains(block.Type, "PRIVATE KEY"):
			return nil, fmt.Errorf("it holds a private key (%s). Give only the certificate: the private key stays with the migration tool and must not enter Terraform state", block.Type)
		case block.Type != "CERTIFICATE":
			return nil, fmt.Errorf("it holds a %q PEM block; only a CERTIFICATE block is accepted", block.Type)
		case cert != nil:
			return nil, fmt.Errorf("it holds more than one certificate; give the one certificate the migration tool signs in with")
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("its certificate cannot be parsed: %w", err)
		}
		cert = c
	}
	if cert == nil {
		return nil, fmt.Errorf("it is not a PEM certificate: expected a -----BEGIN CERTIFICATE----- block, for example file(\"migration.crt\")")
	}
	return cert, nil
}

// thumbprint is a certificate's SHA-1 thumbprint as Entra shows it.
func thumbprint(cert *x509.Certificate) string {
	sum := sha1.Sum(cert.Raw) //nolint:gosec // see the import
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// certificateKeyID finds the application's certificate with the thumbprint; "" if none.
func certificateKeyID(app *tenant.Application, thumb string) string {
	for _, c := range app.Certificates {
		if strings.EqualFold(c.Thumbprint, thumb) {
			return c.KeyID
		}
	}
	return ""
}

// planCertificate plans client_certificate_thumbprint from the configured certificate, so
// that a certificate removed from the tenant (a null thumbprint in state) shows as a change.
func planCertificate(plan *targetRegistrationResourceModel) {
	switch {
	case plan.ClientCertificate.IsUnknown():
		plan.ClientCertThumbprint = types.StringUnknown()
	case plan.ClientCertificate.IsNull():
		plan.ClientCertThumbprint = types.StringNull()
	default:
		cert, err := parseCertificatePEM(plan.ClientCertificate.ValueString())
		if err != nil { // the validator has reported it
			plan.ClientCertThumbprint = types.StringUnknown()
			return
		}
		plan.ClientCertThumbprint = types.StringValue(thumbprint(cert))
	}
}

// reconcileCertificate makes the application hold the configured certificate, and not the
// one this resource added before (oldThumb), leaving certificates added by hand alone.
func (run *applyRun) reconcileCertificate(ctx context.Context, app *tenant.Application, oldThumb string) bool {
	want := run.desired.certificate
	if want == nil && oldThumb == "" {
		return true
	}
	run.steps = append(run.steps, stepModel{Name: stepCertificate, Status: statusNotStarted, Detail: "Not started."})
	wantThumb := ""
	if want != nil {
		wantThumb = thumbprint(want)
	}
	var keep []string
	has, drop := false, false
	for _, c := range app.Certificates {
		switch {
		case wantThumb != "" && strings.EqualFold(c.Thumbprint, wantThumb):
			has = true
			keep = append(keep, c.KeyID)
		case oldThumb != "" && strings.EqualFold(c.Thumbprint, oldThumb):
			drop = true
		default:
			keep = append(keep, c.KeyID)
		}
	}
	if (want == nil || has) && !drop {
		run.state.ClientCertThumbprint = nullableString(wantThumb)
		run.step(stepCertificate, statusUnchanged, certificateDetail(wantThumb, "is on the application"))
		return true
	}
	var add []tenant.NewCertificate
	if want != nil && !has {
		add = append(add, tenant.NewCertificate{DER: want.Raw, DisplayName: certificateDisplayName})
	}
	err := run.client.SetCertificates(ctx, app.ObjectID, keep, add)
	if look, _ := lookFor(err); err != nil && look && ctx.Err() == nil {
		// The whole list is sent, so sending it again lands on the same certificates
		// whether or not the first call, whose answer never came, was applied.
		tflog.Warn(ctx, "setting the certificate got no definite answer; sending the same certificate list once more", map[string]any{"error": err.Error()})
		err = run.client.SetCertificates(ctx, app.ObjectID, keep, add)
	}
	if err != nil {
		// State keeps the previous thumbprint; the next read shows what the tenant holds.
		run.fail(ctx, stepCertificate, "Cannot set the client certificate", err)
		return false
	}
	run.state.ClientCertThumbprint = nullableString(wantThumb)
	detail := certificateDetail(wantThumb, "added")
	if want == nil {
		detail = "Removed certificate " + oldThumb + "."
	} else if drop {
		detail = certificateDetail(wantThumb, "added, replacing "+oldThumb)
	}
	run.step(stepCertificate, statusSucceeded, detail)
	run.syncSteps(ctx)
	return true
}

func certificateDetail(thumb, what string) string {
	if thumb == "" {
		return "No certificate is configured."
	}
	return "Certificate " + thumb + " " + what + "."
}

func nullableString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
