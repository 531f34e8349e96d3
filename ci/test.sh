#!/usr/bin/env bash
# The README's test command: installs what is missing, builds every test under AddressSanitizer
# and UndefinedBehaviorSanitizer (the dev preset) and runs them (engine, workloads, reports and
# end-to-end runs of the heapstore tool), builds the concurrency test under ThreadSanitizer (the
# tsan preset) and runs it, kills a store being changed 30 times and checks each reopened one
# (ci/crash-loop.sh), builds the libFuzzer targets with clang and runs each for
# ${FUZZ_SECONDS:-30} seconds over its corpus and regressions (fuzz/ci.sh), checks that counted
# mode gives the same counts twice (release build, under Valgrind), then runs the CI performance
# gate in counted mode against the committed baseline (ci/perf-gate.sh), which fails the job on a
# regression. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/install-deps.sh

echo "== dev preset: Debug + ASan + UBSan" >&2
cmake --preset dev >/dev/null
cmake --build --preset dev
ctest --preset dev

echo "== tsan preset: concurrency under ThreadSanitizer" >&2
cmake --preset tsan >/dev/null
cmake --build --preset tsan --target concurrency_test durability_test shared_mutex_test \
  buffer_pool_test
ctest --preset tsan -R '^(Concurrency|Durability|SharedMutex|SpinLock|BufferPool)'

echo "== kill -9 loop: 30 random kills of a store being changed, each reopened and checked" >&2
bash ci/crash-loop.sh --trials 30 --bin build/dev/engine/testing/heapstore_crash_child

echo "== fuzz preset: every libFuzzer target for ${FUZZ_SECONDS:-30} s" >&2
bash fuzz/ci.sh

echo "== counted mode: the same counts twice (release build under Valgrind); benchmarks build" >&2
cmake --preset release >/dev/null
cmake --build --preset release --target counted_test heapstore heapstore_benchmarks
ctest --test-dir build/release -L counted --output-on-failure

echo "== perf gate: counted run of workloads/perf_gate.yaml against its baseline" >&2
bash ci/perf-gate.sh
