# A Microsoft Graph token an earlier step obtained, for example:
#   export STELLAR_ACCESS_TOKEN=$(az account get-access-token --resource-type ms-graph --query accessToken -o tsv)
# The provider cannot renew it: run Terraform within the token's lifetime.
provider "stellar" {
  # access_token comes from STELLAR_ACCESS_TOKEN
}
