#!/usr/bin/env bash
# Secret create and get throughput through kmslab-apiserver on real etcd (Debian's 3.4, one
# member, fsync on, temp data dir), with KMS v2 (the mock plugin) and with identity, against
# etcd's own Put rate for values of the same size, all in the same run.
#   tools/bench/apiserver_etcd.sh [build-dir] [seconds-per-run]
# Needs wrk, /usr/bin/etcd, python3-grpcio. Prints one line per run and the ratios.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
secs=${2:-5}
apiserver=$build/emulator/apiserver/kmslab-apiserver
plugin=$build/tests/support/mock_kms_plugin/kmslab-mock-kms-plugin
for b in "$apiserver" "$plugin" /usr/bin/etcd "$(command -v wrk)"; do
  [[ -x $b ]] || { echo "missing $b (build it / apt-get install it first)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/kmslab-bench-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# shellcheck source=tools/bench/lib_etcd.sh
source "$root/tools/bench/lib_etcd.sh"
start_etcd "$work"
cport=${etcd_endpoint##*:}

"$plugin" --listen-addr "unix://$work/kms.sock" --key-id 1 --status-version v2 >"$work/plugin.out" & pids+=($!)
for _ in $(seq 1 400); do grep -q ready "$work/plugin.out" && break; sleep 0.05; done
cat >"$work/enc.yaml" <<YAML
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - kms: {apiVersion: v2, name: mock, endpoint: "unix://$work/kms.sock", timeout: 3s}
      - identity: {}
YAML

value=$(head -c 512 /dev/urandom | base64 -w0)
results=$work/results.jsonl
record() {  # mode op concurrency wrk-output: one JSON line into $results
  /usr/bin/python3 - "$@" <<'PY' | tee -a "$results"
import json, re, sys
t = open(sys.argv[4]).read()
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print(json.dumps({"mode": sys.argv[1], "op": sys.argv[2], "concurrency": int(sys.argv[3]),
                  "per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1)),
                  "errors": int(bad.group(1)) if bad else 0}))
PY
}
run_apiserver() {  # mode prefix extra-args...
  local mode=$1 prefix=$2; shift 2
  "$apiserver" --data-dir "$work/$mode" --secure-port 0 --etcd-servers "http://127.0.0.1:$cport" \
    --etcd-prefix "$prefix" --log-level warn --log-file "$work/$mode.log" "$@" & local pid=$!
  pids+=($pid)
  for _ in $(seq 1 400); do [[ -s $work/$mode/kubeconfig ]] && break; sleep 0.05; done
  local url token
  url=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"clusters\"][0][\"cluster\"][\"server\"])" "$work/$mode/kubeconfig")
  token=$(cat "$work/$mode/token")
  for c in 1 8; do
    RUN=c$c SECRET_VALUE=$value wrk -t1 -c$c -d${secs}s -H "Authorization: Bearer $token" \
      -s "$root/tools/bench/apiserver_etcd_create.lua" "$url/api/v1/namespaces/default/secrets" >"$work/w.txt"
    record "$mode" create "$c" "$work/w.txt"
  done
  curl -sk -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"metadata\":{\"name\":\"bench-get\"},\"data\":{\"v\":\"$value\"}}" "$url/api/v1/namespaces/default/secrets" >/dev/null
  for c in 1 8; do
    wrk -t1 -c$c -d${secs}s -H "Authorization: Bearer $token" "$url/api/v1/namespaces/default/secrets/bench-get" >"$work/w.txt"
    record "$mode" get "$c" "$work/w.txt"
  done
  # The value size the yardstick puts: what one created secret occupies in etcd.
  ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$cport" get "$prefix/secrets/default/bench-get" --print-value-only | head -c -1 | wc -c >"$work/$mode.size"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
run_apiserver kmsv2 /kmsv2 --encryption-provider-config "$work/enc.yaml"
run_apiserver identity /identity
size=$(cat "$work/kmsv2.size")
for c in 1 8; do
  /usr/bin/python3 "$root/tools/bench/apiserver_etcd_put.py" "127.0.0.1:$cport" "$size" "$c" "$secs" |
    sed 's/"mode": "etcd put"/"mode": "etcd", "op": "put", "errors": 0/' | tee -a "$results"
done
/usr/bin/python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {(r["mode"], r["op"], r["concurrency"]): r for r in rows}
print("concurrency  kmsv2 create  identity create  etcd put   create/put (kmsv2)  kmsv2 get  identity get")
for c in (1, 8):
    k, i, e = by[("kmsv2", "create", c)], by[("identity", "create", c)], by[("etcd", "put", c)]
    print(f"{c:>11}  {k['per_second']:>12.0f}  {i['per_second']:>15.0f}  {e['per_second']:>8.0f}   "
          f"{k['per_second'] / e['per_second']:>18.2f}  {by[('kmsv2', 'get', c)]['per_second']:>9.0f}"
          f"  {by[('identity', 'get', c)]['per_second']:>12.0f}")
errors = sum(r["errors"] for r in rows)
if errors:
    print(f"errors (non-2xx): {errors}")
    sys.exit(1)
PY
