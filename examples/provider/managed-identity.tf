# On an Azure host with a managed identity that holds the Graph permissions:
# a VM (IMDS), App Service or Functions (IDENTITY_ENDPOINT), Cloud Shell, Arc.
# client_id picks a user-assigned identity; leave it out for the system-assigned one.
variable "identity_client_id" {
  type    = string
  default = null
}

provider "stellar" {
  use_msi   = true # or ARM_USE_MSI=true
  client_id = var.identity_client_id
}
