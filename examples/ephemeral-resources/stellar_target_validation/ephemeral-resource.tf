# Validate a secret kept in a vault without writing it to state or plan
# files (Terraform 1.10 and later). A failed check stops the run.
variable "client_secret" {
  type      = string
  sensitive = true
  ephemeral = true
}

ephemeral "stellar_target_validation" "vaulted" {
  email_address = "adele.vance@contoso.com"
  client_id     = "7d3c9a10-2b4e-4f6a-8c1d-5e9f0a2b3c4d"
  tenant_id     = "contoso.onmicrosoft.com"
  client_secret = var.client_secret
}
