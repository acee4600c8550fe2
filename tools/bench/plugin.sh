#!/usr/bin/env bash
# v2 Encrypt/Decrypt through kmslab-kms-plugin at concurrency 1, 8, 32, against the same Key Vault
# calls made directly (the plugin's own Key Vault client, same machine, same run), so the
# difference is the plugin itself: gRPC over the Unix socket and the KMS contract.
#   tools/bench/plugin.sh [build-dir] [pairs-per-level]
# Prints one JSON line per (mode, concurrency) and a summary of the ratios.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
pairs=${2:-400}
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
printf '{"tenantId":"%s","aadClientId":"bench","aadClientSecret":"s"}' "$tenant" > "$work/azure.json"
HTTPS_PROXY=$proxy "$plugin" --listen-addr "unix://$work/kms.sock" --keyvault-name benchvault --key-name kek \
  --key-version "$version" --config-file-path "$work/azure.json" --ca-bundle "$ca" \
  --healthz-port 0 --metrics-addr 0 2>"$work/plugin.log" & pids+=($!)
for _ in $(seq 1 400); do grep -q "Listening for connections" "$work/plugin.log" && break; sleep 0.05; done

results=$work/results.jsonl
for c in 1 8 32; do
  "$load" bench --socket "unix://$work/kms.sock" --concurrency "$c" --requests "$pairs" | sed 's/^{/{"mode":"plugin",/' | tee -a "$results"
  "$load" bench-direct --vault benchvault --key kek --version "$version" --azure-json "$work/azure.json" \
    --ca-bundle "$ca" --proxy "$proxy" --concurrency "$c" --requests "$pairs" |
    sed 's/^{/{"mode":"direct",/' | tee -a "$results"
done
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {(r["mode"], r["concurrency"]): r for r in rows}
print("concurrency  op       p50 plugin/direct ms  overhead  throughput ratio (pairs/s)")
for c in (1, 8, 32):
    p, d = by[("plugin", c)], by[("direct", c)]
    for op in ("encrypt", "decrypt"):
        pp, dp = p[op]["p50_ms"], d[op]["p50_ms"]
        print(f"{c:>11}  {op:<7} {pp:8.3f} / {dp:8.3f}   {100*(pp-dp)/dp:+6.1f}%   "
              f"{p['pairs_per_second']/d['pairs_per_second']:.2f} ({p['pairs_per_second']:.0f} vs {d['pairs_per_second']:.0f})")
    if p["errors"] or d["errors"]:
        print(f"             errors: plugin {p['errors']} direct {d['errors']}: {p['first_error'] or d['first_error']}")
PY
