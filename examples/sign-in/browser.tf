# As with the device code, with the sign-in made in the browser:
#   terraform-provider-stellar login -browser -tenant contoso.onmicrosoft.com
provider "stellar" {
  tenant_id   = "contoso.onmicrosoft.com"
  use_browser = true # or STELLAR_USE_BROWSER=true
}
