#include "runner.h"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "system_info.h"

namespace heapstore::workload {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Splits the live values among `threads` workers (and joins them back afterwards).
std::vector<std::vector<Key>> partition(std::vector<Key>&& keys, std::uint32_t threads) {
  std::vector<std::vector<Key>> parts(threads);
  if (threads == 1) {
    parts[0] = std::move(keys);
    return parts;
  }
  for (std::size_t i = 0; i < keys.size(); ++i) parts[i % threads].push_back(keys[i]);
  return parts;
}

std::uint64_t quota(const Phase& phase, std::uint32_t thread) {
  if (!phase.count) return 0;
  return *phase.count / phase.threads + (thread < *phase.count % phase.threads ? 1 : 0);
}

// Operations finished by each interval's end, as the runner's thread saw them (workers report
// every 256 operations): the throughput half of the time series.
struct Progression {
  std::vector<double> end_seconds;
  std::vector<std::uint64_t> done;
};

// Runs the workers on their own threads, showing progress until the last one finishes, and
// noting at each interval's end how many operations were done.
Progression run_threads(std::vector<PhaseWorker>& workers, const PhaseContext& ctx,
                        Progress& progress, const std::string& label, double interval_seconds) {
  std::mutex mutex;
  std::condition_variable finished_cv;
  std::size_t finished = 0;
  std::vector<std::exception_ptr> errors(workers.size());
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (std::size_t t = 0; t < workers.size(); ++t)
    threads.emplace_back([&, t] {
      try {
        workers[t].run();
      } catch (...) {
        errors[t] = std::current_exception();
      }
      std::lock_guard lock(mutex);
      ++finished;
      finished_cv.notify_one();
    });
  std::optional<double> duration;
  if (ctx.phase.duration) duration = std::chrono::duration<double>(*ctx.phase.duration).count();
  const auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_seconds));
  constexpr auto kProgressEvery = std::chrono::milliseconds(200);
  Progression progression;
  auto next_interval = start + interval, next_progress = start + kProgressEvery;
  for (std::unique_lock lock(mutex); finished < workers.size();) {
    finished_cv.wait_until(lock, std::min(next_interval, next_progress));
    const auto now = Clock::now();
    if (now >= next_interval) {
      progression.end_seconds.push_back(seconds_since(start));
      progression.done.push_back(ctx.done->load());
      next_interval += interval;
    }
    if (now >= next_progress) {
      progress.running(label, ctx.done->load(), seconds_since(start), ctx.phase.count, duration);
      next_progress = now + kProgressEvery;
    }
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return progression;
}

// The time series: interval i's throughput from the operations done by its end, its latency
// percentiles from the operations sampled in it. The last interval ends with the phase.
std::vector<report::SeriesPoint> series_of(const Progression& p, const WorkerResult& total,
                                           double seconds) {
  std::vector<report::SeriesPoint> series;
  double last_seconds = 0;
  std::uint64_t last_done = 0;
  const double ns = TickClock::ns_per_tick();
  for (std::size_t i = 0; i <= p.end_seconds.size(); ++i) {
    const bool last = i == p.end_seconds.size();
    const double end = last ? seconds : p.end_seconds[i];
    const std::uint64_t done = last ? total.operations : p.done[i];
    if (end <= last_seconds) continue;
    report::SeriesPoint point{end, static_cast<double>(done - last_done) / (end - last_seconds)};
    if (i < total.intervals.size() && total.intervals[i].count() > 0) {
      point.p50_ns = static_cast<double>(total.intervals[i].percentile(0.50)) * ns;
      point.p99_ns = static_cast<double>(total.intervals[i].percentile(0.99)) * ns;
    }
    series.push_back(point);
    last_seconds = end;
    last_done = std::max(last_done, done);
  }
  return series;
}

report::LatencyHistogram histogram_of(const Histogram& h) {
  report::LatencyHistogram result;
  const double ns = TickClock::ns_per_tick();
  h.for_each_bucket([&](std::uint64_t top, std::uint64_t count) {
    result.buckets.emplace_back(static_cast<double>(top) * ns, count);
  });
  return result;
}

void add_latency(report::Metrics& m, const std::string& op, const Histogram& h) {
  double ns = TickClock::ns_per_tick();
  std::string p = "latency." + op + ".";
  m[p + "count"] = static_cast<double>(h.count());
  m[p + "p50_ns"] = static_cast<double>(h.percentile(0.50)) * ns;
  m[p + "p90_ns"] = static_cast<double>(h.percentile(0.90)) * ns;
  m[p + "p99_ns"] = static_cast<double>(h.percentile(0.99)) * ns;
  m[p + "p999_ns"] = static_cast<double>(h.percentile(0.999)) * ns;
  m[p + "max_ns"] = static_cast<double>(h.max()) * ns;
  m[p + "mean_ns"] = h.mean() * ns;
}

// Rates exclude the end-of-phase flush (`end_phase_seconds`, reported on its own);
// ops_per_sec_with_flush includes it.
void add_timing(report::Metrics& m, const WorkerResult& total, double seconds,
                double end_phase_seconds) {
  const auto operations = static_cast<double>(total.operations);
  m["seconds"] = seconds;
  m["end_phase_seconds"] = end_phase_seconds;
  m["ops_per_sec"] = seconds > 0 ? operations / seconds : 0;
  m["ops_per_sec_with_flush"] =
      seconds + end_phase_seconds > 0 ? operations / (seconds + end_phase_seconds) : 0;
  m["mb_per_sec"] = seconds > 0 ? static_cast<double>(total.bytes) / 1e6 / seconds : 0;
  for (std::size_t k = 0; k < total.latency.size(); ++k)
    if (total.latency[k].count() > 0) add_latency(m, kTimedNames[k], total.latency[k]);
}

// Space amplification is left out when nothing is live: it is not applicable, not 0.
void add_engine(report::Metrics& m, const EngineCounters& before, const EngineCounters& after,
                const std::vector<Key>& keys) {
  std::uint64_t live = 0;
  for (const Key& k : keys) live += k.size();
  m["engine.page_reads"] = static_cast<double>(after.page_reads - before.page_reads);
  m["engine.page_writes"] = static_cast<double>(after.page_writes - before.page_writes);
  m["engine.buffer_hits"] = static_cast<double>(after.buffer_hits - before.buffer_hits);
  m["engine.buffer_misses"] = static_cast<double>(after.buffer_misses - before.buffer_misses);
  m["engine.bytes_on_disk"] = static_cast<double>(after.bytes_on_disk);
  m["engine.live_bytes"] = static_cast<double>(live);
  if (live > 0)
    m["engine.space_amplification"] =
        static_cast<double>(after.bytes_on_disk) / static_cast<double>(live);
}

struct PhaseRun {
  EngineAdapter& engine;
  const Spec& spec;
  const RunOptions& options;
  Progress& progress;
  std::string label_prefix;
  std::vector<std::string>* dumps;  // counted runs: each phase's Callgrind file, in order
  std::uint32_t sample_every = 1;   // one operation in this many is timed
};

// What one part of a phase (its warm-up, or its measured part) did, over all its threads.
struct PartResult {
  WorkerResult total;
  Progression progression;
  double seconds = 0;
};

// Runs `phase` (count or duration as it says) on its threads over `keys`; afterwards `keys` holds
// the live values and `next_id` is past the ids its inserts used.
PartResult run_part(const PhaseRun& run, const Phase& phase, std::uint32_t index,
                    std::vector<Key>& keys, std::uint64_t& next_id, const std::string& label) {
  Expected expected = phase.op == Op::kScan ? expected_of(keys) : Expected{};
  std::atomic<std::uint64_t> done{0};
  PhaseContext ctx{run.engine, run.spec, phase, index,  run.options.verify_every,
                   &expected,  &done,    0,     next_id};
  ctx.sample_every = phase.rate ? 1 : run.sample_every;  // paced: every one from its due time
  ctx.interval_ticks = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(run.options.interval_seconds * 1e9 / TickClock::ns_per_tick()));
  if (phase.rate)
    ctx.ticks_per_op =
        static_cast<double>(phase.threads) * 1e9 / *phase.rate / TickClock::ns_per_tick();
  std::vector<PhaseWorker> workers;
  auto parts = partition(std::move(keys), phase.threads);
  for (std::uint32_t t = 0; t < phase.threads; ++t)
    workers.emplace_back(ctx, t, std::move(parts[t]), quota(phase, t));
  PartResult part;
  ctx.start_ticks = TickClock::now();
  if (phase.duration)
    ctx.deadline_ticks =
        ctx.start_ticks + static_cast<std::uint64_t>(static_cast<double>(phase.duration->count()) /
                                                     TickClock::ns_per_tick());
  auto start = Clock::now();
  if (run.options.meter == Meter::kInstructions)
    workers[0].run();  // check_meter() allowed one thread: nothing else runs while counting
  else
    part.progression = run_threads(workers, ctx, run.progress, label, run.options.interval_seconds);
  part.seconds = seconds_since(start);
  keys.clear();
  std::uint64_t most_inserts = 0;
  for (PhaseWorker& w : workers) {
    most_inserts = std::max(most_inserts, w.inserts());
    part.total.merge(w.result());
    keys.insert(keys.end(), w.keys().begin(), w.keys().end());
  }
  next_id += most_inserts * phase.threads;
  return part;
}

// The phase's warm-up, when it has one: the same operations, results dropped.
void warm_up(const PhaseRun& run, std::uint32_t index, std::vector<Key>& keys,
             std::uint64_t& next_id) {
  Phase warm = run.spec.phases[index];
  if (!warm.warmup_count && !warm.warmup_duration) return;
  warm.count = warm.warmup_count;
  warm.duration = warm.warmup_duration;
  run_part(run, warm, index, keys, next_id, run.label_prefix + " " + warm.name + " warm-up");
}

// `next_id`: the first id no earlier phase used; advanced past this phase's.
report::PhaseResult run_phase(const PhaseRun& run, std::uint32_t index, std::vector<Key>& keys,
                              std::uint64_t& next_id) {
  const Phase& phase = run.spec.phases[index];
  const std::string label = run.label_prefix + " " + phase.name;
  warm_up(run, index, keys, next_id);
  const bool counted = run.options.meter == Meter::kInstructions;
  EngineCounters before = run.engine.counters();
  if (counted) zero_counts();
  const PartResult part = run_part(run, phase, index, keys, next_id, label);
  auto end_start = Clock::now();
  run.engine.end_phase();
  const double end_phase_seconds = seconds_since(end_start);

  report::PhaseResult result{phase.name, std::string(to_string(phase.op)), {}};
  report::Metrics& m = result.metrics;
  m["operations"] = static_cast<double>(part.total.operations);
  if (counted) {
    run.dumps->push_back(dump_counts(label));  // read when every phase has run (meter.h)
  } else {
    add_timing(m, part.total, part.seconds, end_phase_seconds);
    m["latency.sample_every"] = phase.rate ? 1 : run.sample_every;
    if (phase.rate) m["target_ops_per_sec"] = *phase.rate;
    result.series = series_of(part.progression, part.total, part.seconds);
    for (std::size_t k = 0; k < part.total.latency.size(); ++k)
      if (part.total.latency[k].count() > 0)
        result.histograms[kTimedNames[k]] = histogram_of(part.total.latency[k]);
  }
  add_engine(m, before, run.engine.counters(), keys);
  run.progress.finished(label, part.total.operations, part.seconds + end_phase_seconds);
  return result;
}

// After a repetition: every container scans to exactly its values, and a sample of values reads
// back byte for byte.
void verify_store(EngineAdapter& engine, const std::vector<Key>& keys, std::uint32_t sample) {
  for (const auto& [container, want] : expected_of(keys).per_container)
    check_scan(container, engine.scan(container), want);
  std::string got, scratch;
  std::size_t step = std::max<std::size_t>(1, keys.size() / std::max<std::uint32_t>(1, sample));
  for (std::size_t i = 0; i < keys.size(); i += step) {
    if (!engine.get(keys[i].container(), keys[i].handle(), got))
      throw CorrectnessError("value " + std::to_string(keys[i].id()) + " is missing at the end");
    check_value(keys[i], got, true, scratch);
  }
}

// The workload's engine settings with the configuration's own options.
EngineConfig config_of(const Spec& spec, const EngineChoice& choice) {
  EngineConfig config = spec.engine;
  config.options = choice.options;
  return config;
}

// Where a repetition runs and what it fills in.
struct RepetitionRun {
  const EngineChoice& choice;
  const Spec& spec;
  const RunOptions& options;
  Progress& progress;
  std::uint32_t sample_every;
};

report::Repetition run_repetition(const RepetitionRun& r, std::uint32_t rep,
                                  report::EngineResult& result, std::vector<std::string>& dumps) {
  std::filesystem::path dir = std::filesystem::path(r.options.data_dir) / r.spec.name /
                              (r.choice.label + "-" + std::to_string(rep));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  report::Repetition repetition{rep, {}};
  {
    auto engine = r.options.open_engine(r.choice.engine, dir.string(), config_of(r.spec, r.choice));
    if (r.options.meter == Meter::kInstructions) engine = counted(std::move(engine));
    result.settings = engine->settings();
    result.guarantees = engine->guarantees();
    for (std::uint32_t c = 0; c < r.spec.containers; ++c) engine->create_container(c);
    std::vector<Key> keys;
    std::uint64_t next_id = 0;
    std::string prefix =
        r.choice.label + " " + std::to_string(rep + 1) + "/" + std::to_string(r.spec.repetitions);
    PhaseRun run{*engine, r.spec, r.options, r.progress, prefix, &dumps, r.sample_every};
    for (std::uint32_t i = 0; i < r.spec.phases.size(); ++i)
      repetition.phases.push_back(run_phase(run, i, keys, next_id));
    verify_store(*engine, keys, r.options.verify_sample);
  }
  if (!r.options.keep_data) std::filesystem::remove_all(dir);
  return repetition;
}

// Counted runs: each phase's counts, from the dumps made per engine and repetition.
void add_counts(report::Report& report,
                const std::vector<std::vector<std::vector<std::string>>>& dumps) {
  for (std::size_t e = 0; e < report.engines.size(); ++e)
    for (report::Repetition& repetition : report.engines[e].repetitions) {
      const std::vector<std::string>& files = dumps[e][repetition.index];
      for (std::size_t p = 0; p < repetition.phases.size() && p < files.size(); ++p)
        add_counted_metrics(repetition.phases[p].metrics, read_counts(files[p]));
    }
}

// The largest value any phase of `spec` may write.
std::uint64_t largest_value(const Spec& spec) {
  std::uint64_t largest = 0;
  for (const Phase& phase : spec.phases) {
    // Ops that write values: the phase's own, or those a mix has a share of.
    for (const OpInfo& op : kOpTable) {
      const bool runs = phase.op == Op::kMix ? phase.mix[op.op] > 0 : phase.op == op.op;
      if (!runs || !(op.takes & kTakesValueSize)) continue;
      const bool grows = op.op != Op::kInsert && phase.growth;
      largest = std::max<std::uint64_t>(largest, grows ? phase.growth->max : phase.value_size.max);
    }
  }
  return largest;
}

}  // namespace

void check_meter(const Spec& spec, Meter meter) {
  if (meter != Meter::kInstructions) return;
  for (const Phase& phase : spec.phases) {
    const std::string where = spec.source + ": phase " + phase.name + ": ";
    if (phase.duration)
      throw SpecError(where + "a counted run (--meter instructions) needs a count, not a duration");
    if (phase.threads != 1)
      throw SpecError(where + "a counted run (--meter instructions) uses one thread, not " +
                      std::to_string(phase.threads) + " (--set phases." + phase.name +
                      ".threads=1)");
  }
}

void check_engines(const Spec& spec, const std::vector<std::string>& engines) {
  const std::uint64_t largest = largest_value(spec);
  for (const EngineChoice& choice : parse_engine_choices(engines)) {
    const EngineInfo& info = engine_info(choice.engine);
    if (largest > info.max_value_bytes)
      throw SpecError(spec.source + ": values of up to " + std::to_string(largest) +
                      " bytes, but " + std::string(info.name) + " stores at most " +
                      std::to_string(info.max_value_bytes));
  }
}

// Opens each configuration once on a scratch directory: a bad option is named before anything
// runs, not when that engine's turn comes minutes later.
void try_each_engine(const Spec& spec, const std::vector<EngineChoice>& choices,
                     const RunOptions& options) {
  const auto dir = std::filesystem::path(options.data_dir) / spec.name / ".try";
  for (const EngineChoice& choice : choices) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    options.open_engine(choice.engine, dir.string(), config_of(spec, choice));
  }
  std::filesystem::remove_all(dir);
}

report::Report run_workload(const Spec& spec, const RunOptions& options, Progress& progress) {
  check_meter(spec, options.meter);
  check_engines(spec, options.engines);
  const std::vector<EngineChoice> choices = parse_engine_choices(options.engines);
  if (options.meter != Meter::kInstructions) try_each_engine(spec, choices, options);
  std::filesystem::create_directories(options.data_dir);
  report::Report report;
  report.context = collect_context(options.data_dir, options.command_line);
  report.context.meter = to_string(options.meter);
  if (options.meter == Meter::kInstructions) report.context.valgrind = valgrind_version();
  report.workload = to_json(spec);
  report.workload_hash = spec_hash(spec);
  report.seed = spec.seed;
  report.repetitions = spec.repetitions;
  const std::uint32_t sample_every = options.latency_sample_every != 0
                                         ? options.latency_sample_every
                                         : auto_sample_every(report.context.clock_read_ns);
  for (const EngineChoice& choice : choices) {
    report::EngineResult& result = report.engines.emplace_back();
    result.name = choice.label;
    result.engine = choice.engine;
    result.max_value_bytes = engine_info(choice.engine).max_value_bytes;
    result.repetitions.resize(spec.repetitions);
  }
  // Round r runs every engine once, starting with engine r mod n: a change of machine load
  // during the run falls on every engine alike instead of on whichever ran then.
  std::vector dumps(choices.size(), std::vector<std::vector<std::string>>(spec.repetitions));
  for (std::uint32_t rep = 0; rep < spec.repetitions; ++rep)
    for (std::size_t k = 0; k < choices.size(); ++k) {
      const std::size_t e = (k + rep) % choices.size();
      const RepetitionRun r{choices[e], spec, options, progress, sample_every};
      report.engines[e].repetitions[rep] = run_repetition(r, rep, report.engines[e], dumps[e][rep]);
    }
  add_counts(report, dumps);
  for (report::EngineResult& engine : report.engines) report::aggregate(engine);
  return report;
}

}  // namespace heapstore::workload
