// The operation loop. A sampled operation is timed alone (two tick reads around the engine
// call); the others are not timed at all, so throughput, measured over the whole phase, is the
// engine's. Preparing values, choosing targets and checking results happen outside the timed
// region.
#include "phase_worker.h"

#include <chrono>
#include <cmath>
#include <string_view>
#include <thread>

namespace heapstore::workload {
namespace {

// Streams of randomness per (phase, thread): sizes, targets, mix choices.
enum Stream : std::uint64_t { kSizes = 0, kTargets = 1, kMix = 2, kSample = 3 };

std::uint64_t stream(std::uint32_t phase, std::uint32_t thread, Stream s) {
  return (std::uint64_t{phase} << 32) | (std::uint64_t{thread} << 8) | s;
}

// The op whose share of the mix `u` (uniform in [0, 1)) falls in, in kOpTable's order.
Op mix_choice(const Mix& mix, double u) {
  Op last = Op::kInsert;
  for (const OpInfo& op : kOpTable) {
    if (mix[op.op] <= 0) continue;
    if ((u -= mix[op.op]) < 0) return op.op;
    last = op.op;  // rounding left u at or above 0 after every share: the last one
  }
  return last;
}

}  // namespace

void Key::throw_handle_too_large(Handle handle) {
  throw std::runtime_error("engine returned handle " + std::to_string(handle) +
                           ", which does not fit in 48 bits");
}

Expected expected_of(const std::vector<Key>& keys) {
  Expected e;
  for (const Key& k : keys) {
    e.per_container[k.container()].values += 1;
    e.per_container[k.container()].bytes += k.size();
  }
  return e;
}

PhaseWorker::PhaseWorker(const PhaseContext& context, std::uint32_t thread, std::vector<Key> keys,
                         std::uint64_t quota)
    : ctx_(context),
      keys_(std::move(keys)),
      quota_(quota),
      sizes_(context.phase.value_size,
             derive_seed(context.spec.seed, stream(context.phase_index, thread, kSizes))),
      selector_(context.phase.select,
                derive_seed(context.spec.seed, stream(context.phase_index, thread, kTargets))),
      mix_rng_(derive_seed(context.spec.seed, stream(context.phase_index, thread, kMix))),
      sampler_(context.sample_every,
               derive_seed(context.spec.seed, stream(context.phase_index, thread, kSample))),
      thread_(thread),
      gets_until_full_check_(full_check_period()) {
  if (context.phase.op != Op::kInsert) return;
  // Room for every insert, touched now: neither regrowth nor the page faults of fresh memory
  // land in the timed loop.
  std::size_t live = keys_.size();
  try {
    keys_.resize(live + quota);
  } catch (const std::exception&) {  // std::bad_alloc or std::length_error
    const double gib = static_cast<double>(quota) * sizeof(Key) / (1 << 30);
    throw std::runtime_error("phase " + context.phase.name + ": keeping track of " +
                             std::to_string(quota) + " more values takes " +
                             std::to_string(static_cast<std::uint64_t>(std::ceil(gib))) +
                             " GiB, more than this machine could allocate");
  }
  keys_.resize(live);
}

[[noreturn, gnu::cold, gnu::noinline]] void throw_too_many_values() {
  throw std::runtime_error("more than 2^31 values inserted in one repetition");
}

// Inline, with its throw out of line: it runs once per insert, beside a 20 ns engine call.
inline Key PhaseWorker::new_key(std::uint32_t container) {
  std::uint64_t id = ctx_.first_id + thread_ + inserts_++ * ctx_.phase.threads;
  if (id > Key::kMaxId) [[unlikely]]
    throw_too_many_values();
  return Key(container, id, sizes_.next());
}

// Duration phases read the clock every 64 operations or so, not after each one.
bool PhaseWorker::more(std::uint64_t done) {
  if (!ctx_.phase.duration) return done < quota_;
  if (done < next_clock_check_) return true;
  next_clock_check_ = done + 64;
  return TickClock::now() < ctx_.deadline_ticks;
}

void PhaseWorker::wait_until_due() const {
  const auto due = static_cast<std::uint64_t>(due_);
  for (std::uint64_t now = TickClock::now(); now < due; now = TickClock::now()) {
    const double ahead_ns = static_cast<double>(due - now) * TickClock::ns_per_tick();
    if (ahead_ns > 100'000)  // sleep while far ahead; spin the last stretch (sleeps overshoot)
      std::this_thread::sleep_for(
          std::chrono::nanoseconds(static_cast<std::int64_t>(ahead_ns) / 2));
  }
}

void PhaseWorker::run() {
  std::uint64_t reported = 0;
  const bool paced = ctx_.ticks_per_op > 0;
  due_ = static_cast<double>(ctx_.start_ticks);
  for (std::uint64_t done = 0; more(done);) {
    Op op = ctx_.phase.op == Op::kMix ? mix_choice(ctx_.phase.mix, mix_rng_.unit()) : ctx_.phase.op;
    std::uint64_t left =
        ctx_.phase.count ? quota_ - done : std::max<std::uint64_t>(kBlock, ctx_.phase.batch);
    if (paced) {
      left = std::min<std::uint64_t>(left, ctx_.phase.batch);  // one call at a time
      wait_until_due();
    }
    const std::uint64_t ops = step(op, left);
    done += ops;
    due_ += ctx_.ticks_per_op * static_cast<double>(ops);
    if (done - reported >= 256) {
      ctx_.done->fetch_add(done - reported, std::memory_order_relaxed);
      reported = done;
    }
  }
}

// `left`: operations the quota still allows (a batch may be cut short by it).
std::uint64_t PhaseWorker::step(Op op, std::uint64_t left) {
  if (op_info(op).needs_live_value && keys_.empty()) op = Op::kInsert;  // nothing yet: grow
  switch (op) {
    case Op::kInsert:
      if (ctx_.phase.batch > 1)
        return insert_batch(std::min<std::uint64_t>(ctx_.phase.batch, left));
      return insert_block(ctx_.phase.op == Op::kInsert ? left : 1);
    case Op::kUpdate:
      update();
      break;
    case Op::kDelete:
      remove();
      break;
    case Op::kReadModifyWrite:
      read_modify_write();
      break;
    case Op::kGet:
      return get_block(ctx_.phase.op == Op::kGet ? left : 1);
    case Op::kScan:
      scan();
      break;
    case Op::kMix:  // never reached: run() turns a mix into one of the others
      break;
  }
  return 1;
}

void WorkerResult::merge(const WorkerResult& other) {
  for (std::size_t k = 0; k < latency.size(); ++k) latency[k].merge(other.latency[k]);
  if (intervals.size() < other.intervals.size()) intervals.resize(other.intervals.size());
  for (std::size_t i = 0; i < other.intervals.size(); ++i) intervals[i].merge(other.intervals[i]);
  operations += other.operations;
  bytes += other.bytes;
}

// Open loop: a latency runs from the operation's intended start, which is never after `start`.
void PhaseWorker::record(Timed op, std::uint64_t start) {
  if (ctx_.ticks_per_op > 0) start = std::min(start, static_cast<std::uint64_t>(due_));
  const std::uint64_t end = TickClock::now();
  result_.latency[static_cast<std::size_t>(op)].record(end - start);
  const std::uint64_t interval = (end - ctx_.start_ticks) / ctx_.interval_ticks;
  if (interval < (1u << 20)) {  // a clock that jumped is left out of the series, not allocated
    if (interval >= result_.intervals.size()) result_.intervals.resize(interval + 1);
    result_.intervals[interval].record(end - start);
  }
}

void PhaseWorker::account(Timed op, std::uint64_t start, std::uint64_t bytes) {
  record(op, start);
  result_.operations += 1;
  result_.bytes += bytes;
}

// Values of one batch all go to one container, so the batch path of the engine is used.
std::uint64_t PhaseWorker::insert_batch(std::uint64_t count) {
  std::vector<std::string> values(count);
  std::vector<std::string_view> views;
  std::vector<Key> batch;
  std::uint32_t container = next_container_;
  if (++next_container_ == ctx_.spec.containers) next_container_ = 0;  // round-robin
  for (std::string& v : values) {
    batch.push_back(new_key(container));
    fill_value(batch.back().id(), 0, batch.back().size(), v);
    views.push_back(v);
  }
  std::vector<Handle> handles;
  std::uint64_t start = TickClock::now();
  ctx_.engine.insert_batch(container, views, handles);
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i].set_handle(handles.at(i));
    bytes += batch[i].size();
    keys_.push_back(batch[i]);
  }
  account(Timed::kInsertBatch, start, bytes);
  result_.operations += count - 1;  // account() counted the batch as one
  return count;
}

void PhaseWorker::update() {
  Key& key = keys_[selector_.next(keys_.size())];
  std::uint32_t size =
      ctx_.phase.growth ? grown_size(key.size(), *ctx_.phase.growth) : sizes_.next();
  fill_value(key.id(), key.next_version(), size, value_);
  Handle handle;
  if (sampler_.take()) {
    std::uint64_t start = TickClock::now();
    handle = ctx_.engine.update(key.container(), key.handle(), value_);
    record(Timed::kUpdate, start);
  } else {
    handle = ctx_.engine.update(key.container(), key.handle(), value_);
  }
  result_.operations += 1;
  result_.bytes += size;
  key.set_updated(handle, size);
}

// A get of a value and an update of it, timed as one operation; the bytes read are checked
// (outside the timed part) against the version the update replaces.
void PhaseWorker::read_modify_write() {
  Key& key = keys_[selector_.next(keys_.size())];
  std::uint32_t size =
      ctx_.phase.growth ? grown_size(key.size(), *ctx_.phase.growth) : sizes_.next();
  fill_value(key.id(), key.next_version(), size, value_);
  const bool timed = sampler_.take();
  const std::uint64_t start = timed ? TickClock::now() : 0;
  const bool found = ctx_.engine.get(key.container(), key.handle(), got_);
  Handle handle = found ? ctx_.engine.update(key.container(), key.handle(), value_) : 0;
  if (timed) record(Timed::kReadModifyWrite, start);
  if (!found)
    throw CorrectnessError("read_modify_write of value " + std::to_string(key.id()) +
                           " in container " + std::to_string(key.container()) + " found nothing");
  check_value(key, got_, true, scratch_);
  result_.operations += 1;
  result_.bytes += got_.size() + size;
  key.set_updated(handle, size);
}

void PhaseWorker::remove() {
  std::size_t index = selector_.next(keys_.size());
  const Key& key = keys_[index];
  if (sampler_.take()) {
    std::uint64_t start = TickClock::now();
    ctx_.engine.remove(key.container(), key.handle());
    record(Timed::kDelete, start);
  } else {
    ctx_.engine.remove(key.container(), key.handle());
  }
  result_.operations += 1;
  keys_[index] = keys_.back();  // the newest takes the gap; deleting the newest is exact
  keys_.pop_back();
}

// Inserts run in blocks of up to kBlock, each value made just before its insert; a sampled
// insert has the clock read right before and right after the engine call, so its latency is the
// engine call alone.
std::uint64_t PhaseWorker::insert_block(std::uint64_t count) {
  count = std::min<std::uint64_t>(count, kBlock);
  // Locals, not members: the stores of the loop would make the compiler reload members.
  EngineAdapter& engine = ctx_.engine;
  const std::uint32_t containers = ctx_.spec.containers;
  std::uint32_t container = next_container_;
  std::uint64_t bytes = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    Key key = new_key(container);
    if (++container == containers) container = 0;  // round-robin
    fill_value(key.id(), 0, key.size(), value_);
    Handle handle;
    if (sampler_.take()) [[unlikely]] {
      std::uint64_t start = TickClock::now();
      handle = engine.insert(key.container(), value_);
      record(Timed::kInsert, start);
    } else {
      handle = engine.insert(key.container(), value_);
    }
    key.set_handle(handle);
    keys_.push_back(key);
    bytes += key.size();
  }
  next_container_ = container;
  result_.bytes += bytes;
  result_.operations += count;
  return count;
}

// Gets run in blocks of up to kBlock: the targets are chosen first, then the gets run back to
// back (the next get's first cache misses overlap the previous one's last), then they are
// checked.
std::uint64_t PhaseWorker::get_block(std::uint64_t count) {
  count = std::min<std::uint64_t>(count, kBlock);
  for (std::uint64_t i = 0; i < count; ++i) block_targets_[i] = selector_.next(keys_.size());
  EngineAdapter& engine = ctx_.engine;
  for (std::uint64_t i = 0; i < count; ++i) {
    const Key& key = keys_[block_targets_[i]];
    if (sampler_.take()) {
      std::uint64_t start = TickClock::now();
      block_found_[i] = engine.get(key.container(), key.handle(), block_values_[i]);
      record(Timed::kGet, start);
    } else {
      block_found_[i] = engine.get(key.container(), key.handle(), block_values_[i]);
    }
  }
  for (std::uint64_t i = 0; i < count; ++i) got(i);
  result_.operations += count;
  return count;
}

void PhaseWorker::got(std::uint64_t i) {
  const Key& key = keys_[block_targets_[i]];
  if (!block_found_[i])
    throw CorrectnessError("get of value " + std::to_string(key.id()) + " in container " +
                           std::to_string(key.container()) + " found nothing");
  result_.bytes += block_values_[i].size();
  bool full = --gets_until_full_check_ == 0;  // a countdown: a % here cost ~10% of a get
  if (full) gets_until_full_check_ = full_check_period();
  check_value(key, block_values_[i], full, value_);
}

// One get in this many is compared byte for byte.
std::uint32_t PhaseWorker::full_check_period() const {
  return std::max<std::uint32_t>(1, ctx_.verify_every);
}

void check_bytes(const Key& key, const std::string& got, std::string& scratch) {
  fill_value(key.id(), key.version(), key.size(), scratch);
  if (got != scratch)
    throw CorrectnessError("get of value " + std::to_string(key.id()) + " (version " +
                           std::to_string(key.version()) + ") returned " +
                           std::to_string(got.size()) + " bytes that differ from the " +
                           std::to_string(key.size()) + " written");
}

// One full scan of every container, each checked against what must be there.
void PhaseWorker::scan() {
  for (const auto& [container, want] : ctx_.expected->per_container) {
    std::uint64_t start = TickClock::now();
    ScanTotals got = ctx_.engine.scan(container);
    record(Timed::kScan, start);
    result_.operations += got.values;
    result_.bytes += got.bytes;
    check_scan(container, got, want);
  }
}

void check_scan(std::uint32_t container, const ScanTotals& got, const ScanTotals& want) {
  if (got.values != want.values || got.bytes != want.bytes)
    throw CorrectnessError("scan of container " + std::to_string(container) + " returned " +
                           std::to_string(got.values) + " values of " + std::to_string(got.bytes) +
                           " bytes, expected " + std::to_string(want.values) + " of " +
                           std::to_string(want.bytes));
}

}  // namespace heapstore::workload
