package provider

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
)

// Reading the provider settings is the first of Configure's two steps: the provider block
// and the environment, merged and checked once, into settings the second step (connect)
// signs in with. Every setting that is set but cannot take effect, or conflicts with
// another, is an error here, never silently ignored.

// signInMethod is how the provider signs in, in the order of precedence documented in the
// "Signing in" guide.
type signInMethod string

const (
	methodNone         signInMethod = ""
	methodClientSecret signInMethod = "client_secret"
	methodAzureCLI     signInMethod = "use_cli"
	methodDeviceCode   signInMethod = "use_device_code"
	methodBrowser      signInMethod = "use_browser"
)

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
	// missing lists the client-secret settings that are unset, when none is set at all.
	missing []string
}

type settingsModel = stellarProviderModel

// readSettings merges cfg with the environment and checks it.
func readSettings(cfg settingsModel) (settings, diag.Diagnostics) {
	var diags diag.Diagnostics
	var s settings
	envName := stringSetting(cfg.Environment, "ARM_ENVIRONMENT")
	cloud, ok := auth.LookupCloud(envName)
	if !ok {
		diags.AddAttributeError(path.Root("environment"), "Unknown environment",
			fmt.Sprintf("environment %q is not a Microsoft cloud this provider knows. Use one of global, usgovernment or china, "+
				"or set authority_host and graph_endpoint for a custom cloud.", envName))
		return s, diags
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
			return s, diags
		}
		*o.target = strings.TrimRight(v, "/")
	}
	s.cloud = cloud
	s.caFile = stringSetting(cfg.CACertificateFile, "STELLAR_CA_CERTIFICATE_FILE")
	s.tenantID = stringSetting(cfg.TenantID, "ARM_TENANT_ID")
	s.clientID = stringSetting(cfg.ClientID, "ARM_CLIENT_ID")
	s.clientSecret = stringSetting(cfg.ClientSecret, "ARM_CLIENT_SECRET")
	s.publicClientID = stringSetting(cfg.PublicClientID, "STELLAR_PUBLIC_CLIENT_ID")
	s.tokenCacheDir = stringSetting(cfg.TokenCacheDir, "STELLAR_TOKEN_CACHE_DIR")
	diags.Append(s.chooseMethod(cfg)...)
	return s, diags
}

// chooseMethod picks the one sign-in method the settings ask for.
func (s *settings) chooseMethod(cfg settingsModel) diag.Diagnostics {
	var diags diag.Diagnostics
	var chosen []signInMethod
	for _, m := range []struct {
		method signInMethod
		value  types.Bool
		env    string
	}{
		{methodAzureCLI, cfg.UseCLI, "ARM_USE_CLI"},
		{methodDeviceCode, cfg.UseDeviceCode, "STELLAR_USE_DEVICE_CODE"},
		{methodBrowser, cfg.UseBrowser, "STELLAR_USE_BROWSER"},
	} {
		on, err := boolSetting(m.value, m.env)
		if err != nil {
			diags.AddAttributeError(path.Root(string(m.method)), "Invalid "+string(m.method), err.Error())
			continue
		}
		if on {
			chosen = append(chosen, m.method)
		}
	}
	if s.clientSecret != "" {
		chosen = append([]signInMethod{methodClientSecret}, chosen...)
	}
	switch {
	case diags.HasError():
		return diags
	case len(chosen) > 1:
		diags.AddAttributeError(path.Root(string(chosen[1])), "Conflicting sign-in settings",
			fmt.Sprintf("Both %s and %s are set, but the provider signs in one way. Keep one: unset %s (or its environment variable %s), "+
				"or the other.", chosen[0], chosen[1], chosen[1], envOf(chosen[1])))
		return diags
	case len(chosen) == 1:
		s.method = chosen[0]
	}
	switch s.method {
	case methodClientSecret:
		for _, m := range []struct{ name, value, env string }{{"tenant_id", s.tenantID, "ARM_TENANT_ID"}, {"client_id", s.clientID, "ARM_CLIENT_ID"}} {
			if m.value == "" {
				diags.AddAttributeError(path.Root(m.name), "Incomplete provider credentials",
					fmt.Sprintf("%s is not set, but client_secret is. Set %s in the provider block or %s.", m.name, m.name, m.env))
			}
		}
	case methodDeviceCode, methodBrowser:
		if s.tenantID == "" {
			diags.AddAttributeError(path.Root("tenant_id"), "tenant_id is needed to sign in as a person",
				fmt.Sprintf("%s signs a person in to one tenant: set tenant_id (or ARM_TENANT_ID) to the target tenant's ID or domain.", s.method))
		}
		fallthrough
	case methodAzureCLI:
		if s.clientID != "" {
			diags.AddAttributeError(path.Root("client_id"), "client_id has no effect with "+string(s.method),
				fmt.Sprintf("client_id names the application the provider signs in as with a client secret; with %s a person signs in. "+
					"Unset client_id (or ARM_CLIENT_ID), or sign in as that application with client_secret instead. For the client a "+
					"person signs in to, set public_client_id.", s.method))
		}
	case methodNone:
		if s.clientID != "" {
			diags.AddAttributeError(path.Root("client_secret"), "Incomplete provider credentials",
				"client_id is set but client_secret is not, and no other sign-in method is chosen. Set client_secret "+
					"(ARM_CLIENT_SECRET), or sign in as a person with use_cli, use_device_code or use_browser and unset client_id.")
		}
		for _, m := range []struct{ name, value string }{{"tenant_id", s.tenantID}, {"client_id", s.clientID}, {"client_secret", s.clientSecret}} {
			if m.value == "" {
				s.missing = append(s.missing, m.name)
			}
		}
	}
	if s.publicClientID != "" && s.method != methodDeviceCode && s.method != methodBrowser {
		diags.AddAttributeError(path.Root("public_client_id"), "public_client_id has no effect",
			"public_client_id is the client a person signs in to with use_device_code or use_browser; neither is set. "+
				"Unset public_client_id (or STELLAR_PUBLIC_CLIENT_ID), or choose one of those methods.")
	}
	return diags
}

func envOf(m signInMethod) string {
	switch m {
	case methodClientSecret:
		return "ARM_CLIENT_SECRET"
	case methodAzureCLI:
		return "ARM_USE_CLI"
	case methodDeviceCode:
		return "STELLAR_USE_DEVICE_CODE"
	default:
		return "STELLAR_USE_BROWSER"
	}
}

func stringSetting(v types.String, env ...string) string {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString()
	}
	for _, e := range env {
		if s := os.Getenv(e); s != "" {
			return s
		}
	}
	return ""
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
