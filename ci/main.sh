#!/usr/bin/env bash
# The README's main command: installs what is missing, builds the release preset, runs the
# standard workloads on every engine of the registry side by side (heapstore, SQLite, LMDB,
# RocksDB, LevelDB, WiredTiger; ENGINES=heapstore,sqlite for fewer), writes one JSON report, one
# HTML page per workload (and summary.md) under reports/latest/, and prints the tables.
#   ci/main.sh                          every standard workload
#   ci/main.sh workloads/mixed.yaml     just these
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target heapstore

workloads=("$@")
[ ${#workloads[@]} -gt 0 ] || workloads=(workloads/insert_heavy.yaml workloads/update_growth.yaml
  workloads/delete_from_end.yaml workloads/scan.yaml workloads/mixed.yaml)
engines=${ENGINES:-heapstore,sqlite,lmdb,rocksdb,leveldb,wiredtiger}
start=$(date +%s)
build/release/workloads/heapstore run "${workloads[@]}" --engine "$engines" \
  --out-dir reports/latest --markdown reports/latest/summary.md --html reports/latest/report.html
echo "ran in $(($(date +%s) - start)) s on engines $engines" >&2
echo "reports written to reports/latest/" >&2
