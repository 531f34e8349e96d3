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

// Runs the workers on their own threads, showing progress until the last one finishes.
void run_threads(std::vector<PhaseWorker>& workers, const PhaseContext& ctx, Progress& progress,
                 const std::string& label) {
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
  for (std::unique_lock lock(mutex); finished < workers.size();) {
    if (finished_cv.wait_for(lock, std::chrono::milliseconds(200)) == std::cv_status::timeout)
      progress.running(label, ctx.done->load(), seconds_since(start), ctx.phase.count, duration);
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
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
};

// `next_id`: the first id no earlier phase used; advanced past this phase's.
report::PhaseResult run_phase(const PhaseRun& run, std::uint32_t index, std::vector<Key>& keys,
                              std::uint64_t& next_id) {
  const Phase& phase = run.spec.phases[index];
  std::string label = run.label_prefix + " " + phase.name;
  Expected expected = phase.op == Op::kScan ? expected_of(keys) : Expected{};
  std::atomic<std::uint64_t> done{0};
  PhaseContext ctx{run.engine, run.spec, phase, index,  run.options.verify_every,
                   &expected,  &done,    0,     next_id};
  if (phase.duration)
    ctx.deadline_ticks =
        TickClock::now() + static_cast<std::uint64_t>(static_cast<double>(phase.duration->count()) /
                                                      TickClock::ns_per_tick());
  std::vector<PhaseWorker> workers;
  auto parts = partition(std::move(keys), phase.threads);
  for (std::uint32_t t = 0; t < phase.threads; ++t)
    workers.emplace_back(ctx, t, std::move(parts[t]), quota(phase, t));
  const bool counted = run.options.meter == Meter::kInstructions;
  EngineCounters before = run.engine.counters();
  if (counted) zero_counts();
  auto start = Clock::now();
  if (counted)
    workers[0].run();  // check_meter() allowed one thread: nothing else runs while counting
  else
    run_threads(workers, ctx, run.progress, label);
  const double seconds = seconds_since(start);
  auto end_start = Clock::now();
  run.engine.end_phase();
  const double end_phase_seconds = seconds_since(end_start);

  report::PhaseResult result{phase.name, std::string(to_string(phase.op)), {}};
  WorkerResult total;
  keys.clear();
  std::uint64_t most_inserts = 0;
  for (PhaseWorker& w : workers) {
    most_inserts = std::max(most_inserts, w.inserts());
    for (std::size_t k = 0; k < total.latency.size(); ++k)
      total.latency[k].merge(w.result().latency[k]);
    total.operations += w.result().operations;
    total.bytes += w.result().bytes;
    keys.insert(keys.end(), w.keys().begin(), w.keys().end());
  }
  next_id += most_inserts * phase.threads;
  report::Metrics& m = result.metrics;
  m["operations"] = static_cast<double>(total.operations);
  if (counted)
    run.dumps->push_back(dump_counts(label));  // read when every phase has run (meter.h)
  else
    add_timing(m, total, seconds, end_phase_seconds);
  add_engine(m, before, run.engine.counters(), keys);
  run.progress.finished(label, total.operations, seconds + end_phase_seconds);
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

report::Repetition run_repetition(const std::string& engine_name, const Spec& spec,
                                  const RunOptions& options, Progress& progress, std::uint32_t rep,
                                  report::EngineResult& result, std::vector<std::string>& dumps) {
  std::filesystem::path dir = std::filesystem::path(options.data_dir) / spec.name /
                              (engine_name + "-" + std::to_string(rep));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  report::Repetition repetition{rep, {}};
  {
    auto engine = options.open_engine(engine_name, dir.string(), spec.engine);
    if (options.meter == Meter::kInstructions) engine = counted(std::move(engine));
    if (rep == 0) result.settings = engine->settings();
    for (std::uint32_t c = 0; c < spec.containers; ++c) engine->create_container(c);
    std::vector<Key> keys;
    std::uint64_t next_id = 0;
    std::string prefix =
        engine_name + " " + std::to_string(rep + 1) + "/" + std::to_string(spec.repetitions);
    PhaseRun run{*engine, spec, options, progress, prefix, &dumps};
    for (std::uint32_t i = 0; i < spec.phases.size(); ++i)
      repetition.phases.push_back(run_phase(run, i, keys, next_id));
    verify_store(*engine, keys, options.verify_sample);
  }
  if (!options.keep_data) std::filesystem::remove_all(dir);
  return repetition;
}

// Counted runs: each phase's counts, from the dumps made in phase order.
void add_counts(report::Report& report, const std::vector<std::string>& dumps) {
  std::size_t next = 0;
  for (report::EngineResult& engine : report.engines)
    for (report::Repetition& repetition : engine.repetitions)
      for (report::PhaseResult& phase : repetition.phases)
        if (next < dumps.size()) add_counted_metrics(phase.metrics, read_counts(dumps[next++]));
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

report::Report run_workload(const Spec& spec, const RunOptions& options, Progress& progress) {
  check_meter(spec, options.meter);
  std::vector<std::string> dumps;
  std::filesystem::create_directories(options.data_dir);
  report::Report report;
  report.context = collect_context(options.data_dir, options.command_line);
  report.context.meter = to_string(options.meter);
  if (options.meter == Meter::kInstructions) report.context.valgrind = valgrind_version();
  report.workload = to_json(spec);
  report.workload_hash = spec_hash(spec);
  report.seed = spec.seed;
  report.repetitions = spec.repetitions;
  for (const std::string& name : options.engines) {
    report::EngineResult result;
    result.name = name;
    for (std::uint32_t rep = 0; rep < spec.repetitions; ++rep)
      result.repetitions.push_back(
          run_repetition(name, spec, options, progress, rep, result, dumps));
    report.engines.push_back(std::move(result));
  }
  add_counts(report, dumps);
  for (report::EngineResult& engine : report.engines) report::aggregate(engine);
  return report;
}

}  // namespace heapstore::workload
