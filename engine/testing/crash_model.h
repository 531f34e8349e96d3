// A workload whose every value names itself ("k<key> v<version> " and bytes derived from both),
// so that what a crash left can be checked without the value ids the engine handed out: each key
// must be there at most once, at the version acknowledged as durable or one begun after it, and
// only absent if it was deleted after the acknowledgement. Shared by the crash tests, the crash
// properties and the kill -9 loop (ci/crash-loop.sh).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "heapstore/ids.h"
#include "heapstore/storage_manager.h"

namespace heapstore::testing {

// One change of the workload, decided before it is made.
struct CrashOp {
  enum class Kind : char { kInsert = 'I', kUpdate = 'U', kDelete = 'D' };
  Kind kind;
  std::uint64_t key;
  std::uint32_t version;  // the version written (insert: 0); a delete: the version deleted
  std::uint32_t size;     // bytes of the value written (0 for a delete)
};

// The value of `key` at `version`, `size` bytes long (at least the self-naming prefix).
std::string crash_value(std::uint64_t key, std::uint32_t version, std::size_t size);

// The key and version a value names, when its bytes are exactly crash_value's for them.
std::optional<std::pair<std::uint64_t, std::uint32_t>> parse_crash_value(std::string_view value);

// Deterministic inserts, updates that grow and shrink values (so that many move to another
// page) and deletes, over one container. Keeps the live keys with their versions and ids.
class CrashWorkload {
 public:
  CrashWorkload(std::uint64_t seed, ContainerId container, std::size_t max_value = 2000);

  // The next change, chosen from the seed and the live keys; not yet made.
  CrashOp next();
  // Makes `op` (from next()) on `store` and records its outcome. Throws what the store throws,
  // in which case the workload is unchanged.
  void apply(StorageManager& store, const CrashOp& op);

  // Live keys and their versions: the state a flush acknowledges.
  std::map<std::uint64_t, std::uint32_t> versions() const;
  ContainerId container() const { return container_; }

 private:
  struct Live {
    std::uint32_t version;
    ValueId id;
  };
  std::mt19937_64 rng_;
  ContainerId container_;
  std::size_t max_value_;
  std::uint64_t next_key_ = 0;
  std::map<std::uint64_t, Live> live_;
};

// What a recovered store must hold: the state acknowledged as durable, and the changes begun after
// it (each may or may not have survived).
struct CrashExpectation {
  std::map<std::uint64_t, std::uint32_t> acked;
  std::vector<CrashOp> after;
};

// Checks container `c` of a recovered `store` against `expected`: every value well formed, no key
// twice, each key at an allowed version, no acknowledged key missing unless deleted after, and
// the store's own counts agree. Returns the first violation, or nothing.
std::optional<std::string> check_recovered(StorageManager& store, ContainerId c,
                                           const CrashExpectation& expected);

// Text forms, for the kill -9 loop's files: "I 12 0 300" per op; "12 3" per acknowledged key.
std::string to_line(const CrashOp& op);
std::optional<CrashOp> op_from_line(std::string_view line);

}  // namespace heapstore::testing
