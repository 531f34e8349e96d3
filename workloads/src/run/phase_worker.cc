// The operation loop. Each operation is timed alone (two tick reads around the engine call);
// preparing values, choosing targets and checking results happen outside the timed region.
#include "phase_worker.h"

#include <cmath>
#include <string_view>

namespace heapstore::workload {
namespace {

// Streams of randomness per (phase, thread): sizes, targets, mix choices.
enum Stream : std::uint64_t { kSizes = 0, kTargets = 1, kMix = 2 };

std::uint64_t stream(std::uint32_t phase, std::uint32_t thread, Stream s) {
  return (std::uint64_t{phase} << 32) | (std::uint64_t{thread} << 8) | s;
}

Op mix_choice(const Mix& mix, double u) {
  if ((u -= mix.get) < 0) return Op::kGet;
  if ((u -= mix.update) < 0) return Op::kUpdate;
  if ((u -= mix.insert) < 0) return Op::kInsert;
  return Op::kDelete;
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

Key PhaseWorker::new_key(std::uint32_t container) {
  std::uint64_t id = ctx_.first_id + thread_ + inserts_++ * ctx_.phase.threads;
  if (id > Key::kMaxId)
    throw std::runtime_error("more than 2^40 values inserted in one repetition");
  return Key(container, id, sizes_.next());
}

// Duration phases read the clock every 64 operations or so, not after each one.
bool PhaseWorker::more(std::uint64_t done) {
  if (!ctx_.phase.duration) return done < quota_;
  if (done < next_clock_check_) return true;
  next_clock_check_ = done + 64;
  return TickClock::now() < ctx_.deadline_ticks;
}

void PhaseWorker::run() {
  std::uint64_t reported = 0;
  for (std::uint64_t done = 0; more(done);) {
    Op op = ctx_.phase.op == Op::kMix ? mix_choice(ctx_.phase.mix, mix_rng_.unit()) : ctx_.phase.op;
    done += step(
        op, ctx_.phase.count ? quota_ - done : std::max<std::uint64_t>(kBlock, ctx_.phase.batch));
    if (done - reported >= 256) {
      ctx_.done->fetch_add(done - reported, std::memory_order_relaxed);
      reported = done;
    }
  }
}

// `left`: operations the quota still allows (a batch may be cut short by it).
std::uint64_t PhaseWorker::step(Op op, std::uint64_t left) {
  bool needs_value = op == Op::kUpdate || op == Op::kDelete || op == Op::kGet;
  if (needs_value && keys_.empty()) op = Op::kInsert;  // nothing to act on yet: grow instead
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

void PhaseWorker::account(Timed op, std::uint64_t start, std::uint64_t bytes) {
  result_.latency[static_cast<std::size_t>(op)].record(TickClock::now() - start);
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
  std::uint64_t start = TickClock::now();
  Handle handle = ctx_.engine.update(key.container(), key.handle(), value_);
  account(Timed::kUpdate, start, size);
  key.set_updated(handle, size);
}

void PhaseWorker::remove() {
  std::size_t index = selector_.next(keys_.size());
  const Key& key = keys_[index];
  std::uint64_t start = TickClock::now();
  ctx_.engine.remove(key.container(), key.handle());
  account(Timed::kDelete, start, 0);
  keys_[index] = keys_.back();  // the newest takes the gap; deleting the newest is exact
  keys_.pop_back();
}

// Inserts run in blocks of up to kBlock, each value made just before its insert, with the clock
// read right before and right after the engine call, so a latency is the engine call alone; the
// latencies are recorded after the block. (Making every value first and timing the inserts back
// to back, one clock read between calls, was no cheaper: heapstore inserts made back to back run
// ~20% slower than with other work between them, cause unknown.)
std::uint64_t PhaseWorker::insert_block(std::uint64_t count) {
  count = std::min<std::uint64_t>(count, kBlock);
  EngineAdapter& engine = ctx_.engine;  // in a register: no loads between clock and call
  for (std::uint64_t i = 0; i < count; ++i) {
    Key key = new_key(next_container_);
    if (++next_container_ == ctx_.spec.containers) next_container_ = 0;  // round-robin
    fill_value(key.id(), 0, key.size(), value_);
    std::uint64_t start = TickClock::now();
    Handle handle = engine.insert(key.container(), value_);
    block_ticks_[i] = TickClock::now() - start;
    key.set_handle(handle);
    keys_.push_back(key);
    result_.bytes += key.size();
  }
  record_block(Timed::kInsert, count);
  result_.operations += count;
  return count;
}

void PhaseWorker::record_block(Timed op, std::uint64_t count) {
  Histogram& latency = result_.latency[static_cast<std::size_t>(op)];
  for (std::uint64_t i = 0; i < count; ++i) latency.record(block_ticks_[i]);
}

// Gets run in blocks of up to kBlock: the targets are chosen first, then the gets run back to
// back with one clock read each (the end of one is the start of the next, so each is still timed
// alone, and only the engine call lies between two reads), then they are recorded and checked.
// Back to back, the next get's first cache misses overlap the previous one's last.
std::uint64_t PhaseWorker::get_block(std::uint64_t count) {
  count = std::min<std::uint64_t>(count, kBlock);
  for (std::uint64_t i = 0; i < count; ++i) block_targets_[i] = selector_.next(keys_.size());
  EngineAdapter& engine = ctx_.engine;
  std::uint64_t last = TickClock::now();
  for (std::uint64_t i = 0; i < count; ++i) {
    const Key& key = keys_[block_targets_[i]];
    block_found_[i] = engine.get(key.container(), key.handle(), block_values_[i]);
    std::uint64_t now = TickClock::now();
    block_ticks_[i] = now - last;
    last = now;
  }
  record_block(Timed::kGet, count);
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
    result_.latency[static_cast<std::size_t>(Timed::kScan)].record(TickClock::now() - start);
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
