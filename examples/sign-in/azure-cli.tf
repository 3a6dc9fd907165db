# Sign in as the person signed in to the Azure CLI, for example a Global
# Administrator of the target tenant:
#   az login --allow-no-subscriptions --tenant contoso.onmicrosoft.com
provider "stellar" {
  tenant_id = "contoso.onmicrosoft.com"
  use_cli   = true # or ARM_USE_CLI=true
}
