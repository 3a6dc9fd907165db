# Quickstart: connect a migration tool to its target Microsoft 365 tenant.
#
# The provider signs in from the environment (ARM_TENANT_ID, ARM_CLIENT_ID,
# ARM_CLIENT_SECRET); `make demo` points it at the tenant emulator.
terraform {
  required_version = ">= 1.5"
  required_providers {
    stellar = {
      source = "stellar-migrator/stellar"
    }
  }
}

provider "stellar" {}

# Auto Registration: the app, the mailbox migration permissions, admin
# consent and a client secret, in one resource.
resource "stellar_target_registration" "migrator" {
  display_name = "Stellar Migrator - target"
}

# The Validate button of Manual Registration, fed by what the registration
# created: it signs in with the new credentials and checks consent, the user
# and the mailbox, so a broken registration fails here and not in the tool.
variable "migration_user_email" {
  description = "A user of the target tenant whose mailbox the migration tool will write to."
  type        = string
  default     = "adele.vance@contoso.com" # a user of the tenant emulator
}

data "stellar_target_validation" "migrator" {
  email_address = var.migration_user_email
  client_id     = stellar_target_registration.migrator.client_id
  tenant_id     = stellar_target_registration.migrator.tenant_id
  client_secret = stellar_target_registration.migrator.client_secret
}

output "validation" {
  description = "Each validation check and its result."
  value       = { for c in data.stellar_target_validation.migrator.checks : c.name => "${c.status}: ${c.detail}" }
}

output "client_id" {
  description = "Application (client) ID for the migration tool."
  value       = stellar_target_registration.migrator.client_id
}

output "tenant_id" {
  description = "Directory (tenant) ID for the migration tool."
  value       = stellar_target_registration.migrator.tenant_id
}

output "steps" {
  description = "A checklist of the registration's steps, in the order they ran: one line each, with its mark."
  value       = join("\n", [for s in stellar_target_registration.migrator.steps : "${s.mark} ${s.name}: ${s.detail}"])
}

output "result" {
  description = "The registration's result in one line (\"Successfully Completed\" when every step ended well)."
  value       = stellar_target_registration.migrator.result
}

output "client_secret" {
  description = "The secret value, for `terraform output -raw client_secret`."
  value       = stellar_target_registration.migrator.client_secret
  sensitive   = true
}
