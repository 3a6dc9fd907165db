# Import by the application's object ID or by its Application (client) ID.
# The secret's value cannot be imported: the next apply creates a new secret
# (existing secrets are left alone).
terraform import stellar_target_registration.default 00000000-0000-0000-0000-000000000000
