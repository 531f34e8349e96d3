// One thread's share of one phase: the operation loop, a random sample of its operations timed
// one by one, and the model of the values that thread owns. Internal to the runner.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine_adapter.h"
#include "generators.h"
#include "histogram.h"
#include "key.h"
#include "spec.h"

namespace heapstore::workload {

// Values per container expected by a scan.
struct Expected {
  std::map<std::uint32_t, ScanTotals> per_container;
};
Expected expected_of(const std::vector<Key>& keys);

// Thrown when an engine returns something other than what was written.
class CorrectnessError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws CorrectnessError unless `got` holds the bytes last written for `key`, every one of them.
// `scratch` is reused for the expected bytes.
void check_bytes(const Key& key, const std::string& got, std::string& scratch);

// Throws CorrectnessError unless `got` holds the bytes last written for `key`: its size always,
// every byte when `full`. Inline: every get checks the size.
inline void check_value(const Key& key, const std::string& got, bool full, std::string& scratch) {
  if (got.size() != key.size() || full) check_bytes(key, got, scratch);
}

// Throws CorrectnessError unless a scan of `container` returns exactly `want`.
void check_scan(std::uint32_t container, const ScanTotals& got, const ScanTotals& want);

// Everything a worker shares with the others and with the runner's progress display.
struct PhaseContext {
  EngineAdapter& engine;
  const Spec& spec;
  const Phase& phase;
  std::uint32_t phase_index = 0;
  std::uint32_t verify_every = 64;             // one get in this many is compared byte for byte
  const Expected* expected = nullptr;          // for scans: what every container must hold
  std::atomic<std::uint64_t>* done = nullptr;  // operations finished, for progress
  std::uint64_t deadline_ticks = 0;            // duration phases: TickClock time to stop
  std::uint64_t first_id = 0;                  // ids of this phase's inserts start here
  std::uint32_t sample_every = 1;              // one operation in this many is timed (on average)
  std::uint64_t start_ticks = 0;               // when the phase's timed part began
  std::uint64_t interval_ticks = UINT64_MAX;   // the time series' interval
  double ticks_per_op = 0;  // open loop: each thread's operations are due this far apart
};

// Chooses which operations are timed: one in `every` on average, at random gaps uniform in
// [1, 2 * every - 1], so that no periodic pattern of the workload lines up with the sample.
// `every` 1 times each operation. take() is a decrement and a branch: all an untimed operation
// pays.
class Sampler {
 public:
  Sampler(std::uint32_t every, std::uint64_t seed) : every_(every), rng_(seed), left_(gap()) {}
  bool take() {
    if (--left_ != 0) return false;
    left_ = gap();
    return true;
  }

 private:
  std::uint64_t gap() { return every_ <= 1 ? 1 : 1 + rng_.below(2 * std::uint64_t{every_} - 1); }

  std::uint32_t every_;
  Rng rng_;
  std::uint64_t left_;
};

// What latency is recorded per: the ops of a workload, and batches of inserts.
enum class Timed { kInsert, kInsertBatch, kUpdate, kDelete, kGet, kReadModifyWrite, kScan, kCount };
inline constexpr const char* kTimedNames[] = {"insert", "insert_batch",      "update", "delete",
                                              "get",    "read_modify_write", "scan"};

struct WorkerResult {
  std::array<Histogram, static_cast<std::size_t>(Timed::kCount)> latency;  // ticks
  std::vector<Histogram> intervals;  // every op's latencies, per interval of the time series
  std::uint64_t operations = 0;
  std::uint64_t bytes = 0;  // value bytes written or read

  void merge(const WorkerResult& other);  // adds `other`'s operations, bytes and latencies
};

class PhaseWorker {
 public:
  // `keys` are the values this thread may touch; `quota` its share of the phase's count (unused
  // for duration phases).
  PhaseWorker(const PhaseContext& context, std::uint32_t thread, std::vector<Key> keys,
              std::uint64_t quota);

  // Runs the loop; throws CorrectnessError or the engine's exception.
  void run();

  WorkerResult& result() { return result_; }
  std::vector<Key>& keys() { return keys_; }
  // Inserts made so far. Thread t of T gives its k-th insert the id first_id + t + k * T, so a
  // phase uses the ids below first_id + T * (the most any of its threads inserted).
  std::uint64_t inserts() const { return inserts_; }

 private:
  bool more(std::uint64_t done);
  void wait_until_due() const;  // open loop: until the next operation's intended start
  std::uint64_t step(Op op, std::uint64_t left);    // returns the operations done
  std::uint64_t insert_block(std::uint64_t count);  // returns the operations done
  std::uint64_t get_block(std::uint64_t count);     // likewise
  void got(std::uint64_t i);
  std::uint64_t insert_batch(std::uint64_t values);
  void update();
  void read_modify_write();
  void remove();
  void scan();
  void account(Timed op, std::uint64_t start, std::uint64_t bytes);
  void record(Timed op, std::uint64_t start);  // the latency of an operation begun at `start`
  std::uint32_t full_check_period() const;
  Key new_key(std::uint32_t container);

  const PhaseContext& ctx_;
  std::vector<Key> keys_;
  std::uint64_t quota_;
  SizeGenerator sizes_;
  Selector selector_;
  Rng mix_rng_;
  Sampler sampler_;
  double due_ = 0;  // open loop: when the current operation was meant to start, in ticks
  std::uint32_t thread_;
  std::uint64_t inserts_ = 0;
  std::uint32_t next_container_ = 0;  // where the next insert (or batch) goes
  std::uint32_t gets_until_full_check_;
  std::uint64_t next_clock_check_ = 0;
  std::string value_, got_, scratch_;
  WorkerResult result_;

  static constexpr std::uint64_t kBlock = 32;
  std::array<std::uint64_t, kBlock> block_targets_;  // indexes into keys_ of gets being made
  std::array<std::string, kBlock> block_values_;     // bytes read
  std::array<bool, kBlock> block_found_{};
};

}  // namespace heapstore::workload
