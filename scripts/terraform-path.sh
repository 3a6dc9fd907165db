#!/usr/bin/env bash
# Prints the absolute path of a Terraform-compatible CLI the acceptance tests
# and the demo can use, finding it or building it:
#   1. $TF_ACC_TERRAFORM_PATH, if set (it must be executable);
#   2. terraform, then tofu, on PATH;
#   3. the OpenTofu pinned in tools/tofu/go.mod, built once from the Go module
#      proxy into ${XDG_CACHE_HOME:-~/.cache}/terraform-provider-stellar/tofu-<version>/.
# The Go module proxy is the one source this project's machines always reach,
# which is why the fallback is built rather than downloaded as a release.
#
# Usage:
#   scripts/terraform-path.sh            print the path
#   scripts/terraform-path.sh --env      print `export` lines for terraform-plugin-testing
#                                        (TF_ACC_TERRAFORM_PATH, TF_CLI_CONFIG_FILE, and for
#                                        OpenTofu TF_ACC_PROVIDER_NAMESPACE/HOST), for eval
#   scripts/terraform-path.sh --opentofu skip steps 1-2: use (or build) the pinned OpenTofu
#   scripts/terraform-path.sh --engines  print every engine the tests can run under, one path
#                                        a line: $TF_ACC_TERRAFORM_PATH alone if set; else
#                                        terraform, then tofu (on PATH, or the pinned build if
#                                        it is cached), building the pinned OpenTofu only
#                                        when there is neither
# Progress goes to stderr; stdout carries only the answer.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=path
only_tofu=false
for arg in "$@"; do
  case "$arg" in
    --env) mode="env" ;;
    --opentofu) only_tofu=true ;;
    --engines) mode="engines" ;;
    -h | --help) sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "terraform-path.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

log() { printf 'terraform-path.sh: %s\n' "$*" >&2; }

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-stellar"

tofu_version() {
  awk '$1 == "github.com/opentofu/opentofu" { print $2; exit }' "$root/tools/tofu/go.mod"
}

# build_tofu prints the path of the pinned OpenTofu, building it when the
# cache does not hold it yet.
build_tofu() {
  local version dir bin tmp start
  version=$(tofu_version)
  if [ -z "$version" ]; then
    log "no github.com/opentofu/opentofu requirement in tools/tofu/go.mod"
    return 1
  fi
  dir="$cache_root/tofu-$version"
  bin="$dir/tofu"
  if [ -x "$bin" ]; then
    printf '%s\n' "$bin"
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    log "neither terraform nor tofu is installed, and go is not on PATH to build OpenTofu $version"
    return 1
  fi
  mkdir -p "$dir"
  tmp="$dir/tofu.partial.$$"
  log "building OpenTofu $version into $dir (once; several minutes on 2 cores)"
  start=$SECONDS
  # The flags of OpenTofu's own release build (.goreleaser.yaml): CGO off, and
  # version.dev=no, without which it calls itself "1.x.y-dev". Built to a
  # temporary name and renamed, so that a build interrupted half-way is never
  # taken for a usable binary.
  # -v names each package as it is compiled: a line every 10 s says how far it is, rather
  # than minutes of silence.
  local build_log="$dir/build.log.$$" pid total
  total=$(cd "$root/tools/tofu" && go list -mod=readonly -deps github.com/opentofu/opentofu/cmd/tofu 2>/dev/null | wc -l)
  (cd "$root/tools/tofu" && CGO_ENABLED=0 go build -v -mod=readonly -trimpath \
    -ldflags='-s -w -X github.com/opentofu/opentofu/version.dev=no' \
    -o "$tmp" github.com/opentofu/opentofu/cmd/tofu) 2>"$build_log" &
  pid=$!
  # Interrupted, the build stops with us and leaves no partial file.
  trap 'kill "$pid" 2>/dev/null; rm -f "$tmp" "$build_log"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  while kill -0 "$pid" 2>/dev/null; do
    sleep 10
    kill -0 "$pid" 2>/dev/null &&
      log "still building OpenTofu: $(grep -cv '\.go:' "$build_log" || true) of up to $total packages compiled, $((SECONDS - start)) s"
  done
  if ! wait "$pid"; then
    grep -v '^[a-zA-Z0-9./_-]*$' "$build_log" >&2 || true # the errors, not the package names
    rm -f "$tmp" "$build_log"
    log "building OpenTofu $version failed"
    return 1
  fi
  rm -f "$build_log"
  trap - EXIT INT TERM
  mv -f "$tmp" "$bin"
  log "built OpenTofu $version in $((SECONDS - start)) s"
  printf '%s\n' "$bin"
}

# usable reports whether $1 runs and answers `version`; a broken symlink or a
# binary for another platform is skipped rather than handed to the tests.
usable() {
  tf_version "$1" >/dev/null
}

# tf_version prints `version` output; the CLI config is emptied because a
# missing or broken one adds warnings to stdout.
tf_version() {
  CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null timeout 30 "$1" version 2>/dev/null
}

find_binary() {
  local candidate
  if ! $only_tofu; then
    if [ -n "${TF_ACC_TERRAFORM_PATH:-}" ]; then
      if [ -x "$TF_ACC_TERRAFORM_PATH" ]; then
        (cd "$(dirname "$TF_ACC_TERRAFORM_PATH")" && printf '%s/%s\n' "$(pwd -P)" "$(basename "$TF_ACC_TERRAFORM_PATH")")
        return 0
      fi
      log "TF_ACC_TERRAFORM_PATH=$TF_ACC_TERRAFORM_PATH is not an executable file"
      return 1
    fi
    for name in terraform tofu; do
      candidate=$(command -v "$name" 2>/dev/null || true)
      if [ -n "$candidate" ] && usable "$candidate"; then
        printf '%s\n' "$candidate"
        return 0
      fi
    done
  fi
  build_tofu
}

# engines lists each CLI once, by its real path.
engines() {
  local seen='' have_tofu=false candidate real
  if [ -n "${TF_ACC_TERRAFORM_PATH:-}" ]; then
    find_binary
    return
  fi
  for candidate in "$(command -v terraform 2>/dev/null || true)" "$(command -v tofu 2>/dev/null || true)" \
    "$cache_root/tofu-$(tofu_version)/tofu"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && usable "$candidate" || continue
    real=$(cd "$(dirname "$candidate")" && printf '%s/%s' "$(pwd -P)" "$(basename "$candidate")")
    case " $seen " in *" $real "*) continue ;; esac
    # One OpenTofu is enough: a tofu on PATH makes the pinned build redundant.
    if grep -q '^OpenTofu v' <<<"$(tf_version "$real" || true)"; then
      $have_tofu && continue
      have_tofu=true
    fi
    seen="$seen $real"
    printf '%s\n' "$real"
  done
  [ -n "$seen" ] || build_tofu
}

if [ "$mode" = engines ]; then
  engines
  exit 0
fi

bin=$(find_binary)
case "$bin" in
  /*) ;;
  *) bin="$(cd "$(dirname "$bin")" && pwd -P)/$(basename "$bin")" ;;
esac

if [ "$mode" = path ]; then
  printf '%s\n' "$bin"
  exit 0
fi

# --env: what terraform-plugin-testing needs to run offline.
q() { printf '%q' "$1"; }
echo "export TF_ACC_TERRAFORM_PATH=$(q "$bin")"
# An empty CLI config, always: a developer's own (dev_overrides,
# provider_installation, plugin_cache_dir, credentials) stays out of the tests.
mkdir -p "$cache_root"
: >"$cache_root/empty.tfrc"
echo "export TF_CLI_CONFIG_FILE=$(q "$cache_root/empty.tfrc")"
echo "export CHECKPOINT_DISABLE=1"
# terraform-plugin-testing reattaches the in-process provider under
# registry.terraform.io/hashicorp/<name>; OpenTofu resolves the implied
# provider "stellar" to registry.opentofu.org/hashicorp/stellar instead.
# (The output is captured first: grep -q closing the pipe early would make
# pipefail report the CLI as failed.)
version_text=$(tf_version "$bin" || true)
if grep -q '^OpenTofu v' <<<"$version_text"; then
  echo "export TF_ACC_PROVIDER_NAMESPACE=hashicorp"
  echo "export TF_ACC_PROVIDER_HOST=registry.opentofu.org"
fi
