# Sign in as an application of the target tenant that may register
# applications and grant consent. Prefer the environment for the secret:
#   export ARM_TENANT_ID=... ARM_CLIENT_ID=... ARM_CLIENT_SECRET=...
provider "stellar" {
  tenant_id = "contoso.onmicrosoft.com" # or the Directory (tenant) ID GUID
  client_id = "7d3c9a10-2b4e-4f6a-8c1d-5e9f0a2b3c4d"
  # client_secret comes from ARM_CLIENT_SECRET
}
