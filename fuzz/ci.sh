#!/usr/bin/env bash
# What CI runs for fuzzing: builds the fuzz preset, runs every target (or those named) for
# ${FUZZ_SECONDS:-30} seconds over its committed corpus and regressions, read-only (new inputs go
# to a temporary directory), as many at once as there are cores, and fails on any crash. Prints
# one line per target with executions, execs/s and coverage, then "N passed, N failed".
#
#   fuzz/ci.sh                      # every target, 30 s each
#   FUZZ_SECONDS=10 fuzz/ci.sh page_ops_fuzzer
#
# HEAPSTORE_FUZZ_BUILD_DIR=<dir> uses an already configured build instead of the preset;
# HEAPSTORE_FUZZ_TOLERATE is passed on (fuzz/README.md, "Known bugs"), unset means strict.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

seconds="${FUZZ_SECONDS:-30}"
jobs="${FUZZ_JOBS:-$(nproc)}"
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || mapfile -t targets < <(all_targets)

bin_dir="$(build_fuzzers)" || { echo "fuzz: the build failed" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Runs one target into $work/<target>/; the exit status is libFuzzer's.
run_target() {
  local target="$1" out="$work/$1"
  mkdir -p "$out/new" "$out/artifacts"
  local inputs=("$fuzz_dir/corpus/$target")
  [[ -d "$fuzz_dir/regressions/$target" ]] && inputs+=("$fuzz_dir/regressions/$target")
  mapfile -t flags < <(options_flags "$target")
  "$bin_dir/$target" "${flags[@]}" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
    -artifact_prefix="$out/artifacts/" "$out/new" "${inputs[@]}" > "$out/log" 2>&1
}

start=$SECONDS
running=0
for target in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n || true
    running=$((running - 1))
  fi
  (
    status=0
    run_target "$target" || status=$?
    echo "$status" > "$work/$target.status"
  ) &
  running=$((running + 1))
done
wait || true

passed=0
failed=0
for target in "${targets[@]}"; do
  status="$(cat "$work/$target.status" 2>/dev/null || echo 1)"
  read -r runs cov ft eps < <(parse_log "$work/$target/log")
  line="$(printf 'fuzz %-24s %3ss %9d runs %7d exec/s  cov %5d  ft %6d' \
    "$target" "$seconds" "$runs" "$eps" "$cov" "$ft")"
  if [[ "$status" == 0 ]]; then
    echo "$line  ok"
    passed=$((passed + 1))
  else
    echo "$line  FAILED (exit $status): $(crash_reason "$work/$target/log")"
    tail -n 60 "$work/$target/log" | sed "s/^/  $target| /"
    for artifact in "$work/$target/artifacts"/*; do
      [[ -f "$artifact" ]] && echo "  $target| input (base64): $(base64 -w0 < "$artifact")"
    done
    failed=$((failed + 1))
  fi
done
echo "fuzzing took $((SECONDS - start)) s on $jobs cores"
echo "$passed passed, $failed failed"
((failed == 0))
