// Package azurecli holds the test that runs the real Azure CLI (az) against the tenant
// emulator: a custom cloud pointed at the emulator, a service principal's and a person's
// sign-in, and `az ad app` create, list and delete, with nothing leaving 127.0.0.1.
//
// The CLI is found on PATH. Without it the test skips, unless CI=1 or STELLAR_REQUIRE_AZ=1
// is set, when it fails with the install hint: .ci/run installs it (Debian's azure-cli).
package azurecli
