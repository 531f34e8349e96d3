#!/usr/bin/env bash
# The kill -9 loop: runs heapstore_crash_child against a fresh store, kills it with SIGKILL at a
# random moment, reopens the store and checks it against what the last flush acknowledged
# (engine/testing/crash_model.h): no store that fails to open, no acknowledged value lost, none
# duplicated. Exit 0 when every trial passes, 1 when one fails (its store is kept), 2 on misuse.
#
#   ci/crash-loop.sh [--trials N] [--bin PATH] [--flush-every K] [--max-delay-ms MS]
set -euo pipefail

trials=200 flush_every=50 max_delay_ms=800
bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --trials) trials=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --flush-every) flush_every=$2; shift 2 ;;
    --max-delay-ms) max_delay_ms=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "crash-loop: unknown argument $1" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "$bin" ]; then
  cmake --preset release >/dev/null
  cmake --build "$root/build/release" --target heapstore_crash_child >/dev/null
  bin="$root/build/release/engine/testing/heapstore_crash_child"
fi
[ -x "$bin" ] || { echo "crash-loop: no executable $bin" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed_open=0 wrong=0
for ((t = 1; t <= trials; t++)); do
  store="$work/store"
  rm -rf "$store" "$store".*
  "$bin" run "$store" "$t" "$flush_every" &
  child=$!
  delay=$((RANDOM % max_delay_ms))
  sleep "$(printf '0.%03d' "$delay")"
  kill -9 "$child" 2>/dev/null || true
  wait "$child" 2>/dev/null || true
  set +e
  result=$("$bin" verify "$store")
  status=$?
  set -e
  case $status in
    0) ;;
    2) failed_open=$((failed_open + 1)) ;;
    *) wrong=$((wrong + 1)) ;;
  esac
  if [ $status -ne 0 ]; then
    keep="$root/build/crash-loop-failure-$t"
    rm -rf "$keep" && mkdir -p "$keep" && cp -r "$store" "$store".* "$keep"/ 2>/dev/null || true
    echo "trial $t (killed after ${delay} ms): $result (store kept in $keep)"
  fi
  if ((t % 50 == 0)); then echo "crash-loop: $t of $trials trials done" >&2; fi
done
echo "crash-loop: $trials kills; stores that failed to open: $failed_open; stores with lost," \
  "duplicated or unknown values: $wrong"
[ $failed_open -eq 0 ] && [ $wrong -eq 0 ]
