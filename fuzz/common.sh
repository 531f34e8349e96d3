# shellcheck shell=bash
# Shared by fuzz/ci.sh and fuzz/campaign.sh (sourced, not run): the target list, building the
# libFuzzer binaries, the flags a target's .options file asks for, and reading libFuzzer logs.

fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(dirname "$fuzz_dir")"

# Every target: fuzz/<name>.cc defines LLVMFuzzerTestOneInput.
all_targets() {
  local src
  for src in "$fuzz_dir"/*_fuzzer.cc; do basename "$src" .cc; done
}

# Builds the libFuzzer binaries and prints the directory that holds them. The fuzz preset's
# build/fuzz unless HEAPSTORE_FUZZ_BUILD_DIR names an already configured build.
build_fuzzers() {
  local dir="${HEAPSTORE_FUZZ_BUILD_DIR:-}"
  if [[ -z "$dir" ]]; then
    dir="$repo_root/build/fuzz"
    (cd "$repo_root" && cmake --preset fuzz >&2) || return 1
  fi
  cmake --build "$dir" --target heapstore_fuzzers >&2 || return 1
  echo "$dir/fuzz"
}

# The libFuzzer flags of fuzz/<target>.options ([libfuzzer] key = value lines), one per line;
# a dict path is taken relative to fuzz/.
options_flags() {
  local file="$fuzz_dir/$1.options" key value
  [[ -f "$file" ]] || return 0
  while IFS='=' read -r key value; do
    key="$(echo "$key" | tr -d '[:space:]')"
    value="$(echo "$value" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')"
    [[ -z "$key" || "$key" == \[* || "$key" == \#* ]] && continue
    [[ "$key" == dict ]] && value="$fuzz_dir/$value"
    echo "-$key=$value"
  done < "$file"
}

# Reads a libFuzzer log (plain or -fork) and prints "EXECUTIONS COV FT EXEC_PER_SEC" from its last
# stat line ("#123 DONE cov: 1 ft: 2 corp: ... exec/s: 9", "#123: cov: 1 ft: 2 ... exec/s 9") and,
# when present, the -print_final_stats lines. Missing numbers print as 0.
parse_log() {
  awk '
    /^#[0-9]+/ && /cov: [0-9]+/ {
      match($0, /^#[0-9]+/); runs = substr($0, 2, RLENGTH - 1)
      match($0, /cov: [0-9]+/); cov = substr($0, RSTART + 5, RLENGTH - 5)
      if (match($0, /ft: [0-9]+/)) ft = substr($0, RSTART + 4, RLENGTH - 4)
      if (match($0, /exec\/s:? [0-9]+/)) { s = substr($0, RSTART, RLENGTH); sub(/[^0-9]*/, "", s); eps = s }
    }
    /^stat::number_of_executed_units:/ { runs = $2 }
    /^stat::average_exec_per_sec:/ { eps = $2 }
    END { printf "%d %d %d %d\n", runs, cov, ft, eps }
  ' "$1"
}

# The first line of a crash log that says what went wrong, without addresses or pids.
crash_reason() {
  grep -m1 -E 'heapstore fuzz check failed|ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|what\(\):|ERROR: libFuzzer: (timeout|out-of-memory)|ERROR: libFuzzer' "$1" |
    sed -E 's/==[0-9]+==//g; s/0x[0-9a-fA-F]{6,}/ADDR/g; s/^[[:space:]]+//' | cut -c1-300
}

# $1 as a JSON string literal.
json_string() {
  local s="$1"
  s="${s//\\/\\\\}"
  s="${s//\"/\\\"}"
  s="${s//$'\t'/\\t}"
  s="$(printf '%s' "$s" | tr -d '\000-\010\013-\037')"
  printf '"%s"' "$s"
}
