#!/usr/bin/env bash
# Benchmarks the emulator's Key Vault keys data plane, each figure against a limit measured in
# the same run:
#   1. unwrapkey (RSA-2048, RSA-OAEP-256) req/s at several concurrencies vs `openssl speed`
#      RSA-2048 private-key ops/s on both cores;
#   2. GET key req/s vs nginx serving the same JSON body as a static file (same TLS set-up as
#      tools/bench/http.sh, from tools/bench/lib_nginx.sh);
#   3. emulator RSS with KEYS keys x VERSIONS versions (EC P-256), memory and sqlite stores;
#   4. stall: p50/p99 of /_kmslab/health and of an IMDS token while RSA-4096 keys are created in
#      a bounded loop, with CPU-heavy work on the worker pool (the default) against the same run
#      with it on the I/O threads (--cpu-workers 0), and against an idle emulator.
#   tools/bench/keyvault.sh [--duration 10s] [--connections "2 8 32"] [--keys 10000]
#                           [--versions 5] [--fill-timeout 150] [--no-sqlite] [--build-dir DIR]
#                           [--parts "unwrap get memory stall"] [--stall-clients 2]
#                           [--emulator PATH (skips setup and build)]
# Loopback only; every wait and loop is bounded; stops everything it started on exit.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench="$repo/tools/bench"
duration=10s
connections="2 8 32"   # unwrapkey concurrencies; GET key uses the largest
keys=10000
versions=5
fill_timeout=150       # seconds per store; the fill stops there and the figure says so
sqlite=1
build_dir="$repo/build"
emulator=""
parts="unwrap get memory stall"
stall_clients=2        # concurrent RSA-4096 create loops in part 4
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --keys) keys=$2; shift 2 ;;
    --versions) versions=$2; shift 2 ;;
    --fill-timeout) fill_timeout=$2; shift 2 ;;
    --no-sqlite) sqlite=0; shift ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --parts) parts=$2; shift 2 ;;
    --stall-clients) stall_clients=$2; shift 2 ;;
    --emulator) emulator=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ -z "${emulator:-}" ]]; then
  "$repo/tools/setup.sh" --with-bench
  "$repo/tools/kmslab" build --build-dir "$build_dir" >/dev/null
  emulator="$build_dir/emulator/kmslab-emulator"
fi
tenant=6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8
subscription=3b7c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e  # the emulator's default --subscription
vault=benchvault

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

fail() { echo "keyvault.sh: FAIL: $*" >&2; exit 1; }
json_field() { python3 -c 'import json,sys;print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# start_emulator NAME STORE [FLAG...]: a fresh emulator with its own data directory $work/NAME; sets
# emu_pid, emu_port, emu_url, emu_ca, vault_host. Not in $(...): it sets globals and `pids`.
start_emulator() {
  local dir="$work/$1"
  "$emulator" --data-dir "$dir" --port 0 --vault "$vault" --store "$2" --throttling off \
    --log-file "$dir.log" "${@:3}" >/dev/null &
  emu_pid=$!
  pids+=("$emu_pid")
  local _
  for _ in $(seq 1000); do   # 10 s at most
    [[ -f "$dir/endpoints.json" ]] && break
    kill -0 "$emu_pid" 2>/dev/null || fail "emulator ($2) exited at start; see $dir.log"
    sleep 0.01
  done
  [[ -f "$dir/endpoints.json" ]] || fail "emulator ($2) wrote no endpoints.json within 10 s"
  emu_url=$(json_field https <"$dir/endpoints.json")
  emu_port=${emu_url##*:}
  emu_ca="$dir/ca.pem"
  # The emulator routes by the Host header; its certificate covers 127.0.0.1, so wrk, curl and
  # Python all connect to 127.0.0.1 with TLS verification on and send the vault's Host.
  vault_host="$vault.vault.localhost:$emu_port"
  token=$(curl -sS -f --max-time 10 --cacert "$emu_ca" \
    -d "grant_type=client_credentials&client_id=bench&client_secret=x&scope=https://vault.azure.net/.default" \
    "$emu_url/$tenant/oauth2/v2.0/token" | json_field access_token)
}

# stop_pid PID: stop one process this script started, and forget it.
stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local keep=() p
  for p in "${pids[@]}"; do [[ "$p" == "$1" ]] || keep+=("$p"); done
  pids=("${keep[@]+"${keep[@]}"}")
}

# kv METHOD PATH [BODY]: one vault request; prints the body. Anything but 200 fails the run.
kv() {
  local out status
  out=$(curl -sS --max-time 30 --cacert "$emu_ca" -X "$1" -H "Host: $vault_host" \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} -w '\n%{http_code}' "$emu_url$2?api-version=7.5")
  status=${out##*$'\n'}
  out=${out%$'\n'*}
  [[ "$status" == 200 ]] || fail "$1 $2 answered HTTP $status: $out"
  printf '%s' "$out"
}

# wrk_run CONNECTIONS URL [wrk options]: sets rps and p99 (ms). wrk counts non-2xx answers and
# socket errors itself; any of either makes the figure worthless, so the run fails.
wrk_run() {
  local c=$1 url=$2
  shift 2
  wrk_measure "$c" "$url" -H "Host: $vault_host" -H "Authorization: Bearer $token" "$@"
}
# wrk_measure CONNECTIONS URL [wrk options]: wrk_run without the vault's headers.
wrk_measure() {
  local c=$1 url=$2 out threads=2
  shift 2
  [[ "$c" -lt 2 ]] && threads=1  # wrk needs a connection per thread
  out=$(wrk -t"$threads" -c"$c" -d"$duration" --latency "$@" "$url")
  if grep -q -e 'Non-2xx' -e 'Socket errors' <<<"$out"; then
    fail "wrk against $url reported errors:"$'\n'"$out"
  fi
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(percentile_ms 50 <<<"$out")
  p99=$(percentile_ms 99 <<<"$out")
  # No answer at all within the run (a stalled server): wrk prints zeros, which would read as fast.
  if grep -q '^ *0 requests in' <<<"$out"; then p50=inf p99=inf; fi
}
# percentile_ms P: wrk --latency's P% line, in milliseconds.
percentile_ms() {
  awk -v p="$1%" '$1 == p {v=$2; if (v ~ /us$/) v = v/1000; else if (v ~ /ms$/) v = v+0;
                           else if (v ~ /s$/) v = v*1000; print v}'
}
wants() { [[ " $parts " == *" $1 "* ]]; }
ratio() { python3 -c "import sys;print(f'{float(sys.argv[1])/float(sys.argv[2]):.2f}')" "$1" "$2"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

echo "kmslab Key Vault benchmark: $(nproc) CPUs, load average at start $(cut -d' ' -f1-3 /proc/loadavg)," \
  "OpenSSL $(openssl version | awk '{print $2}'), wrk -t2 -d$duration, TLS keep-alive, loopback"

# --- 1. unwrapkey vs the RSA-2048 private-key limit ------------------------------------------
# Measured first, with nothing else running, so that it sees the same machine the emulator will.
# -multi 2 runs one process per core at once: what the two cores give together right now, which
# on a shared machine can be well under twice the single-process figure (printed for context).
speed_rsa() { openssl speed "$@" -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}'; }
measure_rsa_limit() {
  rsa_multi=$(speed_rsa -multi 2)
  rsa_single=$(speed_rsa)
  [[ -n "$rsa_multi" && -n "$rsa_single" ]] || fail "could not parse openssl speed rsa2048"
  printf 'openssl speed -seconds 3 rsa2048: %.0f sign/s with -multi 2 (the limit used below); single process %.0f sign/s (x2 = %.0f)\n' \
    "$rsa_multi" "$rsa_single" "$(python3 -c "print(2*$rsa_single)")"
}

part_unwrap() {
  echo "unwrapkey: RSA-2048 key, RSA-OAEP-256, 32-byte value; sample answer 200 with the right plaintext"
  echo "  (wrk shares the 2 cores with the emulator, so a ratio of 1.00 is out of reach)"
  for c in $connections; do
    KV_BODY="$body" wrk_run "$c" "$emu_url/keys/benchkey/unwrapkey?api-version=7.5" -s "$bench/keyvault_post.lua"
    printf '  unwrapkey -c%-3s %8.0f req/s  p99 %6.1f ms  ratio %s (emulator / openssl -multi 2)\n' \
      "$c" "$rps" "$p99" "$(ratio "$rps" "$rsa_multi")"
  done
}

# --- 2. GET key vs nginx serving the same body --------------------------------------------
# nginx gets the same URL path, query and headers (it ignores the query and Authorization) and
# serves the emulator's own answer for that key, byte for byte, as a file.
part_get() {
  get_c=${connections##* }
  mkdir -p "$work/www/keys"
  kv GET /keys/benchkey >"$work/www/keys/benchkey"
  # shellcheck source-path=SCRIPTDIR source=lib_nginx.sh
  source "$bench/lib_nginx.sh"
  start_nginx "$work" "$work/api" "$work/www" "/keys/benchkey?api-version=7.5"
  nginx_pid=${pids[-1]}
  echo "GET key: wrk -c$get_c, GET /keys/benchkey?api-version=7.5, $(wc -c <"$work/www/keys/benchkey")-byte JSON body (RSA-2048 key)"
  wrk_run "$get_c" "https://127.0.0.1:$nginx_port/keys/benchkey?api-version=7.5"
  nginx_rps=$rps nginx_p99=$p99
  wrk_run "$get_c" "$emu_url/keys/benchkey?api-version=7.5"
  printf '  nginx            %8.0f req/s  p99 %6.1f ms\n' "$nginx_rps" "$nginx_p99"
  printf '  kmslab-emulator  %8.0f req/s  p99 %6.1f ms\n' "$rps" "$p99"
  printf '  ratio            %8s (emulator / nginx)\n' "$(ratio "$rps" "$nginx_rps")"
  stop_pid "$nginx_pid"
}

# Parts 1 and 2 share one emulator and its RSA-2048 key.
if wants unwrap || wants get; then
  if wants unwrap; then measure_rsa_limit; fi
  start_emulator api memory
  kv POST /keys/benchkey/create '{"kty":"RSA","key_size":2048}' >/dev/null
  plain=$(python3 -c 'import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode())')
  wrapped=$(kv POST /keys/benchkey/wrapkey "{\"alg\":\"RSA-OAEP-256\",\"value\":\"$plain\"}" | json_field value)
  body="{\"alg\":\"RSA-OAEP-256\",\"value\":\"$wrapped\"}"
  # A sample before measuring: 200 (kv checks) and the right plaintext back.
  [[ $(kv POST /keys/benchkey/unwrapkey "$body" | json_field value) == "$plain" ]] ||
    fail "unwrapkey did not give back the wrapped value"
  if wants unwrap; then part_unwrap; fi
  if wants get; then part_get; fi
  stop_pid "$emu_pid"
fi

# --- 3. memory with KEYS keys x VERSIONS versions -------------------------------------------
# EC P-256, not RSA-2048: RSA generation (~50 ms a key) would make 50,000 versions take far too
# long; EC keys are also smaller, so this is a lower bound for RSA vaults.
# Each store gets a fresh emulator, so nothing from the earlier parts is in its RSS. "before" is
# after a token and one EC key (code paths and allocator arenas warmed), "after" once the fill
# client has disconnected.
memory_run() {
  local name=$1 store=$2 before after result created full seconds extra=""
  start_emulator "$name" "$store"
  kv POST /keys/warmup/create '{"kty":"EC","crv":"P-256"}' >/dev/null
  sleep 0.2
  before=$(rss_kib "$emu_pid")
  result=$(python3 "$bench/keyvault_fill.py" --port "$emu_port" --host "$vault_host" --ca "$emu_ca" \
    --token "$token" --keys "$keys" --versions "$versions" --threads 4 --timeout "$fill_timeout") ||
    fail "filling the $name store failed"
  sleep 0.2
  after=$(rss_kib "$emu_pid")
  created=$(json_field created <<<"$result")
  full=$(json_field keys <<<"$result")
  seconds=$(json_field seconds <<<"$result")
  [[ "$created" -gt 0 ]] || fail "no key created in the $name store"
  [[ $(json_field complete <<<"$result") == True ]] ||
    extra=" INCOMPLETE: stopped at --fill-timeout ${fill_timeout}s"
  if [[ "$store" == sqlite:* ]]; then
    local db=${store#sqlite:}
    mib() { if [[ -f "$1" ]]; then awk '{printf "%.1f", $1/1048576}' <<<"$(stat -c %s "$1")"; else echo 0; fi; }
    extra=", store.db $(mib "$db") MiB + WAL $(mib "$db-wal") MiB on disk$extra"
  fi
  python3 - "$name" "$before" "$after" "$created" "$full" "$versions" "$seconds" "$extra" <<'PY'
import sys
name, before, after, created, full, versions, seconds, extra = sys.argv[1:]
before, after, created, full, versions, seconds = int(before), int(after), int(created), int(full), int(versions), float(seconds)
delta = (after - before) * 1024
print(f"  {name:<6} store: RSS {before/1024:.1f} MiB before, {after/1024:.1f} MiB after "
      f"{created} versions ({full} keys x {versions}) -> {delta/(created/versions):,.0f} bytes/key, "
      f"{delta/created:,.0f} bytes/version; fill {seconds:.0f} s ({created/seconds:.0f} creates/s){extra}")
PY
  stop_pid "$emu_pid"
}
if wants memory; then
  echo "memory: VmRSS of the emulator, $keys keys x $versions versions, EC P-256 (not RSA: see the script)," \
    "created by tools/bench/keyvault_fill.py, 4 threads on TLS keep-alive"
  memory_run memory memory
  if [[ $sqlite -eq 1 ]]; then
    memory_run sqlite "sqlite:$work/sqlite/store.db"
  fi
fi

# --- 4. latency of light requests while RSA-4096 keys are being created ------------------------
# STALL_CLIENTS loops create RSA-4096 keys (bounded: --fill-timeout seconds at most, and stopped
# once the probes are done) while wrk -c1 measures /_kmslab/health and then an IMDS token. The
# same steps run against an idle emulator first (the baseline), then with the creates on the
# I/O threads (--cpu-workers 0, how the emulator worked before the pool) and on the worker pool
# (the default). Target: p99 under 10 ms with the pool.
# imds_client_id: a user-assigned identity made through ARM, for the IMDS token requests.
imds_client_id() {
  local arm_token body
  arm_token=$(curl -sS -f --max-time 10 --cacert "$emu_ca" \
    -d "grant_type=client_credentials&client_id=bench&client_secret=x&scope=https://management.azure.com/.default" \
    "$emu_url/$tenant/oauth2/v2.0/token" | json_field access_token)
  body=$(curl -sS -f --max-time 10 --cacert "$emu_ca" -X PUT -H "Authorization: Bearer $arm_token" \
    -H 'Content-Type: application/json' -d '{"location":"eastus"}' \
    "$emu_url/subscriptions/$subscription/resourceGroups/kmslab/providers/Microsoft.ManagedIdentity/userAssignedIdentities/bench-mi?api-version=2023-01-31")
  python3 -c 'import json,sys;print(json.load(sys.stdin)["properties"]["clientId"])' <<<"$body"
}

# probe LABEL: p50/p99 of health and of an IMDS token, one connection each, $duration apiece.
probe() {
  local imds_url h50 h99
  # A long timeout, so that a stalled answer counts in the latencies rather than as an error.
  wrk_measure 1 "$emu_url/_kmslab/health" --timeout 30s
  h50=$p50 h99=$p99
  imds_url="$(json_field imds <"$work/$stall_dir/endpoints.json")/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net&client_id=$mi_client"
  wrk_measure 1 "$imds_url" -H "Metadata: true" --timeout 30s
  printf '  %-34s health p50 %7.2f ms  p99 %7.2f ms   IMDS token p50 %7.2f ms  p99 %7.2f ms\n' \
    "$1" "$h50" "$h99" "$p50" "$p99"
  stall_h99=$h99 stall_i99=$p99
}

# stall_run NAME WORKERS: baseline (idle) only for the first run, then under the create loop.
stall_run() {
  local result fill_pid
  stall_dir=$1
  start_emulator "$1" memory --cpu-workers "$2"
  mi_client=$(imds_client_id "$1")
  [[ -n "$mi_client" ]] || fail "no managed identity for the IMDS probe"
  python3 "$bench/keyvault_fill.py" --port "$emu_port" --host "$vault_host" --ca "$emu_ca" \
    --token "$token" --keys 100000 --versions 1 --threads "$stall_clients" --prefix rsa \
    --body '{"kty":"RSA","key_size":4096}' --timeout "$fill_timeout" >"$work/$1.fill" &
  fill_pid=$!
  pids+=("$fill_pid")
  sleep 0.5   # let the create loops get going (a wait for load, not for state)
  probe "$3"
  stop_pid "$fill_pid"
  stop_pid "$emu_pid"
}

if wants stall; then
  echo "stall: wrk -t1 -c1 -d$duration per probe; $stall_clients concurrent RSA-4096 create loops (tools/bench/keyvault_fill.py)"
  stall_dir=idle
  start_emulator idle memory
  mi_client=$(imds_client_id idle)
  probe "idle (baseline)"
  idle_h99=$stall_h99 idle_i99=$stall_i99
  stop_pid "$emu_pid"
  stall_run stall-inline 0 "creating, on the I/O threads"
  inline_h99=$stall_h99 inline_i99=$stall_i99
  stall_run stall-pool 1 "creating, on the worker pool"
  printf '  p99 ratio vs idle: health %s (I/O threads) -> %s (pool); IMDS %s -> %s\n' \
    "$(ratio "$inline_h99" "$idle_h99")" "$(ratio "$stall_h99" "$idle_h99")" \
    "$(ratio "$inline_i99" "$idle_i99")" "$(ratio "$stall_i99" "$idle_i99")"
fi
