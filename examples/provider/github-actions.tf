# In GitHub Actions, with a federated identity credential on the application
# (issuer https://token.actions.githubusercontent.com, subject such as
# repo:contoso/migration:environment:production). The job needs
#   permissions:
#     id-token: write
# which sets ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN.
provider "stellar" {
  tenant_id = "contoso.onmicrosoft.com"
  client_id = "7d3c9a10-2b4e-4f6a-8c1d-5e9f0a2b3c4d"
  use_oidc  = true # or ARM_USE_OIDC=true
}
