#!/usr/bin/env bash
# Installs what is missing, builds the release preset and runs the engine micro-benchmarks,
# writing one JSON report per benchmark binary under reports/latest/ and a table to the
# terminal, then measures what the harness costs against a raw loop (harness_overhead; see
# "What timing every operation costs" in the README).
# Pass a filter to run fewer micro-benchmarks: ci/bench.sh 'BM_Page.*'
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
mkdir -p reports/latest
filter="${1:-.}"
for bench in page_bench heap_file_bench storage_manager_bench open_bench; do
  echo "== $bench" >&2
  "build/release/engine/bench/$bench" --benchmark_filter="$filter" \
    --benchmark_out="reports/latest/$bench.json" --benchmark_out_format=json
done
echo "reports written to reports/latest/" >&2
echo "== harness_overhead (in memory, then with the data 3x a 64 MiB pool)" >&2
build/release/workloads/harness_overhead 1000000 9 512
build/release/workloads/harness_overhead 2000000 9 64
