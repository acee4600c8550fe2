#!/usr/bin/env bash
# L4 at scale (issue #13 item 3): KMS v1's plugin and Key Vault calls as its Secret count grows
# past the DEK cache, after an apiserver restart, with Key Vault latency (a fault) and its real
# throttle limits, against KMS v2 under the same load. Builds what it runs, then tools/bench/l4.py.
#   tools/bench/l4.sh [--build DIR] [--quick] [--counts "500 1000 2000 3000"] [--cachesize 1000]
#                     [--latency-ms 30] [--lists 2] [--json F]      (l4.py --help for the rest)
# A full run takes about 10 minutes on a loaded 2-core machine; --quick under a minute.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib_aks_driver.sh
source "$(dirname "$0")/lib_aks_driver.sh"
run_aks_driver l4.py "$@"
