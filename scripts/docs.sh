#!/usr/bin/env bash
# make docs: regenerate docs/ with the pinned tfplugindocs (tools/docs), offline.
# tfplugindocs would otherwise build the provider itself and look for (or
# download) a `terraform` binary, which fails offline and with OpenTofu. So we
# hand it the schema: build the provider, ask the CLI that
# scripts/terraform-path.sh finds for `providers schema -json` through a
# dev_overrides config (no init, no registry), and pass --providers-schema.
#
# Usage: scripts/docs.sh [generate|validate]   (default: generate)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
action=${1:-generate}
cd "$root"

tf=$(scripts/terraform-path.sh)
work=$(mktemp -d "${TMPDIR:-/tmp}/stellar-docs.XXXXXX")
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/bin" "$work/ws"
go build -o "$work/bin/terraform-provider-stellar" .

cat >"$work/terraformrc" <<HCL
provider_installation {
  dev_overrides {
    "registry.terraform.io/stellar-migrator/stellar"  = "$work/bin"
    "registry.opentofu.org/stellar-migrator/stellar" = "$work/bin"
  }
  direct {}
}
HCL
cat >"$work/ws/main.tf" <<'HCL'
terraform {
  required_providers {
    stellar = {
      source = "stellar-migrator/stellar"
    }
  }
}
HCL
(cd "$work/ws" && TF_CLI_CONFIG_FILE="$work/terraformrc" CHECKPOINT_DISABLE=1 \
  "$tf" providers schema -json >"$work/schema.full.json")

# tfplugindocs looks the schema up as "stellar" or
# "registry.terraform.io/hashicorp/stellar"; ours is under its real source
# address (on either registry), which only ever appears as that one key.
sed 's#"registry\.[a-z.]*/stellar-migrator/stellar":#"stellar":#' "$work/schema.full.json" >"$work/schema.json"
if ! grep -q '"stellar":' "$work/schema.json"; then
  echo "docs.sh: no stellar provider in the schema from $tf" >&2
  exit 1
fi

tfplugindocs() { go tool -modfile=tools/docs/go.mod tfplugindocs "$@"; }
case "$action" in
  generate)
    tfplugindocs generate --provider-name stellar --providers-schema "$work/schema.json"
    ;;
  validate)
    tfplugindocs validate --provider-name stellar --providers-schema "$work/schema.json"
    ;;
  *)
    echo "usage: scripts/docs.sh [generate|validate]" >&2
    exit 2
    ;;
esac
