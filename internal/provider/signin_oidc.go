package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

// Workload identity federation takes its token from one source. The user names one
// (oidc_token, oidc_token_file_path, ado_pipeline_service_connection_id; two are an error);
// else the platform supplies one, in this order: GitHub Actions' or another pipeline's request
// endpoint (oidc_request_url and oidc_request_token, which default to the platform's own
// variables), then AKS workload identity's projected token file (AZURE_FEDERATED_TOKEN_FILE).

type oidcSource string

const (
	oidcFromToken  oidcSource = "oidc_token"
	oidcFromFile   oidcSource = "oidc_token_file_path"
	oidcFromADO    oidcSource = "azure_devops"
	oidcFromGitHub oidcSource = "github_actions"
	oidcFromAKS    oidcSource = "aks_workload_identity"
)

type oidcSettings struct {
	source       oidcSource
	token        string // oidc_token
	file         string // oidc_token_file_path or AZURE_FEDERATED_TOKEN_FILE
	requestURL   string
	requestToken string
	connectionID string // Azure DevOps service connection
}

// readOIDC resolves the federated token's source and the application it signs in as.
func (s *settings) readOIDC(cfg settingsModel, chosen []choice) diag.Diagnostics {
	var diags diag.Diagnostics
	o := &s.oidc
	o.token = stringSetting(cfg.OIDCToken, "ARM_OIDC_TOKEN")
	o.file = stringSetting(cfg.OIDCTokenFilePath, "ARM_OIDC_TOKEN_FILE_PATH")
	o.connectionID = stringSetting(cfg.ADOServiceConnectionID, "ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID", "ARM_OIDC_AZURE_SERVICE_CONNECTION_ID")
	var named []choice
	for _, c := range chosen {
		if c.setting == "oidc_token" || c.setting == "oidc_token_file_path" || c.setting == "ado_pipeline_service_connection_id" {
			named = append(named, c)
		}
	}
	if len(named) > 1 {
		addSettingError(&diags, blameable(named[0], named[1]), "Conflicting sign-in settings",
			fmt.Sprintf("Both %s and %s are set, and each is a source of the federated token. Keep one.", named[0].name(), named[1].name()))
		return diags
	}
	// AKS's webhook sets AZURE_CLIENT_ID and AZURE_TENANT_ID for the pod's identity.
	if s.clientID == "" {
		s.clientID = stringSetting(cfg.ClientID, "AZURE_CLIENT_ID")
	}
	if s.tenantID == "" {
		s.tenantID = stringSetting(cfg.TenantID, "AZURE_TENANT_ID")
	}
	switch {
	case o.token != "":
		o.source = oidcFromToken
	case o.file != "":
		o.source = oidcFromFile
	case o.connectionID != "":
		o.source = oidcFromADO
		o.requestURL = stringSetting(cfg.OIDCRequestURL, "ARM_OIDC_REQUEST_URL", "SYSTEM_OIDCREQUESTURI")
		o.requestToken = stringSetting(cfg.OIDCRequestToken, "ARM_OIDC_REQUEST_TOKEN", "SYSTEM_ACCESSTOKEN")
		diags.Append(o.requireRequest("Azure Pipelines sets SYSTEM_OIDCREQUESTURI; pass SYSTEM_ACCESSTOKEN to the step " +
			"(env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))")...)
	default:
		diags.Append(o.platformSource(cfg)...)
	}
	if diags.HasError() {
		return diags
	}
	diags.Append(s.requireApp(string(o.source))...)
	return diags
}

// platformSource finds the token the platform offers when the user named no source.
func (o *oidcSettings) platformSource(cfg settingsModel) diag.Diagnostics {
	o.requestURL = stringSetting(cfg.OIDCRequestURL, "ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL")
	o.requestToken = stringSetting(cfg.OIDCRequestToken, "ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	if o.requestURL != "" || o.requestToken != "" {
		o.source = oidcFromGitHub
		return o.requireRequest("GitHub Actions sets both for a job with `permissions: id-token: write`")
	}
	if o.file = stringSetting(cfg.OIDCTokenFilePath, "AZURE_FEDERATED_TOKEN_FILE"); o.file != "" {
		o.source = oidcFromAKS
		return nil
	}
	var diags diag.Diagnostics
	diags.AddAttributeError(path.Root("use_oidc"), "No federated token to sign in with",
		"Workload identity federation is chosen (use_oidc or use_aks_workload_identity), but no token source is set or offered by "+
			"the platform. Set one of: oidc_token (ARM_OIDC_TOKEN) with the token; oidc_token_file_path (ARM_OIDC_TOKEN_FILE_PATH) "+
			"with a file holding it; in GitHub Actions give the job `permissions: id-token: write` (which sets "+
			"ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN); in Azure Pipelines set "+
			"ado_pipeline_service_connection_id (ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID); on AKS enable workload identity for the "+
			"pod (AZURE_FEDERATED_TOKEN_FILE).")
	return diags
}

// requireRequest checks that a request endpoint has both its URL and its bearer token.
func (o *oidcSettings) requireRequest(hint string) diag.Diagnostics {
	var diags diag.Diagnostics
	if o.requestURL == "" {
		diags.AddAttributeError(path.Root("oidc_request_url"), "Incomplete federated sign-in settings",
			fmt.Sprintf("The %s token is requested from the pipeline, but oidc_request_url is not set (ARM_OIDC_REQUEST_URL). %s.", o.source, hint))
	}
	if o.requestToken == "" {
		addSettingError(&diags, "oidc_request_token", "Incomplete federated sign-in settings",
			fmt.Sprintf("The %s token is requested from the pipeline, but oidc_request_token is not set (ARM_OIDC_REQUEST_TOKEN). %s.", o.source, hint))
	}
	return diags
}
