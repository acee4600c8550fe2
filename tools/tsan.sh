#!/usr/bin/env bash
# ThreadSanitizer run of the concurrency tests: the server, proxy and dispatcher (core_test and
# the HTTP integration suite), the store (watch delivery, concurrent transactions), the clock's
# timers, the TLS SNI cache and ARM's races (arm_races_test). Builds in <repo>/build-tsan. Too
# slow for every CI run, so it is a script; its result goes in the closing notes.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$repo/build-tsan"
"$repo/tools/setup.sh"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$repo" -B "$build" -G Ninja -DKMSLAB_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --parallel "$(nproc)" --target core_test store_test tls_test arm_test identity_test kmslab-emulator
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
cd "$build"
ctest --output-on-failure -R 'Clock|Router|Dispatcher|Watch|Concurrency|ServerTls|Backends|Store|ArmRaces|Rbac' -j2
/usr/bin/python3 -m pytest -q -p no:cacheprovider --emulator emulator/kmslab-emulator \
  "$repo/tests/integration/test_https.py" "$repo/tests/integration/test_proxy.py" \
  "$repo/tests/integration/test_malformed.py"
