# The wizard's Auto Registration: the app, the default migration permissions,
# admin consent and a client secret. Hand the outputs to the migration tool.
resource "stellar_target_registration" "migrator" {
  display_name = "Stellar Migrator - target"
}

output "client_id" {
  value = stellar_target_registration.migrator.client_id
}

output "tenant_id" {
  value = stellar_target_registration.migrator.tenant_id
}
