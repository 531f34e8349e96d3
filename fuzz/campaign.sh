#!/usr/bin/env bash
# A long fuzzing campaign (overnight): builds the fuzz preset, then for each target in turn
#   1. fuzzes for N seconds with -fork=J over a working corpus: the committed fuzz/corpus/<target>/
#      plus what earlier campaigns kept in fuzz/findings/<target>/corpus/, with the regressions
#      read as seeds; crashes, timeouts and OOMs are recorded and fuzzing goes on;
#   2. merges the working corpus into a fresh directory (-merge=1), which becomes
#      fuzz/findings/<target>/corpus/, and reports the growth (--write-back also adds the inputs
#      with new coverage to the committed fuzz/corpus/<target>/);
#   3. minimizes one crash per distinct reason (-minimize_crash=1) into
#      fuzz/findings/<target>/<kind>-<n>.min;
# and writes fuzz/findings/summary.json and summary.md. fuzz/findings/ is output, not committed.
#
#   fuzz/campaign.sh [--seconds N] [--jobs J] [--write-back] [TARGET...]
#   (defaults: N = 3600, J = nproc, every target)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

seconds=3600
jobs="$(nproc)"
write_back=0
targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --write-back) write_back=1; shift ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "campaign.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ ${#targets[@]} -gt 0 ]] || mapfile -t targets < <(all_targets)

findings="$fuzz_dir/findings"
bin_dir="$(build_fuzzers)" || { echo "fuzz: the build failed" >&2; exit 1; }
mkdir -p "$findings"

count_files() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l; }

# Minimizes one crash per distinct reason; prints one JSON object per reason, with how many
# artifacts had it.
minimize_crashes() {
  local target="$1" out="$2" artifact reason key kind min n=0
  declare -A first=() count=()
  local keys=()
  for artifact in "$out/work/artifacts"/*; do
    [[ -f "$artifact" ]] || continue
    "$bin_dir/$target" -timeout=25 "$artifact" > "$out/work/replay.log" 2>&1 || true
    reason="$(crash_reason "$out/work/replay.log")"
    [[ -n "$reason" ]] || reason="$(basename "$artifact") (does not reproduce alone)"
    # The same failure at another index, size or byte counts once.
    key="$(echo "$reason" | sed -E 's/0x[0-9a-fA-F]+/X/g; s/[0-9]+/N/g')"
    count[$key]=$((${count[$key]:-0} + 1))
    [[ -n "${first[$key]:-}" ]] && continue
    n=$((n + 1))
    kind="$(basename "$artifact" | cut -d- -f1)"
    first[$key]="$out/$kind-$n"
    keys+=("$key")
    echo "$reason" > "$out/$kind-$n.reason"
    cp "$artifact" "$out/$kind-$n.original"
    "$bin_dir/$target" -minimize_crash=1 -runs=100000 -max_total_time=120 -timeout=25 \
      -exact_artifact_path="$out/$kind-$n.min" "$artifact" > "$out/$kind-$n.minimize.log" 2>&1 || true
    [[ -f "$out/$kind-$n.min" ]] || cp "$artifact" "$out/$kind-$n.min"
  done
  for key in "${keys[@]}"; do
    min="${first[$key]}"
    kind="$(basename "$min" | cut -d- -f1)"
    printf '{"kind": %s, "reason": %s, "artifacts": %d, "reproducer": %s, "original": %s}\n' \
      "$(json_string "$kind")" "$(json_string "$(cat "$min.reason")")" "${count[$key]}" \
      "$(json_string "${min#"$repo_root/"}.min")" "$(json_string "${min#"$repo_root/"}.original")"
  done
}

# Fuzzes, merges and minimizes one target; prints its summary.json entry.
campaign_target() {
  local target="$1" out="$findings/$1"
  rm -rf "$out/work" "$out"/*.min "$out"/*.original "$out"/*.reason "$out"/*.log
  mkdir -p "$out/work/corpus" "$out/work/artifacts" "$out/corpus"
  cp "$fuzz_dir/corpus/$target"/* "$out/work/corpus/" 2>/dev/null || true
  cp "$out/corpus"/* "$out/work/corpus/" 2>/dev/null || true
  local before seeds
  before="$(count_files "$fuzz_dir/corpus/$target")"
  seeds="$(count_files "$out/work/corpus")"
  local inputs=("$out/work/corpus")
  [[ -d "$fuzz_dir/regressions/$target" ]] && inputs+=("$fuzz_dir/regressions/$target")
  mapfile -t flags < <(options_flags "$target")

  local start=$SECONDS
  "$bin_dir/$target" "${flags[@]}" -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 \
    -ignore_ooms=1 -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
    -artifact_prefix="$out/work/artifacts/" "${inputs[@]}" > "$out/fuzz.log" 2>&1 || true
  local took=$((SECONDS - start))
  local runs cov ft eps
  read -r runs cov ft eps < <(parse_log "$out/fuzz.log")
  ((took > 0)) && eps=$((runs / took))

  rm -rf "$out/work/merged" && mkdir -p "$out/work/merged"
  "$bin_dir/$target" "${flags[@]}" -merge=1 "$out/work/merged" "$out/work/corpus" \
    > "$out/merge.log" 2>&1 || true
  rm -rf "$out/corpus" && mv "$out/work/merged" "$out/corpus"
  local after added=0
  after="$(count_files "$out/corpus")"
  if ((write_back)); then
    local was
    was="$(count_files "$fuzz_dir/corpus/$target")"
    "$bin_dir/$target" "${flags[@]}" -merge=1 "$fuzz_dir/corpus/$target" "$out/corpus" \
      >> "$out/merge.log" 2>&1 || true
    added=$(($(count_files "$fuzz_dir/corpus/$target") - was))
  fi

  local crashes
  crashes="$(minimize_crashes "$target" "$out" | paste -sd, -)"
  printf '    %s: {"seconds": %d, "executions": %d, "execs_per_second": %d, ' \
    "$(json_string "$target")" "$took" "$runs" "$eps"
  printf '"coverage": {"cov": %d, "ft": %d}, ' "$cov" "$ft"
  printf '"corpus": {"committed": %d, "seeds": %d, "grown_to": %d, "after_merge": %d, ' \
    "$before" "$seeds" "$(count_files "$out/work/corpus")" "$after"
  printf '"written_back": %d}, "crashes": [%s]}' "$added" "$crashes"
}

entries=()
for target in "${targets[@]}"; do
  echo "campaign: $target for $seconds s with -fork=$jobs" >&2
  entries+=("$(campaign_target "$target")")
  rm -rf "$findings/$target/work/corpus"  # merged into fuzz/findings/<target>/corpus/
done

{
  printf '{\n  "generated": %s,\n  "commit": %s,\n  "seconds_per_target": %d,\n  "jobs": %d,\n' \
    "$(json_string "$(date -u +%Y-%m-%dT%H:%M:%SZ)")" \
    "$(json_string "$(git -C "$repo_root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)")" \
    "$seconds" "$jobs"
  printf '  "targets": {\n'
  for i in "${!entries[@]}"; do
    printf '%s%s\n' "${entries[$i]}" "$([[ $i -lt $((${#entries[@]} - 1)) ]] && echo ,)"
  done
  printf '  }\n}\n'
} > "$findings/summary.json"

# The same, for people.
{
  echo "# Fuzzing campaign, $(date -u +%Y-%m-%d), $seconds s per target, -fork=$jobs"
  echo
  echo "| target | s | executions | exec/s | cov | ft | corpus committed → seeds → grown → merged | crashes |"
  echo "|---|---:|---:|---:|---:|---:|---|---|"
  for entry in "${entries[@]}"; do
    echo "$entry" | awk '
      { match($0, /"[a-z_]+": \{/); name = substr($0, RSTART + 1, RLENGTH - 5)
        n = split("seconds executions execs_per_second cov ft committed seeds grown_to after_merge", k, " ")
        for (i = 1; i <= n; i++) { match($0, "\"" k[i] "\": [0-9]+"); v[i] = substr($0, RSTART + length(k[i]) + 4, RLENGTH - length(k[i]) - 4) }
        c = gsub(/"reproducer"/, "&")
        printf "| %s | %s | %s | %s | %s | %s | %s → %s → %s → %s | %d |\n", name, v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], c }'
  done
  echo
  for target in "${targets[@]}"; do
    for min in "$findings/$target"/*.min; do
      [[ -f "$min" ]] || continue
      echo "- \`${min#"$repo_root/"}\`: $(cat "${min%.min}.reason")"
    done
  done
  echo
  echo "Reproduce: \`build/fuzz/fuzz/<target> <file>\`; once fixed, copy the .min file to"
  echo "fuzz/regressions/<target>/ (fuzz/README.md)."
} > "$findings/summary.md"

cat "$findings/summary.md"
