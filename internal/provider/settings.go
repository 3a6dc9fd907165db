package provider

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
)

// Reading the provider settings is the first of Configure's two steps: the provider block
// and the environment, merged and checked once, into settings the second step (connect)
// signs in with. Every setting that is set but cannot take effect, or conflicts with
// another, is an error here, never silently ignored.
//
// A value comes from the provider block first, then from its ARM_* (or STELLAR_*) variable,
// then, for a few, from the variable the platform itself sets (ACTIONS_ID_TOKEN_REQUEST_URL in
// GitHub Actions, SYSTEM_OIDCREQUESTURI in Azure Pipelines, AZURE_* on AKS). The block and the
// ARM_* variables are the user's choices, and two conflicting choices are an error; the
// platform's variables are always there on their platform, so they only fill in a method the
// user chose and are never an error by themselves.

// settings is the provider configuration after merging the block with the environment.
type settings struct {
	cloud        auth.Cloud
	caFile       string
	tenantID     string
	clientID     string
	clientSecret string
	method       signInMethod
	// publicClientID is the client a person signs in to (device code, browser).
	publicClientID string
	tokenCacheDir  string

	// certificate is the client certificate's content, from certificateSetting.
	certificate         []byte
	certificateSetting  string
	certificatePassword string
	// oidc is the federated token's source when method is methodOIDC.
	oidc        oidcSettings
	msiEndpoint string
	accessToken string

	// now is the provider's clock, for what a ready token's expiry decides.
	now func() time.Time

	// missing lists the client-secret settings that are unset, when no method is chosen.
	missing []string
}

type settingsModel = stellarProviderModel

// readSettings merges cfg with the environment and checks it.
func readSettings(cfg settingsModel) (settings, diag.Diagnostics) {
	var diags diag.Diagnostics
	var s settings
	cloud, cdiags := readCloud(cfg)
	if diags.Append(cdiags...); diags.HasError() {
		return s, diags
	}
	s.cloud = cloud
	s.caFile = stringSetting(cfg.CACertificateFile, "STELLAR_CA_CERTIFICATE_FILE")
	s.tenantID = stringSetting(cfg.TenantID, "ARM_TENANT_ID")
	s.clientID = stringSetting(cfg.ClientID, "ARM_CLIENT_ID")
	s.clientSecret = stringSetting(cfg.ClientSecret, "ARM_CLIENT_SECRET")
	s.publicClientID = stringSetting(cfg.PublicClientID, "STELLAR_PUBLIC_CLIENT_ID")
	s.tokenCacheDir = stringSetting(cfg.TokenCacheDir, "STELLAR_TOKEN_CACHE_DIR")
	s.certificatePassword = stringSetting(cfg.ClientCertificatePassword, "ARM_CLIENT_CERTIFICATE_PASSWORD")
	s.msiEndpoint = stringSetting(cfg.MSIEndpoint, "ARM_MSI_ENDPOINT")
	s.accessToken = stringSetting(cfg.AccessToken, "STELLAR_ACCESS_TOKEN")
	diags.Append(s.chooseMethod(cfg)...)
	return s, diags
}

// readCloud is environment with authority_host and graph_endpoint applied.
func readCloud(cfg settingsModel) (auth.Cloud, diag.Diagnostics) {
	var diags diag.Diagnostics
	envName := stringSetting(cfg.Environment, "ARM_ENVIRONMENT")
	cloud, ok := auth.LookupCloud(envName)
	if !ok {
		diags.AddAttributeError(path.Root("environment"), "Unknown environment",
			fmt.Sprintf("environment %q is not a Microsoft cloud this provider knows. Use one of %s (the azuread provider's "+
				"names), or set authority_host and graph_endpoint for a custom cloud.", envName, strings.Join(auth.CloudNames(), ", ")))
		return cloud, diags
	}
	for _, o := range []struct {
		attr, env string
		value     types.String
		target    *string
	}{
		{"authority_host", "STELLAR_AUTHORITY_HOST", cfg.AuthorityHost, &cloud.AuthorityHost},
		{"graph_endpoint", "STELLAR_GRAPH_ENDPOINT", cfg.GraphEndpoint, &cloud.GraphEndpoint},
	} {
		v := stringSetting(o.value, o.env)
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			diags.AddAttributeError(path.Root(o.attr), "Invalid "+o.attr,
				fmt.Sprintf("%s must be an https URL such as https://login.microsoftonline.com, got %q (from %s or %s). "+
					"Microsoft's sign-in library accepts only https; for the tenant emulator use the URL it prints.", o.attr, v, o.attr, o.env))
			return cloud, diags
		}
		*o.target = strings.TrimRight(v, "/")
	}
	return cloud, diags
}

// stringSetting is v when the block sets it, else the first environment variable that is set.
func stringSetting(v types.String, env ...string) string {
	s, _ := stringSettingFrom(v, env...)
	return s
}

// stringSettingFrom is stringSetting and where the value came from: "" for the block, else the
// variable's name.
func stringSettingFrom(v types.String, env ...string) (value, from string) {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString(), ""
	}
	for _, e := range env {
		if s := os.Getenv(e); s != "" {
			return s, e
		}
	}
	return "", ""
}

// boolSetting reads a flag from the block, else from env ("true", "1", ...).
func boolSetting(v types.Bool, env string) (bool, error) {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueBool(), nil
	}
	raw := os.Getenv(env)
	if raw == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		return false, fmt.Errorf("environment variable %s is %q; use true or false", env, raw)
	}
	return b, nil
}
