#!/usr/bin/env bash
# Runs the smoke workload on both engines with the release build, scaled 20 times (see below),
# and compares the result with the committed baseline (reports/baselines/smoke.json). Prints
# the verdict and writes reports/latest/perf-gate.md. Shared CI machines are noisy, so a
# regression is reported but does not fail the job yet; unusable input (exit 2) does.
#   ci/perf-gate.sh --strict   exit with compare's status (1 on a regression)
#   ci/perf-gate.sh --record   run the same workload into the baseline instead (on a quiet
#                              machine; commit reports/baselines/smoke.json afterwards)
set -euo pipefail
cd "$(dirname "$0")/.."

# smoke.yaml as written runs each phase for well under a millisecond, where a timer interrupt
# moves a rate by half; 20 times the counts gives phases of 5-200 ms and takes about 4 s.
scaled=(--set phases.load.count=60000 --set phases.batched.count=40000
  --set phases.grow.count=40000 --set phases.read.count=200000 --set phases.trim.count=20000
  --set phases.full.count=20 --set phases.ycsb.count=60000 --set engine.buffer_pool_mib=16)

bash ci/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target heapstore
bin=build/release/workloads/heapstore

out=reports/latest/smoke.json
if [ "${1:-}" = "--record" ]; then out=reports/baselines/smoke.json; fi
mkdir -p reports/latest
"$bin" run workloads/smoke.yaml --engine heapstore,sqlite "${scaled[@]}" --quiet --out "$out"
if [ "${1:-}" = "--record" ]; then exit 0; fi

status=0
"$bin" compare reports/baselines/smoke.json reports/latest/smoke.json \
  --fail-above 25% --warn-above 10% --markdown reports/latest/perf-gate.md || status=$?
case "$status" in
  0) echo "perf gate: pass" ;;
  1) echo "perf gate: regression against reports/baselines/smoke.json (not failing CI yet)"
     if [ "${1:-}" = "--strict" ]; then exit 1; fi ;;
  *) echo "perf gate: could not compare (exit $status)"; exit "$status" ;;
esac
exit 0
