#!/usr/bin/env bash
# The scenario catalogue's wall time (issue #13's aim: under 60 s on this 2-core machine for
# everything not tagged `long`): the same catalogue at -j 1 (the baseline) and at -j JOBS in one
# invocation, their ratio, and the slowest scenarios of the parallel run.
#   tools/bench/catalogue.sh [build-dir] [jobs]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
jobs=${2:-2}
cmake --build "$build" --parallel 2 --target kmslab-run >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() {  # run JOBS NAME: the catalogue, its JSON in $out/NAME.json; prints the wall seconds
  local start end
  start=$(date +%s.%N)
  "$build/scenarios/runner/kmslab-run" -j "$1" "$root/scenarios" --json "$out/$2.json" \
    >"$out/$2.log" 2>&1 || { tail -20 "$out/$2.log" >&2; echo "catalogue failed (-j $1)" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
serial=$(run 1 serial)
parallel=$(run "$jobs" parallel)
count=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["scenarios"]))' "$out/parallel.json")
printf 'scenarios: %s\nwall -j 1: %.1f s\nwall -j %s: %.1f s\nspeed-up: %.2f\n' \
  "$count" "$serial" "$jobs" "$parallel" "$(echo "$serial / $parallel" | bc -l)"
echo "slowest at -j $jobs (s):"
/usr/bin/python3 - "$out/parallel.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
for s in sorted(run["scenarios"], key=lambda s: -s["duration_ms"])[:10]:
    print(f"  {s['duration_ms'] / 1000:6.1f}  {s['name']}")
PY
