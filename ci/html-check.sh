#!/usr/bin/env bash
# Renders heapstore's HTML reports in headless Chromium and checks what a browser makes of them:
# no script error on the console, and no empty chart. Every chart the renderer writes is an
# <svg class="chart" data-marks="N"> holding N elements of class "mark" (bars, lines, dots);
# a chart fails when N is missing or 0, or when the DOM Chromium built holds fewer marks (markup
# that a browser parses differently from what the renderer meant, e.g. text that was not
# escaped).
#
#   ci/html-check.sh [--screenshot PNG [--height PX]] FILE.html...
#       check each file; with --screenshot, also save the first one 1280 px wide, PX (default
#       2000) high
#   ci/html-check.sh --run HEAPSTORE_BIN WORKLOAD [ENGINES]
#       run the workload (default engines heapstore,sqlite; 3 repetitions) into a temporary
#       directory with --html, render the saved report again with `heapstore report --html`,
#       and check both pages (what ctest's "html" label runs)
#
# Exit status: 0 every check passed, 1 a check failed, 2 bad usage or the run failed, 77 no
# Chromium (ctest counts the test as skipped). $CHROMIUM names the browser (default: chromium).
set -euo pipefail

chromium_bin="${CHROMIUM:-chromium}"
screenshot=""
height=2000

fail() {
  echo "html-check: $*" >&2
  exit 1
}
usage() {
  echo "html-check: $*" >&2
  echo "usage: ci/html-check.sh [--screenshot PNG [--height PX]] FILE.html... |" \
    "--run HEAPSTORE_BIN WORKLOAD [ENGINES]" >&2
  exit 2
}

if ! command -v "$chromium_bin" >/dev/null 2>&1; then
  echo "html-check: chromium not found ($chromium_bin); skipped" >&2
  exit 77
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/html-check-XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Headless Chromium with a profile of its own (so it never meets a running browser), no GPU and
# the console on stderr; "$@" says what to produce.
run_chromium() {
  timeout 120 "$chromium_bin" --headless=new --no-sandbox --disable-gpu --no-first-run \
    --disable-extensions --user-data-dir="$work/profile" --enable-logging=stderr --v=0 "$@"
}

# Fails on console lines of script errors: uncaught exceptions, errors logged as such. Chromium
# writes them as "[pid:tid:time:INFO:CONSOLE:6] "Uncaught ReferenceError: ..."" (older versions:
# "CONSOLE(6)").
check_console() {
  local file="$1" log="$2" errors
  errors="$(grep -E 'Uncaught|ERROR:CONSOLE|:CONSOLE[:(][0-9]+\)?\] "[A-Za-z]*Error' "$log" || true)"
  [[ -z "$errors" ]] || fail "$file: script error in Chromium: $errors"
}

# Fails unless every <svg class="chart"> in the dumped DOM declares data-marks > 0 and holds at
# least that many class="mark" elements; prints how many charts it checked.
check_charts() {
  local file="$1" dom="$2"
  awk -v file="$file" '
    BEGIN { RS = "</svg>"; charts = 0; bad = 0 }
    {
      start = index($0, "<svg class=\"chart\"")
      if (start == 0) next
      chart = substr($0, start)
      charts++
      marks = -1
      if (match(chart, /data-marks="[0-9]+"/))
        marks = substr(chart, RSTART + 12, RLENGTH - 13) + 0
      found = gsub(/class="mark"/, "&", chart)
      title = ""
      if (match(chart, /aria-label="[^"]*"/)) title = substr(chart, RSTART + 12, RLENGTH - 13)
      if (marks <= 0) {
        printf "html-check: %s: chart %d (%s) is empty: data-marks %s\n", file, charts, title,
               (marks < 0 ? "missing" : "0") > "/dev/stderr"
        bad++
      } else if (found < marks) {
        printf "html-check: %s: chart %d (%s) declares %d marks, the DOM holds %d\n", file,
               charts, title, marks, found > "/dev/stderr"
        bad++
      }
    }
    END {
      if (charts == 0) { printf "html-check: %s: no chart\n", file > "/dev/stderr"; exit 1 }
      if (bad > 0) exit 1
      print charts
    }' "$dom"
}

check_file() {
  local file="$1" url dom="$work/dom.html" log="$work/console.log" charts
  [[ -f "$file" ]] || usage "no such file: $file"
  url="file://$(realpath "$file")"
  run_chromium --dump-dom "$url" >"$dom" 2>"$log" || fail "$file: chromium failed: $(tail -3 "$log")"
  grep -q '<body' "$dom" || fail "$file: chromium rendered no document"
  check_console "$file" "$log"
  charts="$(check_charts "$file" "$dom")" || fail "$file: empty or broken charts (above)"
  echo "html-check: $file: $charts charts, every one with data marks; no script errors"
}

take_screenshot() {
  local file="$1" out="$2" log="$work/screenshot.log"
  run_chromium --hide-scrollbars --window-size="1280,$height" --screenshot="$(realpath -m "$out")" \
    "file://$(realpath "$file")" >"$log" 2>&1 || fail "$file: screenshot failed: $(tail -3 "$log")"
  [[ -s "$out" ]] || fail "$file: no screenshot written to $out"
  echo "html-check: screenshot of $file in $out (1280x$height)"
}

# `heapstore run` with --html, then `heapstore report --html` of the saved report, both checked.
run_and_check() {
  local bin="$1" workload="$2" engines="${3:-heapstore,sqlite}"
  [[ -x "$bin" ]] || usage "not an executable: $bin"
  [[ -f "$workload" ]] || usage "no such workload file: $workload"
  "$bin" run "$workload" --engine "$engines" --repetitions 3 -q --out-dir "$work/reports" \
    --data-dir "$work/data" --html "$work/run.html" >"$work/run.log" 2>&1 ||
    { cat "$work/run.log" >&2; echo "html-check: heapstore run failed" >&2; exit 2; }
  local report
  report="$(ls "$work"/reports/*.json | head -1)"
  "$bin" report "$report" --html "$work/report.html" >/dev/null ||
    { echo "html-check: heapstore report failed" >&2; exit 2; }
  check_file "$work/run.html"
  check_file "$work/report.html"
}

if [[ "${1:-}" == "--run" ]]; then
  [[ $# -ge 3 ]] || usage "--run needs HEAPSTORE_BIN and WORKLOAD"
  run_and_check "$2" "$3" "${4:-}"
  exit 0
fi
files=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --screenshot) screenshot="${2:?--screenshot needs a file}"; shift 2 ;;
    --height) height="${2:?--height needs pixels}"; shift 2 ;;
    -*) usage "unknown option $1" ;;
    *) files+=("$1"); shift ;;
  esac
done
[[ ${#files[@]} -gt 0 ]] || usage "no HTML file given"
for file in "${files[@]}"; do check_file "$file"; done
[[ -z "$screenshot" ]] || take_screenshot "${files[0]}" "$screenshot"
