# In Azure Pipelines, with a workload identity federation service connection.
# The step passes the job's token:
#   env:
#     SYSTEM_ACCESSTOKEN: $(System.AccessToken)
# and the pipeline sets SYSTEM_OIDCREQUESTURI.
variable "service_connection_id" {
  type        = string
  description = "The service connection's ID (Project settings > Service connections)."
}

provider "stellar" {
  tenant_id                          = "contoso.onmicrosoft.com"
  client_id                          = "7d3c9a10-2b4e-4f6a-8c1d-5e9f0a2b3c4d"
  use_oidc                           = true
  ado_pipeline_service_connection_id = var.service_connection_id
}
