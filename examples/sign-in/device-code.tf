# Sign in as a person with a device code, in a terminal, before Terraform runs
# (Terraform shows a provider's output to nobody):
#   terraform-provider-stellar login -tenant contoso.onmicrosoft.com
# It prints a code to enter at the sign-in page; plan and apply then read that
# sign-in from the token cache. `terraform-provider-stellar logout -tenant ...`
# signs out.
provider "stellar" {
  tenant_id       = "contoso.onmicrosoft.com"
  use_device_code = true # or STELLAR_USE_DEVICE_CODE=true
}
