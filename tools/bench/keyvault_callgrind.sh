#!/usr/bin/env bash
# Instructions per request (valgrind callgrind), the stable measure of the hot path's cost on a
# machine whose wall-clock figures are noisy: GET key, unwrapkey (RSA-2048, RSA-OAEP-256) and
# /_kmslab/health, each N requests on one TLS keep-alive connection after a warm-up, counted
# between `callgrind_control --zero` and `--dump`. Prints Ir/request and the top symbols
# (inclusive) of each, and leaves the callgrind files in --out.
#   tools/bench/keyvault_callgrind.sh [--emulator PATH] [--requests 300] [--out DIR] [--top 25]
# Loopback only; every wait is bounded; stops what it started on exit.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
emulator="$repo/build/emulator/kmslab-emulator"
requests=300
out=$(mktemp -d)
top=25
while [[ $# -gt 0 ]]; do
  case "$1" in
    --emulator) emulator=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --top) top=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v valgrind >/dev/null || { echo "keyvault_callgrind.sh: valgrind is not installed" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d)
pid=""
cleanup() { [[ -n "$pid" ]] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }; rm -rf "$work"; }
trap cleanup EXIT

valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.%p" --dump-instr=no \
  "$emulator" --data-dir "$work/data" --port 0 --vault benchvault --store memory \
  --throttling off --log-file "$work/emulator.log" >/dev/null 2>"$work/valgrind.log" &
pid=$!
for _ in $(seq 1200); do   # 120 s at most: valgrind starts slowly
  [[ -f "$work/data/endpoints.json" ]] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/valgrind.log" >&2; exit 1; }
  sleep 0.1
done
[[ -f "$work/data/endpoints.json" ]] || { echo "no endpoints.json within 120 s" >&2; exit 1; }

req() { python3 "$repo/tools/bench/keyvault_requests.py" --endpoints "$work/data/endpoints.json" "$@"; }
token=$(req --print-token --path / --count 0)

# measure NAME METHOD PATH [BODY]: warm up, zero, N requests, dump; prints Ir/request. The
# token is fetched once, before, so that its minting is not counted.
measure() {
  local name=$1
  req --token "$token" --method "$2" --path "$3" --body "${4:-}" --count 20 >/dev/null
  callgrind_control --zero "$pid" >/dev/null
  req --token "$token" --method "$2" --path "$3" --body "${4:-}" --count "$requests" >/dev/null
  callgrind_control --dump="$name" "$pid" >/dev/null
  local file
  file=$(ls -t "$out"/callgrind.* | head -1)
  mv "$file" "$out/$name.callgrind"
  local ir
  ir=$(awk '/^summary:/ {print $2}' "$out/$name.callgrind")
  printf '%-10s %12.0f Ir/request  (%s requests; %s)\n' "$name" "$((ir / requests))" "$requests" \
    "$out/$name.callgrind"
  # kmslab's own functions and the JSON/allocator calls under them, inclusive, names shortened.
  callgrind_annotate --inclusive=yes "$out/$name.callgrind" 2>/dev/null |
    grep -E 'kmslab::|nlohmann|malloc|operator new|SSL_|EVP_' |
    sed -E 's/^ *([0-9,]+) \(([0-9. ]+%)\) +[^:]*:/\1 \2 /; s/\((boost|kmslab|std|nlohmann)[^)]*\)//g' |
    cut -c1-140 | head -n "$top" | sed 's/^/    /'  || true
}

req --token "$token" --method POST --path /keys/benchkey/create --count 1 \
  --body '{"kty":"RSA","key_size":2048}' >/dev/null
wrapped=$(req --token "$token" --method POST --path /keys/benchkey/wrapkey --count 1 --print \
  --body '{"alg":"RSA-OAEP-256","value":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}' |
  python3 -c 'import json,sys;print(json.load(sys.stdin)["value"])')
measure get GET /keys/benchkey
measure unwrapkey POST /keys/benchkey/unwrapkey "{\"alg\":\"RSA-OAEP-256\",\"value\":\"$wrapped\"}"
measure health GET /_kmslab/health
