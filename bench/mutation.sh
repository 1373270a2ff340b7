#!/usr/bin/env bash
# Mutation testing of the pure core (Stryker.NET) against its unit tests, one folder at a time.
#
#   bench/mutation.sh                      every folder below (slow: about an hour on 2 cores)
#   bench/mutation.sh Editing/Yaml Core/Planning
#   bench/mutation.sh --since [REF] [FOLDER...]   only the files changed since REF (default main), committed or not
#   bench/mutation.sh Core/Planning/Rollback.cs,Core/Planning/Promotion.cs   several of one project, one run
#
# Folders are <Editing|Core>/<folder> under src/GitOpsDeploy.<project> (a file there works too, e.g.
# Core/Landing/FanIn/FanInFlow.cs). Folders or files of one project joined by commas are mutated in one
# Stryker run (one build of the copy instead of one each; on a busy machine the build is most of a small
# run). The run happens in a copy of
# the working tree (tracked and untracked files, ignored ones left out), because Stryker writes the
# mutated assembly into the test project's build output: a test run in the tree meanwhile would
# test mutants. Reports land in artifacts/mutation/<project>-<folder>/ (html and json); the
# table at the end is the score per folder: killed (and timed out) over every mutant that a test
# could have killed (survived and never-covered included, compile errors and ignored ones not).
#
# Stryker builds the copy itself, then runs the unit tests once per mutant that a test covers (per-test
# coverage): a folder of a few files takes minutes, Editing/Yaml and Core/Landing the longest.
# Environment: STRYKER_CONCURRENCY (default 1, the machine is shared), STRYKER_VERSION (5.1.0),
# KEEP_COPY=1 to leave the copy in place.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=${STRYKER_VERSION:-5.1.0}
concurrency=${STRYKER_CONCURRENCY:-1}
since=""
folders=()
all_folders=(
  Editing/Yaml Editing/Images Editing/Overlay
  Core/Planning Core/Requests Core/Steps Core/Landing Core/Text
  Core/Metrics,Core/Pipeline,Core/Results,Core/Runs,Core/Transport,Core/Verification,Core/Reporting,Core/Scaffold
)

while [ $# -gt 0 ]; do
  case "$1" in
    --since) if [ $# -gt 1 ] && [[ "$2" != Editing/* && "$2" != Core/* && "$2" != -* ]]; then since=$2; shift; else since=main; fi ;;
    --since=*) since=${1#--since=} ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) folders+=("$1") ;;
  esac
  shift
done
[ ${#folders[@]} -eq 0 ] && folders=("${all_folders[@]}")

# The core's helm render tests skip themselves without helm: use the one .ci/run installs, so they count here too.
if [ -z "${HELM_PATH:-}" ] && [ -x "${HOME}/.local/gitops-deploy-tools/helm" ]; then export HELM_PATH="${HOME}/.local/gitops-deploy-tools/helm"; fi

tools="$root/artifacts/tools"
stryker="$tools/dotnet-stryker"
if [ ! -x "$stryker" ]; then
  dotnet tool install dotnet-stryker --version "$version" --tool-path "$tools" >/dev/null
fi

copy=$(mktemp -d "${TMPDIR:-/tmp}/gitopsdeploy-mutation.XXXXXX")
[ "${KEEP_COPY:-0}" = 1 ] || trap 'rm -rf "$copy"' EXIT
(cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf - 2>/dev/null) | tar -xf - -C "$copy"

tests="$copy/tests/GitOpsDeploy.Core.Tests"

out="$root/artifacts/mutation"
mkdir -p "$out"
summary=()
for folder in "${folders[@]}"; do
  project=${folder%%/*}
  mutate=()
  subs=()
  IFS=, read -ra parts <<< "$folder"
  for part in "${parts[@]}"; do
    if [ "${part%%/*}" != "$project" ]; then
      echo "one run mutates one project: $folder" >&2; exit 2
    fi
    sub=${part#*/}
    subs+=("$sub")
    src="$copy/src/GitOpsDeploy.$project/$sub"
    if [ -d "$src" ]; then
      mutate+=(--mutate "**/$sub/**/*.cs")
    elif [ -f "$src" ]; then
      mutate+=(--mutate "**/$sub")
    else
      echo "no such folder or file: src/GitOpsDeploy.$project/$sub" >&2; exit 2
    fi
  done
  name="$project-$(IFS=+; echo "${subs[*]//\//-}")"
  # A long list of files would make a file name over the file system's 255 bytes: name it by its first part and a hash.
  if [ ${#name} -gt 120 ]; then name="$project-${subs[0]//\//-}+$((${#subs[@]} - 1))-more-$(printf '%s' "$folder" | sha256sum | cut -c1-8)"; fi
  if [ -n "$since" ]; then
    # Changed since the commit (committed or not), decided here: the copy has no git history.
    paths=("${subs[@]/#/src/GitOpsDeploy.$project/}")
    mapfile -t changed < <(cd "$root" && { git diff --name-only "$since" -- "${paths[@]}";
                                           git ls-files -o --exclude-standard -- "${paths[@]}"; } | grep '\.cs$' | sort -u || true)
    if [ ${#changed[@]} -eq 0 ]; then summary+=("$(printf '%-18s %s' "$folder" "nothing changed since $since")"); continue; fi
    mutate=()
    for f in "${changed[@]}"; do [ -f "$root/$f" ] && mutate+=(--mutate "**/${f#src/GitOpsDeploy.$project/}"); done
    [ ${#mutate[@]} -eq 0 ] && continue
  fi
  args=(--project "GitOpsDeploy.$project.csproj" "${mutate[@]}"
        --concurrency "$concurrency" --reporter Json --reporter Html --reporter Progress
        --output "$out/$name" --skip-version-check)
  echo "== $folder"
  (cd "$tests" && "$stryker" "${args[@]}") > "$out/$name.log" 2>&1 || {
    echo "stryker failed on $folder, see $out/$name.log" >&2; tail -20 "$out/$name.log" >&2; exit 1; }
  report="$out/$name/reports/mutation-report.json"
  if [ ! -f "$report" ]; then summary+=("$(printf '%-18s %s' "$folder" 'no mutants (nothing changed?)')"); continue; fi
  summary+=("$(jq -r --arg f "$folder" '
    [.files[].mutants[].status] as $s
    | ($s | map(select(. == "Killed" or . == "Timeout")) | length) as $k
    | ($s | map(select(. == "Survived")) | length) as $sv
    | ($s | map(select(. == "NoCoverage")) | length) as $nc
    | (if ($k + $sv + $nc) == 0 then "n/a" else ((100 * $k / ($k + $sv + $nc)) | floor | tostring) + "%" end) as $score
    | "\($f | . + (" " * ([18 - length, 1] | max))) \($score | . + (" " * (6 - length))) killed \($k), survived \($sv), no coverage \($nc)"' "$report")")
  # Per file, for the folders that have more than one.
  jq -r '.files | to_entries[] | . as $e | [$e.value.mutants[].status] as $s
    | ($s | map(select(. == "Killed" or . == "Timeout")) | length) as $k
    | ($s | map(select(. == "Survived" or . == "NoCoverage")) | length) as $l
    | select(($k + $l) > 0)
    | "   \($e.key | split("/") | last): \((100 * $k / ($k + $l)) | floor)% (\($l) left)"' "$report"
done

echo
echo "folder             score  mutants"
printf '%s\n' "${summary[@]}"
