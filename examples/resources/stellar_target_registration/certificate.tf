# A registration whose only credential is a certificate: nothing secret enters
# Terraform state. The migration tool keeps the private key; make the pair on
# the machine that runs it, for example:
#   openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=Stellar Migrator" \
#     -keyout migration.key -out migration.crt
# and give Terraform only migration.crt.
variable "migration_certificate" {
  description = "The PEM certificate (public part only) the migration tool signs in with."
  type        = string
}

resource "stellar_target_registration" "certificate" {
  display_name          = "Stellar Migrator (certificate)"
  client_secret_enabled = false
  client_certificate    = var.migration_certificate # or file("migration.crt")
}

output "certificate_thumbprint" {
  description = "The thumbprint the migration tool's certificate settings ask for."
  value       = stellar_target_registration.certificate.client_certificate_thumbprint
}
