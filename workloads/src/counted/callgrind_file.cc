// Reading a Callgrind output file (parse_callgrind) and turning its counts into report metrics
// (add_counted_metrics). The format: valgrind's docs, "Callgrind Format Specification"
// (docs/manual/cl-format.html): header lines `events:`, `positions:`, `summary:`; per function
// `fn=(id) name` (the name only at an id's first use), cost lines "POSITION... EVENT...", and for
// each call `cfn=`, `calls=COUNT TARGET` followed by one cost line: the call's inclusive cost.
#include <array>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "meter.h"

namespace heapstore::workload {
namespace {

// Callgrind's event names and where each one goes.
constexpr std::pair<std::string_view, std::uint64_t Events::*> kEventFields[] = {
    {"Ir", &Events::ir},     {"I1mr", &Events::i1mr}, {"D1mr", &Events::d1mr},
    {"D1mw", &Events::d1mw}, {"ILmr", &Events::ilmr}, {"DLmr", &Events::dlmr},
    {"DLmw", &Events::dlmw},
};

// CountedEngine's methods (meter.cc) and the operation each one counts, as named in reports.
constexpr std::pair<std::string_view, std::string_view> kCountedMethods[] = {
    {"insert", "insert"},
    {"insert_batch", "insert_batch"},
    {"get", "get"},
    {"update", "update"},
    {"remove", "delete"},
    {"scan", "scan"},
    {"end_phase", "end_phase"},
};

// The operation a function name belongs to: "...CountedEngine::insert(unsigned int, ...)".
std::string_view op_of(std::string_view function) {
  constexpr std::string_view kClass = "CountedEngine::";
  const std::size_t at = function.find(kClass);
  if (at == std::string_view::npos) return {};
  std::string_view method = function.substr(at + kClass.size());
  method = method.substr(0, method.find('('));
  for (const auto& [name, op] : kCountedMethods)
    if (method == name) return op;
  return {};
}

bool starts_with(const std::string& line, std::string_view prefix) {
  return line.compare(0, prefix.size(), prefix) == 0;
}

class Parser {
 public:
  explicit Parser(std::string source) : source_(std::move(source)) {}

  void line(const std::string& text) {
    ++line_number_;
    if (expect_call_cost_) {
      expect_call_cost_ = false;
      if (!call_op_.empty()) {
        CountedPhase::PerOp& per_op = result_.per_op[std::string(call_op_)];
        per_op.calls += call_count_;
        per_op.events += costs(text);
      }
    } else if (starts_with(text, "events:")) {
      set_events(text.substr(7));
    } else if (starts_with(text, "positions:")) {
      positions_ = words(text.substr(10)).size();
    } else if (starts_with(text, "summary:")) {
      result_.total = costs(text.substr(8), 0);
      have_summary_ = true;
    } else if (starts_with(text, "fn=") || starts_with(text, "cfn=")) {
      const std::string_view name = function_name(text.substr(text.find('=') + 1));
      call_op_ = text[0] == 'c' ? op_of(name) : std::string_view();
    } else if (starts_with(text, "calls=")) {
      std::istringstream(text.substr(6)) >> call_count_;
      expect_call_cost_ = true;
    }
  }

  CountedPhase finish() const {
    if (events_.empty() || !have_summary_)
      throw std::runtime_error(source_ + ": not a Callgrind output file (no events or summary)");
    return result_;
  }

 private:
  static std::vector<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> result;
    for (std::string word; in >> word;) result.push_back(word);
    return result;
  }

  void set_events(const std::string& text) {
    events_.clear();
    for (const std::string& name : words(text)) {
      std::uint64_t Events::*field = nullptr;
      for (const auto& [known, member] : kEventFields)
        if (name == known) field = member;
      events_.push_back(field);
    }
  }

  // "(12) name" defines id 12; "(12)" refers to it; a bare name has no id.
  std::string_view function_name(const std::string& text) {
    if (text.empty() || text[0] != '(') return names_[text] = text;
    const std::size_t close = text.find(')');
    if (close == std::string::npos) fail("a function id without ')'");
    const std::string id = text.substr(1, close - 1);
    const std::size_t name = text.find_first_not_of(' ', close + 1);
    if (name != std::string::npos) names_[id] = text.substr(name);
    return names_[id];
  }

  // A cost line: `skip` position columns, then one number per event (missing ones are 0).
  Events costs(const std::string& text, std::size_t skip) const {
    std::istringstream in(text);
    std::string word;
    for (std::size_t i = 0; i < skip; ++i) in >> word;
    Events result;
    for (std::uint64_t Events::*field : events_) {
      std::uint64_t value = 0;
      if (!(in >> value)) break;
      if (field) result.*field = value;
    }
    return result;
  }
  Events costs(const std::string& text) const { return costs(text, positions_); }

  [[noreturn]] void fail(const std::string& problem) const {
    throw std::runtime_error(source_ + ":" + std::to_string(line_number_) + ": " + problem);
  }

  std::string source_;
  std::size_t line_number_ = 0;
  std::size_t positions_ = 1;                    // "positions: line" is the default
  std::vector<std::uint64_t Events::*> events_;  // per column; null for events not kept
  std::unordered_map<std::string, std::string> names_;
  std::string_view call_op_;  // the operation of the current cfn=, if any
  std::uint64_t call_count_ = 0;
  bool expect_call_cost_ = false;
  bool have_summary_ = false;
  CountedPhase result_;
};

}  // namespace

std::uint64_t Events::estimated_cycles() const {
  return ir + 10 * (i1mr + d1mr + d1mw) + 100 * (ilmr + dlmr + dlmw);
}

Events& Events::operator+=(const Events& other) {
  for (const auto& [name, field] : kEventFields) this->*field += other.*field;
  return *this;
}

CountedPhase parse_callgrind(std::istream& in, const std::string& source) {
  Parser parser(source);
  for (std::string line; std::getline(in, line);) parser.line(line);
  return parser.finish();
}

void add_counted_metrics(report::Metrics& metrics, const CountedPhase& counts) {
  metrics["instructions"] = static_cast<double>(counts.total.ir);
  metrics["estimated_cycles"] = static_cast<double>(counts.total.estimated_cycles());
  for (const auto& [op, per_op] : counts.per_op) {
    if (per_op.calls == 0) continue;
    const double calls = static_cast<double>(per_op.calls);
    metrics["instructions." + op + ".per_op"] = static_cast<double>(per_op.events.ir) / calls;
    metrics["estimated_cycles." + op + ".per_op"] =
        static_cast<double>(per_op.events.estimated_cycles()) / calls;
  }
}

}  // namespace heapstore::workload
