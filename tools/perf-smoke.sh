#!/usr/bin/env bash
# Performance smoke for CI (docs/performance.md): the footprint report, the wire-cost report, and
# every benchmark once (BenchmarkDotNet's dry job, in-process). It checks that they build and run and
# prints their figures; it asserts no timing. About a minute on 2 cores, most of it the builds.
#   bash tools/perf-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1

project=SecurityModule.Benchmarks
dotnet build "$project" -c Release --nologo -v q
run() { dotnet run -c Release --no-build --project "$project" -- "$@"; }

echo "== footprint"
run footprint
echo "== wire cost"
run wirecost
echo "== benchmarks, smoke (dry job, in-process)"
# BenchmarkDotNet writes its artifacts under the current folder: keep them out of the tree.
artifacts="$(mktemp -d)"
trap 'rm -rf "$artifacts"' EXIT
( cd "$artifacts" && dotnet run -c Release --no-build --project "$OLDPWD/$project" -- smoke )
