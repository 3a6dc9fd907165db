#!/usr/bin/env bash
# make demo: the provider against its tenant emulator, end to end, offline.
#   build the provider and the emulator -> start the emulator -> plan -> apply
#   -> plan again (must show no changes) -> outputs -> the validation report
#   (the quickstart validates what it registered) -> destroy -> stop the emulator.
# Every stage prints a banner and its result; the first failure stops the demo
# and the script exits non-zero. Nothing is downloaded: the provider comes from
# a filesystem mirror as `make install` writes it, and the CLI from scripts/terraform-path.sh.
#
# Environment:
#   STELLAR_DEMO_EXAMPLE   configuration to run (default: examples/quickstart)
#   STELLAR_DEMO_KEEP=1    keep the work folder (state, logs) even on success
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
example=${STELLAR_DEMO_EXAMPLE:-$root/examples/quickstart}

if [ -t 1 ]; then
  bold=$'\e[1m' green=$'\e[32m' red=$'\e[31m' reset=$'\e[0m' nocolor=()
else
  bold='' green='' red='' reset='' nocolor=(-no-color)
fi

stages=()  # "name|result" for the summary
stage=''
stage_start=0
begin() {
  stage=$1
  stage_start=$SECONDS
  printf '\n%s==> %s%s\n' "$bold" "$stage" "$reset"
}
pass() {
  local note=${1:-}
  printf '%s<== %s: PASSED%s%s (%ss)\n' "$green" "$stage" "${note:+ - $note}" "$reset" "$((SECONDS - stage_start))"
  stages+=("$stage|passed${note:+ ($note)}")
  stage=''
}
skip() {
  printf '<== %s: SKIPPED (%s)\n' "$stage" "$1"
  stages+=("$stage|skipped: $1")
  stage=''
}
summary() {
  local s
  printf '\n%sDemo summary%s\n' "$bold" "$reset"
  for s in "${stages[@]}"; do
    printf '  %-50s %s\n' "${s%%|*}" "${s#*|}"
  done
}

work=$(mktemp -d "${TMPDIR:-/tmp}/stellar-demo.XXXXXX")
emulator_pid=''
# On any exit: report the failing stage, stop the emulator, and keep the work
# folder when something went wrong so its state and logs can be read.
finish() {
  local rc=$?
  set +e
  if [ -n "$stage" ]; then
    printf '%s<== %s: FAILED%s (exit %s, %ss)\n' "$red" "$stage" "$reset" "$rc" "$((SECONDS - stage_start))"
    stages+=("$stage|FAILED")
    [ "$rc" -ne 0 ] || rc=1
  fi
  if [ -n "$emulator_pid" ] && kill -0 "$emulator_pid" 2>/dev/null; then
    kill -TERM "$emulator_pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$emulator_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$emulator_pid" 2>/dev/null
    wait "$emulator_pid" 2>/dev/null
    echo "Emulator stopped."
  fi
  if [ "$rc" -ne 0 ] && [ -s "$work/emulator.log" ]; then
    printf '\nLast lines of the emulator log (%s):\n' "$work/emulator.log"
    tail -n 20 "$work/emulator.log"
  fi
  [ ${#stages[@]} -eq 0 ] || summary
  if [ "$rc" -ne 0 ] || [ -n "${STELLAR_DEMO_KEEP:-}" ]; then
    printf '\nWork folder kept: %s\n' "$work"
  else
    rm -rf "$work"
  fi
  if [ "$rc" -eq 0 ]; then
    printf '\n%sDemo passed.%s\n' "$green$bold" "$reset"
  else
    printf '\n%sDemo FAILED.%s\n' "$red$bold" "$reset"
  fi
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ ! -d "$example" ]; then
  echo "No configuration at $example (set STELLAR_DEMO_EXAMPLE to run another)."
  exit 1
fi

# ---------------------------------------------------------------------------
begin "Build the provider and the emulator"
mkdir -p "$work/bin"
# One go build: both binaries are linked in parallel. A first build compiles the Graph SDK
# (minutes on a small machine); it reports progress every few seconds rather than nothing.
total=$(cd "$root" && go list -deps . ./cmd/stellar-emulator 2>/dev/null | wc -l)
echo "Compiling what is not in the Go build cache yet (up to $total packages)..."
(cd "$root" && go build -v -o "$work/bin/" . ./cmd/stellar-emulator) 2>"$work/build.log" &
build=$!
started=$SECONDS
while kill -0 "$build" 2>/dev/null; do
  sleep 5
  if kill -0 "$build" 2>/dev/null; then
    echo "  still building: $(grep -cv '\.go:' "$work/build.log" || true) of up to $total packages compiled, $((SECONDS - started)) s"
  fi
done
if ! wait "$build"; then
  cat "$work/build.log"
  exit 1
fi
echo "  built in $((SECONDS - started)) s ($(grep -cv '\.go:' "$work/build.log" || true) packages compiled, the rest from the cache)"
ls "$work/bin"
pass

# ---------------------------------------------------------------------------
begin "Find a Terraform CLI and install the provider"
tf=$("$root/scripts/terraform-path.sh")
# The build goes into a filesystem mirror, in the layout `make install` writes, for both
# registries (terraform resolves stellar-migrator/stellar on registry.terraform.io, OpenTofu on
# registry.opentofu.org): `init` installs it from there as it would from a registry, offline.
version=0.1.0
platform="$(go env GOOS)_$(go env GOARCH)"
for host in registry.terraform.io registry.opentofu.org; do
  mkdir -p "$work/plugins/$host/stellar-migrator/stellar/$version/$platform"
  cp "$work/bin/terraform-provider-stellar" "$work/plugins/$host/stellar-migrator/stellar/$version/$platform/terraform-provider-stellar_v$version"
done
export TF_CLI_CONFIG_FILE=$work/terraformrc
cat >"$TF_CLI_CONFIG_FILE" <<HCL
provider_installation {
  filesystem_mirror {
    path    = "$work/plugins"
    include = ["registry.terraform.io/stellar-migrator/stellar", "registry.opentofu.org/stellar-migrator/stellar"]
  }
  direct {
    exclude = ["registry.terraform.io/stellar-migrator/stellar", "registry.opentofu.org/stellar-migrator/stellar"]
  }
}
HCL
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
echo "$("$tf" version | head -n 1) at $tf, provider $version from the filesystem mirror $work/plugins"
pass "$(basename "$tf")"

# ---------------------------------------------------------------------------
begin "Start the tenant emulator"
env_file=$work/emulator.env
"$work/bin/stellar-emulator" -env-file "$env_file" >"$work/emulator.log" 2>&1 &
emulator_pid=$!
# The emulator writes the file atomically once it listens: poll, bounded.
for _ in $(seq 1 300); do
  [ -s "$env_file" ] && break
  if ! kill -0 "$emulator_pid" 2>/dev/null; then
    echo "The emulator exited before it was ready."
    exit 1
  fi
  sleep 0.1
done
if [ ! -s "$env_file" ]; then
  echo "The emulator wrote no $env_file within 30 s."
  exit 1
fi
# shellcheck source=/dev/null
. "$env_file"
for v in ARM_TENANT_ID ARM_CLIENT_ID ARM_CLIENT_SECRET STELLAR_AUTHORITY_HOST STELLAR_GRAPH_ENDPOINT STELLAR_CA_CERTIFICATE_FILE; do
  if [ -z "${!v:-}" ]; then
    echo "The emulator's env file does not set $v."
    exit 1
  fi
done
echo "Emulator (pid $emulator_pid) at $STELLAR_GRAPH_ENDPOINT, tenant $ARM_TENANT_ID"
echo "Signing in as the bootstrap app $ARM_CLIENT_ID (secret from the env file, not shown)"
pass

# copy_config copies a configuration without any local state or lock file.
copy_config() {
  mkdir -p "$2"
  cp -R "$1/." "$2/"
  rm -rf "$2/.terraform" "$2"/terraform.tfstate* "$2/.terraform.lock.hcl"
}

run_dir=$work/$(basename "$example")
copy_config "$example" "$run_dir"
cd "$run_dir"

# ---------------------------------------------------------------------------
begin "Init ($(basename "$example"))"
if ! "$tf" init "${nocolor[@]}" -input=false >"$work/init.log" 2>&1; then
  cat "$work/init.log"
  exit 1
fi
grep -E 'Installing|Installed|initialized' "$work/init.log"
pass

begin "Plan"
"$tf" plan "${nocolor[@]}" -compact-warnings -input=false -out=tfplan
pass

begin "Apply (the saved plan: not printed again)"
"$tf" apply "${nocolor[@]}" -compact-warnings -input=false tfplan
pass

begin "Plan again: expect no changes"
set +e
"$tf" plan "${nocolor[@]}" -compact-warnings -input=false -detailed-exitcode
code=$?
set -e
case "$code" in
  0) pass "no changes" ;;
  2) echo "The second plan wants changes: the apply did not converge (see the plan above)."; exit 2 ;;
  *) echo "The second plan failed."; exit "$code" ;;
esac

# ---------------------------------------------------------------------------
begin "Outputs"
# Never the secret: it is a sensitive output, read only with -raw by whoever
# hands it to the migration tool.
for name in client_id tenant_id; do
  printf '%s = %s\n' "$name" "$("$tf" output -raw "$name")"
done
echo "Steps:"
"$tf" output -raw steps | sed 's/^/  /'
echo
printf 'Result: %s\n' "$("$tf" output -raw result)"
pass

# ---------------------------------------------------------------------------
begin "Validate the registration"
# The quickstart's stellar_target_validation data source signed in with the
# new credentials during apply (a failed check would have failed the apply);
# show its report and insist that nothing failed.
report=$("$tf" output "${nocolor[@]}" validation)
echo "validation = $report"
if grep -q '"failed:' <<<"$report"; then
  echo "A validation check failed."
  exit 1
fi
pass

# ---------------------------------------------------------------------------
begin "Destroy"
"$tf" destroy "${nocolor[@]}" -compact-warnings -input=false -auto-approve
pass
