package provider

import (
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// signInMethod is how the provider signs in. The order of the constants is the order of
// the "Signing in" guide's table.
type signInMethod string

const (
	methodNone              signInMethod = ""
	methodAccessToken       signInMethod = "access_token"
	methodClientCertificate signInMethod = "client_certificate"
	methodClientSecret      signInMethod = "client_secret"
	methodOIDC              signInMethod = "use_oidc"
	methodMSI               signInMethod = "use_msi"
	methodAzureCLI          signInMethod = "use_cli"
	methodDeviceCode        signInMethod = "use_device_code"
	methodBrowser           signInMethod = "use_browser"
)

// choice is a setting the user set that picks a sign-in method, and where it was set.
type choice struct {
	method  signInMethod
	setting string // the provider block attribute
	env     string // the variable it came from, "" for the block
}

func (c choice) name() string {
	if c.env != "" {
		return c.setting + " (from " + c.env + ")"
	}
	return c.setting
}

// sensitiveSettings are never the attribute of a diagnostic: Terraform would print the
// configuration line, and with it a secret written there.
var sensitiveSettings = map[string]bool{
	"client_secret": true, "client_certificate": true, "client_certificate_password": true, "oidc_token": true,
	"oidc_request_token": true, "access_token": true,
}

// addSettingError reports a problem with setting, against its attribute unless it is sensitive.
func addSettingError(diags *diag.Diagnostics, setting, summary, detail string) {
	if sensitiveSettings[setting] {
		diags.AddError(summary+" ("+setting+")", detail)
		return
	}
	diags.AddAttributeError(path.Root(setting), summary, detail)
}

// choices lists every setting that picks a method and is set, in the guide's order.
func choices(cfg settingsModel) ([]choice, diag.Diagnostics) {
	var diags diag.Diagnostics
	var out []choice
	for _, c := range []struct {
		method  signInMethod
		setting string
		value   types.String
		env     []string
	}{
		{methodAccessToken, "access_token", cfg.AccessToken, []string{"STELLAR_ACCESS_TOKEN"}},
		{methodClientCertificate, "client_certificate", cfg.ClientCertificate, []string{"ARM_CLIENT_CERTIFICATE"}},
		{methodClientCertificate, "client_certificate_path", cfg.ClientCertificatePath, []string{"ARM_CLIENT_CERTIFICATE_PATH"}},
		{methodClientSecret, "client_secret", cfg.ClientSecret, []string{"ARM_CLIENT_SECRET"}},
		{methodOIDC, "oidc_token", cfg.OIDCToken, []string{"ARM_OIDC_TOKEN"}},
		{methodOIDC, "oidc_token_file_path", cfg.OIDCTokenFilePath, []string{"ARM_OIDC_TOKEN_FILE_PATH"}},
		{methodOIDC, "ado_pipeline_service_connection_id", cfg.ADOServiceConnectionID,
			[]string{"ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID", "ARM_OIDC_AZURE_SERVICE_CONNECTION_ID"}},
	} {
		if v, from := stringSettingFrom(c.value, c.env...); v != "" {
			out = append(out, choice{c.method, c.setting, from})
		}
	}
	for _, f := range []struct {
		method  signInMethod
		setting string
		value   types.Bool
		env     string
	}{
		{methodOIDC, "use_oidc", cfg.UseOIDC, "ARM_USE_OIDC"},
		{methodOIDC, "use_aks_workload_identity", cfg.UseAKSWorkloadIdentity, "ARM_USE_AKS_WORKLOAD_IDENTITY"},
		{methodMSI, "use_msi", cfg.UseMSI, "ARM_USE_MSI"},
		{methodAzureCLI, "use_cli", cfg.UseCLI, "ARM_USE_CLI"},
		{methodDeviceCode, "use_device_code", cfg.UseDeviceCode, "STELLAR_USE_DEVICE_CODE"},
		{methodBrowser, "use_browser", cfg.UseBrowser, "STELLAR_USE_BROWSER"},
	} {
		on, err := boolSetting(f.value, f.env)
		switch {
		case err != nil:
			diags.AddAttributeError(path.Root(f.setting), "Invalid "+f.setting, err.Error())
		case on:
			from := ""
			if f.value.IsNull() {
				from = f.env
			}
			out = append(out, choice{f.method, f.setting, from})
		}
	}
	return out, diags
}

// chooseMethod picks the one sign-in method the settings ask for and checks that everything
// it needs is set and nothing else is.
func (s *settings) chooseMethod(cfg settingsModel) diag.Diagnostics {
	chosen, diags := choices(cfg)
	if diags.HasError() {
		return diags
	}
	for _, c := range chosen[min(1, len(chosen)):] {
		if c.method != chosen[0].method {
			first := chosen[0]
			addSettingError(&diags, blameable(first, c), "Conflicting sign-in settings",
				fmt.Sprintf("Both %s and %s are set, but they choose different ways of signing in (%s and %s) and the provider "+
					"signs in one way. Keep one: unset the other in the provider block or the environment. The \"Signing in\" "+
					"guide lists the methods and what each needs.", first.name(), c.name(), first.method, c.method))
			return diags
		}
	}
	if len(chosen) > 0 {
		s.method = chosen[0].method
	}
	switch s.method {
	case methodClientCertificate:
		diags.Append(s.readCertificate(cfg)...)
		diags.Append(s.requireApp(string(s.method))...)
	case methodClientSecret:
		diags.Append(s.requireApp("client_secret")...)
	case methodOIDC:
		diags.Append(s.readOIDC(cfg, chosen)...)
	case methodMSI:
		// client_id selects a user-assigned identity; tenant_id, when set, is checked
		// against the token.
	case methodAccessToken:
		diags.Append(s.refuse("client_id", s.clientID, "access_token carries its own client; "+
			"unset client_id (or ARM_CLIENT_ID), or sign in as that application another way.")...)
	case methodDeviceCode, methodBrowser:
		if s.tenantID == "" {
			diags.AddAttributeError(path.Root("tenant_id"), "tenant_id is needed to sign in as a person",
				fmt.Sprintf("%s signs a person in to one tenant: set tenant_id (or ARM_TENANT_ID) to the target tenant's ID or domain.", s.method))
		}
		fallthrough
	case methodAzureCLI:
		diags.Append(s.refuse("client_id", s.clientID, fmt.Sprintf("client_id names the application the provider signs in as; "+
			"with %s a person signs in. Unset client_id (or ARM_CLIENT_ID), or sign in as that application instead. For the "+
			"client a person signs in to, set public_client_id.", s.method))...)
	case methodNone:
		diags.Append(s.noMethod()...)
	}
	diags.Append(s.unusedSettings(cfg)...)
	return diags
}

// blameable is the one of two conflicting choices a diagnostic can point at.
func blameable(a, b choice) string {
	if sensitiveSettings[b.setting] && !sensitiveSettings[a.setting] {
		return a.setting
	}
	return b.setting
}

// requireApp checks the tenant and client an application's sign-in needs.
func (s *settings) requireApp(by string) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, m := range []struct{ name, value, env string }{{"tenant_id", s.tenantID, "ARM_TENANT_ID"}, {"client_id", s.clientID, "ARM_CLIENT_ID"}} {
		if m.value == "" {
			diags.AddAttributeError(path.Root(m.name), "Incomplete provider credentials",
				fmt.Sprintf("%s is not set, but %s is: it signs in as an application of a tenant. Set %s in the provider block or %s.",
					m.name, by, m.name, m.env))
		}
	}
	return diags
}

// refuse reports setting as having no effect with the chosen method, when it is set.
func (s *settings) refuse(setting, value, why string) diag.Diagnostics {
	var diags diag.Diagnostics
	if value != "" {
		addSettingError(&diags, setting, setting+" has no effect with "+string(s.method), why)
	}
	return diags
}

func (s *settings) noMethod() diag.Diagnostics {
	var diags diag.Diagnostics
	if s.clientID != "" {
		diags.AddAttributeError(path.Root("client_id"), "Incomplete provider credentials",
			"client_id is set but nothing to sign in with: set client_secret (ARM_CLIENT_SECRET), client_certificate_path "+
				"(ARM_CLIENT_CERTIFICATE_PATH) or client_certificate, or use_oidc (ARM_USE_OIDC) in a pipeline, or use_msi "+
				"(ARM_USE_MSI) on an Azure host; or sign in as a person with use_cli, use_device_code or use_browser and unset client_id.")
	}
	for _, m := range []struct{ name, value string }{{"tenant_id", s.tenantID}, {"client_id", s.clientID}, {"client_secret", s.clientSecret}} {
		if m.value == "" {
			s.missing = append(s.missing, m.name)
		}
	}
	return diags
}

// unusedSettings reports settings of one method set while another is chosen.
func (s *settings) unusedSettings(cfg settingsModel) diag.Diagnostics {
	var diags diag.Diagnostics
	only := func(setting, value string, method signInMethod, how string) {
		if value != "" && s.method != method {
			addSettingError(&diags, setting, setting+" has no effect",
				fmt.Sprintf("%s is set, but it is used only with %s, and %s. %s", setting, method, chosenText(s.method), how))
		}
	}
	only("client_certificate_password", s.certificatePassword, methodClientCertificate,
		"Unset client_certificate_password (or ARM_CLIENT_CERTIFICATE_PASSWORD), or sign in with the certificate.")
	only("msi_endpoint", s.msiEndpoint, methodMSI, "Unset msi_endpoint (or ARM_MSI_ENDPOINT), or set use_msi = true.")
	reqURL, _ := stringSettingFrom(cfg.OIDCRequestURL, "ARM_OIDC_REQUEST_URL")
	reqToken, _ := stringSettingFrom(cfg.OIDCRequestToken, "ARM_OIDC_REQUEST_TOKEN")
	only("oidc_request_url", reqURL, methodOIDC, "Unset oidc_request_url (or ARM_OIDC_REQUEST_URL), or set use_oidc = true.")
	only("oidc_request_token", reqToken, methodOIDC, "Unset oidc_request_token (or ARM_OIDC_REQUEST_TOKEN), or set use_oidc = true.")
	if s.publicClientID != "" && s.method != methodDeviceCode && s.method != methodBrowser {
		diags.AddAttributeError(path.Root("public_client_id"), "public_client_id has no effect",
			"public_client_id is the client a person signs in to with use_device_code or use_browser; neither is set. "+
				"Unset public_client_id (or STELLAR_PUBLIC_CLIENT_ID), or choose one of those methods.")
	}
	return diags
}

func chosenText(m signInMethod) string {
	if m == methodNone {
		return "no sign-in method is chosen"
	}
	return "the provider signs in with " + string(m)
}

// readCertificate reads client_certificate (base64, or PEM text) or the file at
// client_certificate_path; its content is checked when the credential is built.
func (s *settings) readCertificate(cfg settingsModel) diag.Diagnostics {
	var diags diag.Diagnostics
	inline, inlineFrom := stringSettingFrom(cfg.ClientCertificate, "ARM_CLIENT_CERTIFICATE")
	file, fileFrom := stringSettingFrom(cfg.ClientCertificatePath, "ARM_CLIENT_CERTIFICATE_PATH")
	switch {
	case inline != "" && file != "":
		diags.AddAttributeError(path.Root("client_certificate_path"), "Conflicting sign-in settings",
			fmt.Sprintf("Both %s and %s are set. Give the certificate one way: inline (base64 of the .pfx or PEM file) or as a "+
				"path, and unset the other.", choice{setting: "client_certificate", env: inlineFrom}.name(),
				choice{setting: "client_certificate_path", env: fileFrom}.name()))
	case inline != "":
		s.certificate, s.certificateSetting = []byte(inline), "client_certificate"
	default:
		b, err := os.ReadFile(file)
		if err != nil {
			diags.AddAttributeError(path.Root("client_certificate_path"), "Cannot read the client certificate",
				fmt.Sprintf("client_certificate_path is %q, which cannot be read: %v. Point it (or ARM_CLIENT_CERTIFICATE_PATH) at "+
					"the PEM or PKCS#12 (.pfx) file of the certificate and its private key.", file, strings.TrimPrefix(err.Error(), "open "+file+": ")))
			return diags
		}
		s.certificate, s.certificateSetting = b, "client_certificate_path"
	}
	return diags
}
