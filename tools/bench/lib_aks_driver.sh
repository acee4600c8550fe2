# shellcheck shell=bash
# Sourced (not run) by the AKS benchmarks whose driver is Python (l4.sh, aks_arm.sh): builds the
# emulator and the processes its clusters run, then replaces the shell with the driver.
#   run_aks_driver DRIVER.py [--build DIR] [driver arguments...]
run_aks_driver() {
  local driver=$1; shift
  local root build
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  build=$root/build
  if [[ ${1-} == --build ]]; then build=$2; shift 2; fi
  cmake --build "$build" --parallel 2 --target kmslab-emulator kmslab-apiserver kmslab-kms-plugin \
    >/dev/null
  exec /usr/bin/python3 "$root/tools/bench/$driver" \
    --emulator "$build/emulator/kmslab-emulator" "$@"
}
