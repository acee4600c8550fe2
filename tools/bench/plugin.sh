#!/usr/bin/env bash
# v2 Encrypt/Decrypt through kmslab-kms-plugin at concurrency 1, 8, 32, against the same Key Vault
# calls made directly (the plugin's own Key Vault client, same machine, same run), so the
# difference is the plugin itself: gRPC over the Unix socket and the KMS contract.
#   tools/bench/plugin.sh [build-dir] [pairs-per-level] [runs] [vault-latency-ms]
# vault-latency-ms (default 0) adds that much latency to every encrypt/decrypt through the
# emulator's fault rules (/_kmslab/faults), so the overhead can be read against a vault as slow
# as a real one (Key Vault answers in milliseconds; the emulator in about 0.15 ms).
# A third mode, "floor", times v1 Version calls (the gRPC hop alone, no Key Vault call): the part
# of the overhead that is gRPC itself rather than the plugin's code.
# Prints one JSON line per (run, mode, concurrency) and a summary: median ratios over the runs
# (plugin and direct alternate within each run, so a shared machine's load falls on both), and
# the plugin's and the emulator's CPU time per Key Vault call (from /proc, steadier than
# throughput when other work shares the cores), with the load average.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
pairs=${2:-400}
runs=${3:-1}
latency_ms=${4:-0}
emulator=$build/emulator/kmslab-emulator
plugin=$build/plugin/kmslab-kms-plugin
load=$build/tests/integration/plugin/kmslab-kms-load
for b in "$emulator" "$plugin" "$load"; do [[ -x $b ]] || { echo "missing $b (build it first)" >&2; exit 1; }; done

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

"$emulator" --data-dir "$work/emu" --port 0 --vault benchvault --log-file "$work/emu.log" \
  --throttle-other 100000000 >/dev/null 2>&1 & pids+=($!)
for _ in $(seq 1 400); do [[ -s $work/emu/endpoints.json ]] && break; sleep 0.05; done
read -r url proxy ca < <(python3 -c "import json,sys; e=json.load(open('$work/emu/endpoints.json')); print(e.get('https') or e['http'], e['proxy'], e['ca'])")
tenant=6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8
token=$(curl -sS --cacert "$ca" -d "grant_type=client_credentials&client_id=bench&client_secret=s&scope=https://vault.azure.net/.default" \
  "$url/$tenant/oauth2/v2.0/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
kid=$(curl -sS --cacert "$ca" --proxy "$proxy" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"kty":"RSA","key_size":2048}' "https://benchvault.vault.azure.net/keys/kek/create?api-version=7.4" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["key"]["kid"])')
version=${kid##*/}
if (( latency_ms > 0 )); then
  for op in encrypt decrypt; do
    curl -sS --fail --cacert "$ca" -H 'Content-Type: application/json' "$url/_kmslab/faults" -o /dev/null -d \
      "{\"match\":{\"vault\":\"benchvault\",\"operation\":\"$op\"},\"action\":{\"type\":\"latency\",\"ms\":$latency_ms}}"
  done
fi
printf '{"tenantId":"%s","aadClientId":"bench","aadClientSecret":"s"}' "$tenant" > "$work/azure.json"
HTTPS_PROXY=$proxy "$plugin" --listen-addr "unix://$work/kms.sock" --keyvault-name benchvault --key-name kek \
  --key-version "$version" --config-file-path "$work/azure.json" --ca-bundle "$ca" \
  --healthz-port 0 --metrics-addr 0 2>"$work/plugin.log" & pids+=($!)
for _ in $(seq 1 400); do grep -q "Listening for connections" "$work/plugin.log" && break; sleep 0.05; done

results=$work/results.jsonl
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime, in clock ticks
# Context switches of the plugin's threads (its gRPC threads live as long as it does).
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {n += $2} END {print n}'; }
tick=$(getconf CLK_TCK)
# The load generator's own CPU time per Key Vault call ("user sys" seconds from bash's time):
# in direct mode it makes the HTTPS calls itself, in plugin mode it is the gRPC client, so the
# whole machine's cost per call is client + plugin + emulator in both modes.
TIMEFORMAT='%U %S'
timed() { { time "$@" >"$work/out" 2>"$work/err"; } 2>"$work/time"; cat "$work/out"; }
client_cpu() { awk -v n="$1" '{printf "%d", ($1 + $2) * 1000000 / n}' "$work/time"; }
for run in $(seq 1 "$runs"); do
  for c in 1 8 32; do
    e0=$(cpu_ticks "${pids[0]}") p0=$(cpu_ticks "${pids[1]}") s0=$(switches "${pids[1]}")
    out=$(timed "$load" bench --socket "unix://$work/kms.sock" --concurrency "$c" --requests "$pairs")
    e1=$(cpu_ticks "${pids[0]}") p1=$(cpu_ticks "${pids[1]}") s1=$(switches "${pids[1]}")
    cpu="\"plugin_cpu_us_per_call\":$(( (p1 - p0) * 1000000 / tick / (2 * pairs) )),\"emulator_cpu_us_per_call\":$(( (e1 - e0) * 1000000 / tick / (2 * pairs) )),\"client_cpu_us_per_call\":$(client_cpu $((2 * pairs))),\"plugin_switches_per_call\":$(( (s1 - s0) / (2 * pairs) )),"
    echo "$out" | sed "s/^{/{\"run\":$run,\"mode\":\"plugin\",$cpu/" | tee -a "$results"
    p0=$(cpu_ticks "${pids[1]}")
    out=$(timed "$load" bench-floor --socket "unix://$work/kms.sock" --concurrency "$c" --requests "$pairs")
    p1=$(cpu_ticks "${pids[1]}")
    cpu="\"plugin_cpu_us_per_call\":$(( (p1 - p0) * 1000000 / tick / (2 * pairs) )),\"client_cpu_us_per_call\":$(client_cpu $((2 * pairs))),"
    echo "$out" | sed "s/^{/{\"run\":$run,\"mode\":\"floor\",$cpu/" | tee -a "$results"
    e0=$(cpu_ticks "${pids[0]}")
    out=$(timed "$load" bench-direct --vault benchvault --key kek --version "$version" --azure-json "$work/azure.json" \
      --ca-bundle "$ca" --proxy "$proxy" --concurrency "$c" --requests "$pairs")
    e1=$(cpu_ticks "${pids[0]}")
    cpu="\"emulator_cpu_us_per_call\":$(( (e1 - e0) * 1000000 / tick / (2 * pairs) )),\"client_cpu_us_per_call\":$(client_cpu $((2 * pairs))),"
    echo "$out" | sed "s/^{/{\"run\":$run,\"mode\":\"direct\",$cpu/" | tee -a "$results"
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); vault latency added: ${latency_ms} ms"
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
runs = sorted({r["run"] for r in rows})
by = {(r["run"], r["mode"], r["concurrency"]): r for r in rows}
med = statistics.median
print(f"medians over {len(runs)} run(s)")
print("concurrency  op       p50 plugin/direct ms  overhead  throughput ratio   CPU us per call: plugin+client+emulator vs client+emulator")
for c in (1, 8, 32):
    pairs = [(by[(n, "plugin", c)], by[(n, "direct", c)]) for n in runs]
    ratio = med(p["pairs_per_second"] / d["pairs_per_second"] for p, d in pairs)
    m = lambda rows, k: med(r[k] for r in rows)
    ps, ds = [p for p, _ in pairs], [d for _, d in pairs]
    cpu = (f"{m(ps, 'plugin_cpu_us_per_call'):.0f}+{m(ps, 'client_cpu_us_per_call'):.0f}+"
           f"{m(ps, 'emulator_cpu_us_per_call'):.0f} vs {m(ds, 'client_cpu_us_per_call'):.0f}+"
           f"{m(ds, 'emulator_cpu_us_per_call'):.0f} ({m(ps, 'plugin_switches_per_call'):.0f} switches)")
    for op in ("encrypt", "decrypt"):
        pp, dp = med(p[op]["p50_ms"] for p, _ in pairs), med(d[op]["p50_ms"] for _, d in pairs)
        print(f"{c:>11}  {op:<7} {pp:8.3f} / {dp:8.3f}   {100*(pp-dp)/dp:+6.1f}%   {ratio:.2f}              {cpu}")
    floors = [by[(n, "floor", c)] for n in runs]
    print(f"             gRPC floor (v1 Version, no Key Vault call): p50 {med(f['version']['p50_ms'] for f in floors):.3f} ms, "
          f"CPU us per call plugin+client {m(floors, 'plugin_cpu_us_per_call'):.0f}+{m(floors, 'client_cpu_us_per_call'):.0f}")
    errors = sum(p["errors"] + d["errors"] for p, d in pairs)
    if errors:
        print(f"             errors: {errors}: " + next(x["first_error"] for pd in pairs for x in pd if x["first_error"]))
PY