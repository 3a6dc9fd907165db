# The mailbox migration permission set, admin consent and a 180-day secret.
resource "stellar_target_registration" "default" {
  display_name = "Stellar Migrator - target"
}

# Permissions by name, trimmed to least privilege, with an EWS permission for
# tools that still use EWS, and a secret rotated whenever `rotation` changes
# (feed it from time_rotating to rotate on a schedule).
resource "stellar_target_registration" "custom" {
  display_name = "Stellar Migrator - target (EWS)"

  api_permissions = [
    {
      api         = "microsoft_graph"
      application = ["User.Read.All", "Mail.ReadWrite", "Calendars.ReadWrite", "Contacts.ReadWrite"]
    },
    {
      api         = "exchange_online"
      application = ["full_access_as_app"]
    },
  ]

  client_secret_display_name  = "migration window 2027"
  client_secret_lifetime_days = 120
  rotate_when_changed = {
    rotation = "2027-Q1"
  }
}
