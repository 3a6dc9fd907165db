# The mailbox migration permission set (permission_set = "graph"), admin consent
# and a 180-day secret.
resource "stellar_target_registration" "default" {
  display_name = "Stellar Migrator - target"
}

# A tool that copies whole mailboxes with Microsoft Graph's import/export API
# (global cloud), with its secret rotated whenever `rotation` changes (feed it
# from time_rotating to rotate on a schedule).
resource "stellar_target_registration" "import_export" {
  display_name   = "Stellar Migrator - target (import/export)"
  permission_set = "graph_import_export"

  client_secret_display_name  = "migration window 2027"
  client_secret_lifetime_days = 120
  rotate_when_changed = {
    rotation = "2027-Q1"
  }
}

# Permissions by name, trimmed to least privilege: only what is listed.
resource "stellar_target_registration" "custom" {
  display_name   = "Stellar Migrator - target (trimmed)"
  permission_set = "custom"

  api_permissions = [
    {
      api         = "microsoft_graph"
      application = ["User.Read.All", "Mail.ReadWrite", "Calendars.ReadWrite", "Contacts.ReadWrite"]
    },
  ]
}
