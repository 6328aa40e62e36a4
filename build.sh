#!/usr/bin/env bash
# One entry point for everything: ./build.sh <verb> [args]. Run without arguments for help.
set -euo pipefail
cd "$(dirname "$0")"

# The in-process Durable Task test host runs only ProcessorCount work items at once and then polls every
# 500 ms (its InMemoryOrchestrationService); a high count keeps tests that use it fast on 2-core machines.
export DOTNET_PROCESSOR_COUNT="${DOTNET_PROCESSOR_COUNT:-64}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
CONFIG="${CONFIG:-Release}"

usage() {
  cat <<'USAGE'
Usage: ./build.sh <verb> [options]

  local [options]  The main job, offline: Azurite + the local function host + many concurrent starts of
                   one exclusive operation; prints who got OK and who got Conflict, and checks that no two
                   OK runs on a key overlapped. Options: --runs N --keys K --seconds D (see --help).
  host             Azurite + the local function host on http://127.0.0.1:7071, in the foreground (Ctrl+C stops both).
  test             Builds and runs every test project; ends with "N passed, N failed, N skipped".
  bench            Contention benchmark: fixed vs hint strategy, 20 runs on 1 key, 1 s operations; then hint with 10 s.
  bench-host       Benchmark: round trip p50/p95 and orchestrations/s, local host vs in-process test host.
  adf run PIPELINE.json [--param n=v]... [--global n=v]... [--factory F.json] [--managed-identity-token T] [--output RUN.json]
                   Runs Data Factory pipeline JSON locally (Web activities call for real); exit 0 only if it Succeeded.
  adf eval VALUE... [--param name=value]...
                   Evaluates Data Factory values ('@...' is an expression, anything else a literal string), one JSON value per line.
  pipelines        Writes pipelines/generated (ADF git layout + ARM template) from the C# definitions.
  publish          Builds the deployable Function App package: out/functionapp.zip.
  build            Restores (npm ci + dotnet restore) and builds the solution.
USAGE
}

setup() {
  if [ ! -x deploy/local/azurite/node_modules/.bin/azurite ] || [ deploy/local/azurite/package-lock.json -nt deploy/local/azurite/node_modules/.package-lock.json ]; then
    echo "==> npm ci (Azurite, pinned in deploy/local/azurite/package-lock.json)"
    npm ci --prefix deploy/local/azurite --no-audit --no-fund --loglevel=error
  fi
}

build() {
  setup
  echo "==> dotnet build Infra.sln -c $CONFIG"
  # NU1603 (a near version served by the registry mirror) is allowed; the Functions SDK's generated
  # WorkerExtensions project repeats it dozens of times, so it is filtered from the output, not the build.
  dotnet build Infra.sln -c "$CONFIG" -nologo -clp:NoSummary -v:q 2>&1 | { grep -v "warning NU1603" || true; }
}

run_tests() {
  build
  local results=out/test-results
  rm -rf "$results"; mkdir -p "$results"
  local passed=0 failed=0 skipped=0 status=0
  for project in tests/*/*.Tests.csproj; do
    local name; name=$(basename "$project" .csproj)
    echo "==> dotnet test $name"
    local code=0
    dotnet test "$project" -c "$CONFIG" --no-build -nologo --logger "console;verbosity=normal" \
      --logger "trx;LogFileName=$name.trx" --results-directory "$results" >"$results/$name.log" 2>&1 || code=$?
    grep -E "^\s+(Failed|Skipped) |Error Message|\[FAIL\]" -A6 "$results/$name.log" || true
    # The TRX report's counters are the machine-readable truth (console summaries vary with verbosity).
    local counters; counters=$(grep -o '<Counters [^>]*>' "$results/$name.trx" 2>/dev/null || true)
    if [ -z "$counters" ]; then
      echo "!! $name produced no test report (exit code $code); see $results/$name.log"
      failed=$((failed + 1)); status=1; continue
    fi
    local t e p f
    t=$(sed -E 's/.* total="([0-9]+)".*/\1/' <<<"$counters")
    e=$(sed -E 's/.* executed="([0-9]+)".*/\1/' <<<"$counters")
    p=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
    f=$(( $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters") + $(sed -E 's/.* error="([0-9]+)".*/\1/' <<<"$counters") ))
    local s=$((t - e))
    echo "    $name: $p passed, $f failed, $s skipped (log: $results/$name.log)"
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    [ "$code" -eq 0 ] || status=1
  done
  echo "$passed passed, $failed failed, $skipped skipped"
  return $status
}

publish() {
  setup
  rm -rf out/functionapp out/functionapp.zip
  dotnet publish functionapp/FunctionApp/FunctionApp.csproj -c Release -o out/functionapp -nologo -v:q
  (cd out/functionapp && python3 -c "import shutil; shutil.make_archive('../functionapp', 'zip', '.')")
  echo "Function App package: out/functionapp.zip ($(du -h out/functionapp.zip | cut -f1))"
}

# adf starts in well under a second on a built checkout: it builds (only the runner and the model it reads
# pipelines with) when a source file is newer than the stamp of its last build, not on every call.
build_adf_if_changed() {
  local stamp="pipelines/DataFactory.Runner/bin/$CONFIG/net10.0/.adf-built"
  local changed=""
  if [ -f "$stamp" ]; then
    changed=$(find pipelines/DataFactory.Runner pipelines/DataFactory.Pipelines \( -name bin -o -name obj \) -prune -o \
      -type f -newer "$stamp" -print -quit)
    [ -n "$changed" ] || changed=$(find Directory.Build.props Directory.Packages.props global.json -newer "$stamp" -print -quit)
  fi
  if [ ! -f "$stamp" ] || [ -n "$changed" ]; then
    echo "==> dotnet build DataFactory.Runner (${changed:-first build})" >&2
    dotnet build pipelines/DataFactory.Runner/DataFactory.Runner.csproj -c "$CONFIG" -nologo -clp:NoSummary -v:q >&2
    touch "$stamp"
  fi
}

verb="${1:-help}"; shift || true
case "$verb" in
  build) build ;;
  test) run_tests ;;
  host)
    build
    exec dotnet "deploy/local/LocalFunctionHost/bin/$CONFIG/net10.0/LocalFunctionHost.dll" \
      --LocalHost:StartAzurite=true --LocalHost:AzuriteLocation="$PWD/out/azurite" "$@" ;;
  local)
    build
    exec dotnet "deploy/local/LocalEnvironment/bin/$CONFIG/net10.0/LocalEnvironment.dll" "$@" ;;
  bench)
    build
    exec dotnet "deploy/local/LocalEnvironment/bin/$CONFIG/net10.0/LocalEnvironment.dll" bench "$@" ;;
  bench-host)
    build
    exec dotnet "tests/Benchmarks/bin/$CONFIG/net10.0/Benchmarks.dll" host "$@" ;;
  adf)
    build_adf_if_changed
    exec dotnet "pipelines/DataFactory.Runner/bin/$CONFIG/net10.0/adf.dll" "$@" ;;
  pipelines)
    build
    dotnet "pipelines/ExclusiveOperationPipelines/bin/$CONFIG/net10.0/ExclusiveOperationPipelines.dll" pipelines/generated ;;
  publish) publish ;;
  help|-h|--help) usage ;;
  *) echo "Unknown verb '$verb'."; usage; exit 2 ;;
esac
