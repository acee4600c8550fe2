#!/usr/bin/env bash
# AKS control planes: the time from ControlPlanes::apply to kRunning (plugin healthy against the
# vault, apiserver /readyz 200) and the resident memory of each cluster's processes, for N KMS v2
# clusters brought up one after another under an in-process emulator.
#   tools/bench/aks_cluster.sh [build-dir] [clusters]
# Prints one JSON line per cluster and a summary line.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
clusters=${2:-3}
cmake --build "$build" --parallel 2 --target kmslab-aks-cluster-bench >/dev/null
exec "$build/tests/integration/aks_supervisor/kmslab-aks-cluster-bench" "$clusters"
