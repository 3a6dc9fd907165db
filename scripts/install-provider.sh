#!/usr/bin/env bash
# Installs the provider into a filesystem mirror layout that `terraform init` and `tofu init`
# use alongside registry providers:
#   <dir>/<host>/stellar-migrator/stellar/<version>/<os>_<arch>/terraform-provider-stellar_v<version>
# for both registry hosts (registry.terraform.io and registry.opentofu.org).
#
# usage: scripts/install-provider.sh [dir] [version]
#   dir defaults to ~/.terraform.d/plugins, a directory both CLIs search without any
#   configuration (their "implied local mirror"); version defaults to VERSION or 0.1.0.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-$HOME/.terraform.d/plugins}"
version="${2:-${VERSION:-0.1.0}}"
go="${GO:-go}"
platform="$("$go" env GOOS)_$("$go" env GOARCH)"
binary="terraform-provider-stellar_v${version}"

first=""
for host in registry.terraform.io registry.opentofu.org; do
  target="$dir/$host/stellar-migrator/stellar/$version/$platform"
  mkdir -p "$target"
  if [ -z "$first" ]; then
    echo "building terraform-provider-stellar $version for $platform..."
    "$go" build -ldflags "-X main.version=$version" -o "$target/$binary" .
    first="$target/$binary"
  else
    cp "$first" "$target/$binary"
  fi
  echo "installed $target/$binary"
done
