#!/usr/bin/env bash
# kmslab-apiserver benchmarks, each against its baseline in the same run (issue #11):
#   throughput  secret create (POST) and get throughput, KMS v2 (mock plugin) against identity
#               on the same embedded store; ratio v2/identity (aim >= 0.7)
#   cold        restart with N secrets under KMS v1 and v2: plugin Decrypt calls (the
#               envelope cache misses) and the time to list everything (the start's initial list,
#               then a paged LIST of all secrets)
#   migrate     per store (embedded, etcd: one Debian etcd 3.4 member), for each N of a list on
#               one growing store: N secrets under KMS v2 provider m<k>, restart with m<k+1> first
#               (every secret stale), the replace pipeline as a REST loop (paged LIST of 500, PUT
#               each back), then every stored value checked for m<k+1>'s prefix (etcdctl on etcd,
#               the census and raw routes on the embedded store): time, secrets/s and the
#               apiserver's resident memory empty, at ready (the watch cache filled), every 10%, at
#               its peak and at the end
#   tools/bench/apiserver.sh [--build DIR] [--parts "throughput cold migrate"] [--duration 5s]
#                            [--connections 8] [--cold "2500 20000"]
#                            [--migrate "10000 50000 100000"] [--stores "embedded etcd"]
#                            [--rounds 3]   (throughput rounds, modes alternating; medians)
#                            [--quick]      (migrate "2000 5000", cold "1000", rounds 1, 2s)
# The load is wrk (throughput) and tools/bench/apiserver_load.py; the mock plugin is the Base64
# one of tests/support/mock_kms_plugin, so the figures are the apiserver's own costs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build parts="throughput cold migrate" duration=5s connections=8 cold="2500 20000"
migrate="10000 50000 100000" stores="embedded etcd" rounds=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --parts) parts=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --cold) cold=$2; shift 2 ;;
    --migrate) migrate=$2; shift 2 ;;
    --stores) stores=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --quick) migrate="2000 5000" cold=1000 rounds=1 duration=2s; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "apiserver.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
apiserver=$build/emulator/apiserver/kmslab-apiserver
mock=$build/tests/support/mock_kms_plugin/kmslab-mock-kms-plugin
load=$root/tools/bench/apiserver_load.py
for b in "$apiserver" "$mock"; do [[ -x $b ]] || { echo "missing $b (build it first)" >&2; exit 1; }; done
[[ " $parts " != *" throughput "* ]] || command -v wrk >/dev/null ||
  { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
[[ " $parts $stores " != *" migrate "*" etcd "* ]] || [[ -x /usr/bin/etcd ]] ||
  { echo "etcd is needed (apt-get install etcd-server etcd-client)" >&2; exit 1; }

work=$(mktemp -d)
[[ -z ${KEEP:-} ]] || echo "work directory (kept): $work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; [[ -n ${KEEP:-} ]] || rm -rf "$work"; }
trap cleanup EXIT
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# wait_for FILE PATTERN: until FILE holds PATTERN, at most 60 s.
wait_for() {
  for _ in $(seq 1 1200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "timed out waiting for $2 in $1" >&2; return 1
}

# start_plugin DIR KEY_ID STATUS_VERSION: the mock plugin on DIR/kms.sock.
start_plugin() {
  printf 'key_id=%s\n' "$2" > "$1/kms.control"
  "$mock" --listen-addr "unix://$1/kms.sock" --key-id "$2" --status-version "$3" \
    --control-file "$1/kms.control" > "$1/plugin.out" 2>&1 & pids+=($!)
  plugin_pid=$!
  wait_for "$1/plugin.out" ready
}

# enc_config FILE v1|v2 SOCKET (v1 with its default DEK cache size, which v2 refuses to be given)
enc_config() {
  local cache=""; [[ $2 == v1 ]] && cache=',"cachesize":1000'
  printf '{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[{"resources":["secrets"],"providers":[{"kms":{"apiVersion":"%s","name":"bench","endpoint":"unix://%s"%s}},{"identity":{}}]}]}\n' \
    "$2" "$3" "$cache" > "$1"
}

# start_apiserver DATA_DIR [flags...]: sets api_pid, url, token, ready_seconds.
start_apiserver() {
  local dir=$1; shift
  mkdir -p "$dir"; rm -f "$dir/kubeconfig"
  local t0; t0=$(date +%s.%N)
  "$apiserver" --data-dir "$dir" --secure-port 0 --log-level warn --log-file "$dir/apiserver.log" "$@" \
    >/dev/null 2>"$dir/apiserver.err" & pids+=($!)
  api_pid=$!
  for _ in $(seq 1 6000); do [[ -s $dir/kubeconfig ]] && break; kill -0 "$api_pid" 2>/dev/null || { cat "$dir/apiserver.err" >&2; exit 1; }; sleep 0.02; done
  ready_seconds=$(python3 -c "import time; print(round(time.time() - $t0, 2))")
  read -r url token < <(python3 -c "import json; c=json.load(open('$dir/kubeconfig')); print(c['clusters'][0]['cluster']['server'], c['users'][0]['user']['token'])")
}

stop_apiserver() { kill -TERM "$api_pid"; wait "$api_pid" || true; }
stop_plugin() { kill -TERM "$plugin_pid"; wait "$plugin_pid" || true; }

metric() {  # metric NAME: the sum of NAME's samples on /metrics
  curl -sk -H "Authorization: Bearer $token" "$url/metrics" |
    awk -v n="$1" '$1 == n || index($1, n "{") == 1 { s += $2 } END { print s + 0 }'
}

# wrk_rate MODE PREFIX: requests/s of a POST or GET run (fails on any non-2xx answer).
wrk_rate() {
  local out
  if [[ $1 == post ]]; then
    out=$(WRK_TOKEN=$token WRK_PREFIX=$2 wrk -t2 -c"$connections" -d"$duration" \
      -s "$root/tools/bench/apiserver_post.lua" "$url")
  else
    out=$(wrk -t2 -c"$connections" -d"$duration" -H "Authorization: Bearer $token" \
      "$url/api/v1/namespaces/default/secrets/get-$2")
  fi
  if grep -q "Non-2xx" <<<"$out"; then echo "$out" >&2; echo "wrk saw errors" >&2; exit 1; fi
  awk '/Requests\/sec/ { print $2 }' <<<"$out"
}

ratio() { python3 -c "print(round($1 / $2, 2))"; }

if [[ " $parts " == *" throughput "* ]]; then
  d=$work/throughput; mkdir -p "$d"
  start_plugin "$d" 1 v2
  enc_config "$d/enc.json" v2 "$d/kms.sock"
  # Rounds alternate the modes so that a loaded machine's swings hit both; medians are compared.
  declare -A rates
  for round in $(seq 1 "$rounds"); do
    for mode in identity v2; do
      flags=(); [[ $mode == v2 ]] && flags=(--encryption-provider-config "$d/enc.json")
      start_apiserver "$d/data" "${flags[@]}"
      # One object per mode, written under that mode (identity cannot read KMS values); a second
      # round's create answers AlreadyExists, which is fine.
      curl -sk -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"get-$mode\"},\"data\":{\"a\":\"Yg==\"}}" \
        "$url/api/v1/namespaces/default/secrets" >/dev/null
      post=$(wrk_rate post "$mode-$round")
      get=$(wrk_rate get "$mode")
      rates[$mode-post]+="$post " rates[$mode-get]+="$get "
      echo "{\"part\":\"throughput\",\"round\":$round,\"mode\":\"$mode\",\"create_per_s\":$post,\"get_per_s\":$get}"
      stop_apiserver
    done
  done
  median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
  for kind in post get; do
    id=$(median "${rates[identity-$kind]}") v2=$(median "${rates[v2-$kind]}")
    echo "throughput $kind (median of $rounds): identity $id/s, v2 $v2/s, ratio v2/identity $(ratio "$v2" "$id") (aim >= 0.7)"
  done
  stop_plugin
fi

if [[ " $parts " == *" cold "* ]]; then
  for n in $cold; do
    for mode in v1 v2; do
      d=$work/cold-$mode-$n; mkdir -p "$d"
      # KMS v1 is refused from 1.29 without its feature gate: the v1 run behaves as 1.28.
      version=1.32.0 status=v2; [[ $mode == v1 ]] && version=1.28.0 status=v2beta1
      start_plugin "$d" 1 "$status"
      enc_config "$d/enc.json" "$mode" "$d/kms.sock"
      flags=(--encryption-provider-config "$d/enc.json" --kubernetes-version "$version")
      start_apiserver "$d/data" "${flags[@]}"
      python3 "$load" fill "$d/data/kubeconfig" "$n" >/dev/null
      stop_apiserver
      start_apiserver "$d/data" "${flags[@]}"
      at_start=$(metric apiserver_storage_envelope_transformation_cache_misses_total)
      listed=$(python3 "$load" list "$d/data/kubeconfig")
      after_list=$(metric apiserver_storage_envelope_transformation_cache_misses_total)
      echo "{\"part\":\"cold\",\"mode\":\"$mode\",\"secrets\":$n,\"ready_seconds\":$ready_seconds,\"decrypt_calls_at_start\":$at_start,\"decrypt_calls_after_list\":$after_list,\"list\":$listed}"
      stop_apiserver
      stop_plugin
      rm -rf "$d"
    done
  done
fi

# chain_config FILE SOCKET K: providers m<K>, m<K-1> ... m1 (all KMS v2 on one plugin), identity.
chain_config() {
  local providers="" k
  for ((k = $3; k >= 1; k--)); do
    providers+="{\"kms\":{\"apiVersion\":\"v2\",\"name\":\"m$k\",\"endpoint\":\"unix://$2\"}},"
  done
  printf '{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[{"resources":["secrets"],"providers":[%s{"identity":{}}]}]}\n' \
    "$providers" > "$1"
}

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$api_pid/status"; }

if [[ " $parts " == *" migrate "* ]]; then
  # shellcheck source=tools/bench/lib_etcd.sh
  source "$root/tools/bench/lib_etcd.sh"
  sizes=$(tr ' ' '\n' <<<"$migrate" | grep . | sort -n | tr '\n' ' ')
  for store in $stores; do
    d=$work/migrate-$store; mkdir -p "$d"
    store_flags=() check_flags=()
    if [[ $store == etcd ]]; then
      start_etcd "$d"
      store_flags=(--etcd-servers "http://$etcd_endpoint") check_flags=(--etcd "$etcd_endpoint")
    fi
    start_plugin "$d" 1 v2
    k=1 filled=0
    for n in $sizes; do
      chain_config "$d/enc.json" "$d/kms.sock" "$k"
      start_apiserver "$d/data" "${store_flags[@]}" --encryption-provider-config "$d/enc.json"
      [[ $filled -gt 0 ]] || echo "{\"part\":\"migrate-empty\",\"store\":\"$store\",\"rss_kib\":$(rss)}"
      python3 "$load" fill "$d/data/kubeconfig" "$n" --start "$filled" >/dev/null
      stop_apiserver
      filled=$n k=$((k + 1))
      # The rotation: m<k> goes first and the restart loads it; every stored secret is m<k-1>'s.
      chain_config "$d/enc.json" "$d/kms.sock" "$k"
      start_apiserver "$d/data" "${store_flags[@]}" --encryption-provider-config "$d/enc.json"
      echo "{\"part\":\"migrate-start\",\"store\":\"$store\",\"secrets\":$n,\"ready_seconds\":$ready_seconds,\"rss_ready_kib\":$(rss)}"
      python3 "$load" migrate "$d/data/kubeconfig" --pid "$api_pid" --expect "$n" |
        sed "s/^{/{\"store\": \"$store\", /"
      python3 "$load" stored "$d/data/kubeconfig" "k8s:enc:kms:v2:m$k:" --expect "$n" "${check_flags[@]}" |
        sed "s/^{/{\"store\": \"$store\", /"
      stop_apiserver
    done
    stop_plugin
    [[ $store != etcd ]] || { kill -TERM "$etcd_pid"; wait "$etcd_pid" || true; }
    rm -rf "$d"
  done
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
