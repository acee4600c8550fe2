#!/usr/bin/env bash
# AKS clusters through ARM (issue #12's benchmark): create PUT of a KMS v2 cluster -> Succeeded
# (polled as az polls) -> /readyz; KMS-enable PUT -> first Secret stored as k8s:enc:kms:v2:;
# VmRSS per running cluster. Builds what it runs, then tools/bench/aks_arm.py.
#   tools/bench/aks_arm.sh [--build DIR] [--repetitions 5] [--store embedded|etcd|both]
# Five repetitions take about a minute per store on a loaded 2-core machine.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib_aks_driver.sh
source "$(dirname "$0")/lib_aks_driver.sh"
run_aks_driver aks_arm.py "$@"
