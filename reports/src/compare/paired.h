// Paired A/B comparison: the CI gate's same-machine mode runs the base and head builds
// alternately (ABBA order) for N rounds, each round giving one report per side of one
// repetition each, and judges the head by the rounds' paired differences.
//
// Why paired rounds: the repetitions of one report run back to back, so they share the
// machine's state of that minute (clock frequency, neighbours on a shared host, page cache),
// and their spread understates how much two runs minutes apart differ; comparing two such
// reports reads that drift as a change of code. Pairing base and head within a round cancels
// the drift both see, and the spread of the per-round differences is the run-to-run noise that
// matters, so the interval is honest.
//
// Why Holm: a comparison judges many metrics (engines x phases x metrics), each at a 5% risk of
// a false alarm, so a gate of 30 metrics would cry wolf on most runs of unchanged code. Holm's
// step-down correction keeps the chance of ANY false fail in the comparison at most alpha,
// with more power than Bonferroni, and needs no assumption about how metrics correlate.
#pragma once

#include <cstdint>
#include <vector>

#include "compare.h"
#include "report.h"

namespace heapstore::report {

struct PairedOptions {
  double fail_above = 0.05;  // a regression is a change worse than this
  double warn_above = 0.02;
  double alpha = 0.05;              // the chance of any false fail or improved over the metrics
  std::uint32_t resamples = 10000;  // bootstrap resamples of the rounds
  std::uint64_t seed = 1;           // of the bootstrap, so verdicts are reproducible
  std::uint32_t min_rounds = 6;     // fewer pairs: inconclusive
  // A latency percentile is judged only when it is at least this many clock ticks
  // (Context::clock_resolution_ns); below, the clock's steps would be the measurement.
  double min_resolvable_ticks = 20;
  // false: each phase is judged by its ops/s. true: by its p50 latency where the clock resolves
  // it, else by its ops/s (p99 shown). One metric per phase either way: a phase's metrics move
  // together, and each one more would cost Holm's correction power. The p50 is the steadier on a
  // shared machine: other work preempting the run moves ops/s (a build running: +-8% after 100
  // rounds on the 2-vCPU VM measured) far more than a median latency (+-3.5%).
  bool judge_latency = false;
};

// Compares head with base round by round: base_rounds[i] and head_rounds[i] are round i's
// pair, all of the same workload (else ReportError, as compare()). Throws ReportError when
// the two lists differ in length or are empty.
//
// Per engine and phase, the primary metrics: ops_per_sec, and the p50 and p99 latency of the
// phase's own op, of which one is judged (see judge_latency), a latency only where the clock
// resolves it (the baseline median is at least
// min_resolvable_ticks ticks); a latency it does not resolve, or of unknown resolution, is
// shown not gated. For each metric, d_i = log(head_i / base_i); the change is exp(mean d) - 1
// with a 95% percentile bootstrap interval over the rounds. Two one-sided bootstrap tests (+1
// smoothed p-values): of "no worse than fail_above" and of "no better than fail_above". Holm's
// correction at alpha runs over the gated metrics, once for each. Verdicts, in order:
// inconclusive with fewer than min_rounds pairs; fail when "no worse" is rejected; improved
// when "no better" is; inconclusive when the interval reaches beyond fail_above (it could be a
// regression: more rounds would tell); warn when the change is worse than warn_above; else
// pass. alpha holds per look: a caller that looks again after more rounds and stops at a fail
// (heapstore ab: at most 5 looks) spends a little more than alpha in all. Not gated rows (gate:
// false phases, unresolved latencies) get the verdict of a family of one and do not count.
//
// Render the result with render_text, render_markdown (with base_rounds[0] and head_rounds[0]
// as baseline and candidate) and to_json of compare.h.
Comparison compare_paired(const std::vector<Report>& base_rounds,
                          const std::vector<Report>& head_rounds, const PairedOptions& options);

// True when a gated metric is inconclusive and none has failed: the caller may run more rounds
// (up to its cap) and compare again. A fail is final (Holm-corrected), so more rounds could only
// add to it; stopping there keeps a real regression's verdict quick.
bool needs_more_rounds(const Comparison& comparison);

// Holm's step-down adjusted p-values, in the order of `p_values`: a hypothesis is rejected at
// level alpha when its adjusted value is at most alpha. Sorted ascending, the k-th smallest
// (from 0) is multiplied by (m - k), made no smaller than the one before, and capped at 1.
std::vector<double> holm_adjusted(const std::vector<double>& p_values);

}  // namespace heapstore::report
