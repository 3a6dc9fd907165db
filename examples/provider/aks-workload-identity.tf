# In a pod with AKS workload identity: the webhook sets AZURE_CLIENT_ID,
# AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE, and the kubelet rotates the
# token file, which the provider reads again at every renewal.
provider "stellar" {
  use_aks_workload_identity = true # or ARM_USE_AKS_WORKLOAD_IDENTITY=true
}
