#!/usr/bin/env bash
# The README's main command (until the workload runner of workloads/ lands): installs what is
# missing, builds the release preset and runs the engine micro-benchmarks, writing one JSON
# report per benchmark binary under reports/latest/ and a table to the terminal.
# Pass a filter to run fewer: ci/bench.sh 'BM_Page.*'
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
