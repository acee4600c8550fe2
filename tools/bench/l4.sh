#!/usr/bin/env bash
# L4 at scale (issue #13 item 3): KMS v1's plugin and Key Vault calls as its Secret count grows
# past the DEK cache, after an apiserver restart, with Key Vault latency (a fault) and its real
# throttle limits, against KMS v2 under the same load. Builds what it runs, then tools/bench/l4.py.
#   tools/bench/l4.sh [--build DIR] [--quick] [--counts "500 1000 2000 3000"] [--cachesize 1000]
#                     [--latency-ms 30] [--lists 2] [--json F]      (l4.py --help for the rest)
# A full run takes about 10 minutes on a loaded 2-core machine; --quick under a minute.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build
if [[ ${1-} == --build ]]; then build=$2; shift 2; fi
cmake --build "$build" --parallel 2 --target kmslab-emulator kmslab-apiserver kmslab-kms-plugin \
  >/dev/null
exec /usr/bin/python3 "$root/tools/bench/l4.py" --emulator "$build/emulator/kmslab-emulator" "$@"
