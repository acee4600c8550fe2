#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -DKMSLAB_FUZZ=ON, in <repo>/build-fuzz) and runs each on
# its seed corpus in fixtures/fuzz/<target>/.
#   tools/fuzz.sh --runs N      a fixed number of inputs per target, fixed seed (CI)
#   tools/fuzz.sh --seconds N   N seconds per target, new inputs kept in build-fuzz/corpus/
# A crash leaves its input in build-fuzz/artifacts/; copy it into the target's fixtures folder
# once fixed, so it stays a regression test.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$repo/build-fuzz"
mode=(-runs=20000)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) mode=(-runs="$2"); shift 2 ;;
    --seconds) mode=(-max_total_time="$2"); shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
"$repo/tools/setup.sh" --with-fuzz
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  CC=clang CXX=clang++ cmake -S "$repo" -B "$build" -G Ninja -DKMSLAB_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --parallel "$(nproc)"
mkdir -p "$build/artifacts"
failed=0
passed=0
# Every built target runs: one without a committed seed folder is a failure, not a skip.
for binary in "$build"/tests/fuzz/fuzz_*; do
  [[ -f "$binary" && -x "$binary" ]] || continue
  target=$(basename "$binary")
  seeds="$repo/fixtures/fuzz/$target/"
  if [[ ! -d "$seeds" ]]; then
    echo "fuzz: $target FAILED: no seed folder fixtures/fuzz/$target/" >&2
    failed=$((failed + 1))
    continue
  fi
  corpus="$build/corpus/$target"
  mkdir -p "$corpus"
  # The committed seeds are read-only input; what the fuzzer finds goes to build-fuzz/corpus.
  if "$build/tests/fuzz/$target" "${mode[@]}" -seed=1 -max_len=65536 -timeout=20 \
      -artifact_prefix="$build/artifacts/$target-" "$corpus" "$seeds" \
      >"$build/$target.log" 2>&1; then
    echo "fuzz: $target ok ($(grep -Eo 'Done [0-9]+ runs' "$build/$target.log" | tail -1))"
    passed=$((passed + 1))
  else
    echo "fuzz: $target FAILED; see $build/$target.log and $build/artifacts/" >&2
    tail -30 "$build/$target.log" >&2
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
