#!/usr/bin/env bash
# Runs the device-test driver (SecurityModule.DeviceTests) on nanoFramework's own runtime.
#
#   tools/run-on-nanoclr.sh --nanoclr PATH --mdp PATH [--timeout SECONDS] [--keep DIR]
#
#   --nanoclr  a nanoCLR that runs .pe files given as arguments and prints the program's output
#              on stdout (the nanoFramework.nanoCLR.test harness of nf-interpreter's targets/posix)
#   --mdp      nanoFramework's MetadataProcessor: a .dll run with `dotnet`, or an executable
#
# It builds the driver with `dotnet build`, converts the driver, SecurityModule and nothing else
# with the MetadataProcessor (mscorlib.pe comes with the nanoFramework.CoreLibrary package), runs
# them and judges the run by the driver's own last lines: "N passed, 0 failed" and the sentinel.
# nanoCLR's exit code is 0 even when the program dies, so the script never trusts it.
# It uses a nanoCLR you already have; it does not build one (see the README).
set -euo pipefail

usage() { echo "usage: $0 --nanoclr PATH --mdp PATH [--timeout SECONDS] [--keep DIR]" >&2; exit 2; }

nanoclr=""; mdp=""; timeout_s=300; keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --nanoclr) [ $# -ge 2 ] || usage; nanoclr="$2"; shift 2 ;;
    --mdp) [ $# -ge 2 ] || usage; mdp="$2"; shift 2 ;;
    --timeout) [ $# -ge 2 ] || usage; timeout_s="$2"; shift 2 ;;
    --keep) [ $# -ge 2 ] || usage; keep="$2"; shift 2 ;;
    *) echo "run-on-nanoclr: unknown option '$1'" >&2; usage ;;
  esac
done
[ -n "$nanoclr" ] && [ -n "$mdp" ] || usage
[ -x "$nanoclr" ] || { echo "run-on-nanoclr: --nanoclr '$nanoclr' is not an executable file" >&2; exit 2; }
[ -e "$mdp" ] || { echo "run-on-nanoclr: --mdp '$mdp' does not exist" >&2; exit 2; }
case "$timeout_s" in ''|*[!0-9]*) echo "run-on-nanoclr: --timeout '$timeout_s' is not a whole number of seconds" >&2; exit 2 ;; esac

root="$(cd "$(dirname "$0")/.." && pwd)"
work="${keep:-$(mktemp -d)}"
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT

echo "building the driver"
dotnet build "$root/SecurityModule.DeviceTests/SecurityModule.DeviceTests.csproj" -c Release -o "$work/dll" -v quiet -nologo >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; echo "run-on-nanoclr: the driver did not build" >&2; exit 1; }

corlib="$(find "${NUGET_PACKAGES:-$HOME/.nuget/packages}/nanoframework.corelibrary/1.17.11/lib" -maxdepth 1 -name mscorlib.pe | head -n 1)"
[ -n "$corlib" ] || { echo "run-on-nanoclr: mscorlib.pe not found in the nanoFramework.CoreLibrary 1.17.11 package" >&2; exit 1; }
cp "$corlib" "$work/mscorlib.pe"
corlib_dll="$(dirname "$corlib")/mscorlib.dll"

run_mdp() {
  case "$mdp" in
    *.dll) dotnet "$mdp" "$@" ;;
    *) "$mdp" "$@" ;;
  esac
}

# Every referenced assembly needs a load hint; MDP may report a failure on stderr with exit 0,
# so a missing .pe or any stderr output counts as failure.
convert() {
  local name="$1"; shift
  rm -f "$work/$name.pe"
  if ! run_mdp "$@" -parse "$work/dll/$name.dll" -compile "$work/$name.pe" false >"$work/mdp-$name.log" 2>"$work/mdp-$name.err" \
     || [ -s "$work/mdp-$name.err" ] || [ ! -s "$work/$name.pe" ]; then
    cat "$work/mdp-$name.err" >&2
    echo "run-on-nanoclr: the MetadataProcessor did not convert $name.dll" >&2
    exit 1
  fi
}
echo "converting to .pe"
convert SecurityModule -loadHints mscorlib "$corlib_dll"
convert SecurityModule.DeviceTests -loadHints mscorlib "$corlib_dll" -loadHints SecurityModule "$work/dll/SecurityModule.dll"

echo "running on nanoCLR"
status=0
timeout "$timeout_s" "$nanoclr" "$work/mscorlib.pe" "$work/SecurityModule.pe" "$work/SecurityModule.DeviceTests.pe" >"$work/nanoclr.out" 2>&1 || status=$?
tr -d '\r' <"$work/nanoclr.out" | sed -n '/^Ready\.$/,/^Done\.$/p' | sed '1d;$d' >"$work/driver.out"
cat "$work/driver.out"

if [ "$status" = 124 ]; then
  echo "run-on-nanoclr: nanoCLR did not finish within $timeout_s s" >&2; exit 1
fi
if grep -q -e '^Link failure' -e '^Error: ' "$work/nanoclr.out" || ! grep -q '^Ready\.' <(tr -d '\r' <"$work/nanoclr.out"); then
  tr -d '\r' <"$work/nanoclr.out" | grep -e 'Link failure' -e 'needs assembly' -e '^Error' -e 'error:' >&2 || true
  echo "run-on-nanoclr: nanoCLR did not load the assemblies" >&2; exit 1
fi
last="$(tail -n 1 "$work/driver.out")"
counts="$(tail -n 2 "$work/driver.out" | head -n 1)"
if [ "$last" != "DEVICE-TESTS-COMPLETE" ]; then
  echo "run-on-nanoclr: the driver stopped before its last line (nanoCLR exit $status)" >&2; exit 1
fi
if ! printf '%s\n' "$counts" | grep -Eq '^[0-9]+ passed, 0 failed$'; then
  echo "run-on-nanoclr: $counts" >&2; exit 1
fi
echo "nanoCLR: $counts"
