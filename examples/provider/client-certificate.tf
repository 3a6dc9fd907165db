# Sign in with a certificate uploaded to the application (Certificates & secrets):
# a PKCS#12 (.pfx) file, or PEM with the certificate and its private key.
#   export ARM_CLIENT_CERTIFICATE_PATH=/secure/stellar-pipeline.pfx
#   export ARM_CLIENT_CERTIFICATE_PASSWORD=...
# (or client_certificate / ARM_CLIENT_CERTIFICATE with the file as base64).
provider "stellar" {
  tenant_id = "contoso.onmicrosoft.com"
  client_id = "7d3c9a10-2b4e-4f6a-8c1d-5e9f0a2b3c4d"
}
