# Any other identity provider: a file holding its token (a JWT), trusted by a
# federated identity credential on the application.
variable "token_file" {
  type = string
}

provider "stellar" {
  tenant_id            = "contoso.onmicrosoft.com"
  client_id            = "7d3c9a10-2b4e-4f6a-8c1d-5e9f0a2b3c4d"
  oidc_token_file_path = var.token_file # or ARM_OIDC_TOKEN_FILE_PATH; oidc_token for the token itself
}
