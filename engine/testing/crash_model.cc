// CrashWorkload and check_recovered (crash_model.h).
#include "crash_model.h"

#include <charconv>
#include <set>
#include <sstream>

namespace heapstore::testing {

std::string crash_value(std::uint64_t key, std::uint32_t version, std::size_t size) {
  std::string value = "k" + std::to_string(key) + " v" + std::to_string(version) + " ";
  std::uint64_t state = key * 0x9e3779b97f4a7c15u + version + 1;
  while (value.size() < size) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    value.push_back(static_cast<char>('a' + state % 26));
  }
  return value;
}

std::optional<std::pair<std::uint64_t, std::uint32_t>> parse_crash_value(std::string_view value) {
  std::uint64_t key = 0;
  std::uint32_t version = 0;
  if (!value.starts_with("k")) return std::nullopt;
  auto [after_key, ec1] = std::from_chars(value.data() + 1, value.data() + value.size(), key);
  if (ec1 != std::errc() || value.end() - after_key < 3 || after_key[0] != ' ' ||
      after_key[1] != 'v')
    return std::nullopt;
  auto [after_version, ec2] = std::from_chars(after_key + 2, value.data() + value.size(), version);
  if (ec2 != std::errc()) return std::nullopt;
  if (crash_value(key, version, value.size()) != value) return std::nullopt;
  return std::pair{key, version};
}

CrashWorkload::CrashWorkload(std::uint64_t seed, ContainerId container, std::size_t max_value)
    : rng_(seed), container_(container), max_value_(max_value) {}

CrashOp CrashWorkload::next() {
  auto size = [&] { return static_cast<std::uint32_t>(20 + rng_() % (max_value_ - 20)); };
  const unsigned roll = static_cast<unsigned>(rng_() % 10);
  if (live_.empty() || roll < 5) return {CrashOp::Kind::kInsert, next_key_, 0, size()};
  auto it = live_.lower_bound(rng_() % next_key_);
  if (it == live_.end()) it = live_.begin();
  if (roll < 8) return {CrashOp::Kind::kUpdate, it->first, it->second.version + 1, size()};
  return {CrashOp::Kind::kDelete, it->first, it->second.version, 0};
}

void CrashWorkload::apply(StorageManager& store, const CrashOp& op) {
  switch (op.kind) {
    case CrashOp::Kind::kInsert: {
      ValueId id = store.insert_value(container_, crash_value(op.key, 0, op.size));
      live_[op.key] = {0, id};
      next_key_ = std::max(next_key_, op.key + 1);
      break;
    }
    case CrashOp::Kind::kUpdate: {
      Live& live = live_.at(op.key);
      live.id = store.update_value(live.id, crash_value(op.key, op.version, op.size));
      live.version = op.version;
      break;
    }
    case CrashOp::Kind::kDelete:
      store.delete_value(live_.at(op.key).id);
      live_.erase(op.key);
      break;
  }
}

std::map<std::uint64_t, std::uint32_t> CrashWorkload::versions() const {
  std::map<std::uint64_t, std::uint32_t> out;
  for (const auto& [key, live] : live_) out[key] = live.version;
  return out;
}

namespace {

// The versions each key may have after the crash, and whether it may be absent.
struct Allowed {
  std::set<std::uint32_t> versions;
  bool may_be_absent = true;
};

std::map<std::uint64_t, Allowed> allowed_states(const CrashExpectation& expected) {
  std::map<std::uint64_t, Allowed> allowed;
  for (const auto& [key, version] : expected.acked) allowed[key] = {{version}, false};
  for (const CrashOp& op : expected.after) {
    Allowed& a = allowed[op.key];
    if (op.kind == CrashOp::Kind::kDelete) a.may_be_absent = true;
    if (op.kind != CrashOp::Kind::kDelete) a.versions.insert(op.version);
  }
  return allowed;
}

}  // namespace

std::optional<std::string> check_recovered(StorageManager& store, ContainerId c,
                                           const CrashExpectation& expected) {
  std::map<std::uint64_t, Allowed> allowed = allowed_states(expected);
  std::map<std::uint64_t, std::uint32_t> found;
  std::uint64_t values = 0;
  for (Scan scan = store.scan(c); scan.valid(); scan.next(), ++values) {
    auto named = parse_crash_value(scan.value());
    std::string at = to_string(scan.id());
    if (!named)
      return at + ": a value the workload never wrote (" + std::to_string(scan.value().size()) +
             " bytes)";
    auto [key, version] = *named;
    if (!found.emplace(key, version).second)
      return "key " + std::to_string(key) + " is there twice (v" + std::to_string(found[key]) +
             " and v" + std::to_string(version) + " at " + at + ")";
    auto a = allowed.find(key);
    if (a == allowed.end() || !a->second.versions.contains(version))
      return at + ": key " + std::to_string(key) + " at v" + std::to_string(version) +
             ", which was neither acknowledged nor written after";
    if (store.get_value(scan.id()) != scan.value()) return at + ": get_value differs from the scan";
  }
  for (const auto& [key, a] : allowed)
    if (!a.may_be_absent && !found.contains(key))
      return "key " + std::to_string(key) + " (acknowledged at v" +
             std::to_string(expected.acked.at(key)) + ") is lost";
  if (store.stats().live_values != values)
    return "stats count " + std::to_string(store.stats().live_values) + " values, a scan finds " +
           std::to_string(values);
  return std::nullopt;
}

std::string to_line(const CrashOp& op) {
  std::ostringstream out;
  out << static_cast<char>(op.kind) << ' ' << op.key << ' ' << op.version << ' ' << op.size;
  return out.str();
}

std::optional<CrashOp> op_from_line(std::string_view line) {
  std::istringstream in{std::string(line)};
  char kind = 0;
  CrashOp op{};
  if (!(in >> kind >> op.key >> op.version >> op.size)) return std::nullopt;
  if (kind != 'I' && kind != 'U' && kind != 'D') return std::nullopt;
  op.kind = static_cast<CrashOp::Kind>(kind);
  return op;
}

}  // namespace heapstore::testing
