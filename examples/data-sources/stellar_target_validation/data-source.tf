# Validate credentials that another team registered by hand (Manual
# Registration) before handing them to the migration tool.
variable "client_secret" {
  type      = string
  sensitive = true
}

data "stellar_target_validation" "manual" {
  email_address = "adele.vance@contoso.com"
  client_id     = "7d3c9a10-2b4e-4f6a-8c1d-5e9f0a2b3c4d"
  tenant_id     = "contoso.onmicrosoft.com"
  client_secret = var.client_secret

  # A tool that manages mailboxes through Exchange Online PowerShell: requires
  # Exchange.ManageAsApp and the Exchange Administrator role, and fails when the
  # secret expires within 45 days.
  permission_set                = "exchange_powershell"
  credential_expiry_window_days = 45

  # Report instead of failing, and decide in a check block.
  fail_on_invalid = false
}

check "migration_credentials" {
  assert {
    condition     = data.stellar_target_validation.manual.valid
    error_message = join("\n", [for c in data.stellar_target_validation.manual.checks : "${c.name}: ${c.detail} ${c.fix}" if c.status == "failed"])
  }
}
