// workload_spec_fuzzer: any bytes as a workload file through workload::parse_spec. It must return
// a Spec or throw SpecError whose message starts with the file's name; any other exception or a
// crash is a bug (only SpecError is caught, so libFuzzer reports anything else). Lines
// "#set KEY=VALUE" (YAML comments) are also passed as --set overrides. A loaded Spec must survive
// the round trip through to_json(), "a valid workload file": it loads again to the same JSON and
// the same spec_hash. The bytes are also read as a .json file (strict JSON, then the same).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "spec.h"

namespace {

using heapstore::fuzz::fail;
namespace workload = heapstore::workload;

constexpr std::string_view kSetPrefix = "#set ";
constexpr std::size_t kMaxOverrides = 4;

std::vector<std::string> overrides_in(std::string_view text) {
  std::vector<std::string> overrides;
  for (std::size_t at = 0; at < text.size() && overrides.size() < kMaxOverrides;) {
    std::size_t end = std::min(text.find('\n', at), text.size());
    std::string_view line = text.substr(at, end - at);
    if (line.starts_with(kSetPrefix)) overrides.emplace_back(line.substr(kSetPrefix.size()));
    at = end + 1;
  }
  return overrides;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {  // the same bytes as a .json file: strict JSON first, then the same reading
    workload::parse_spec(text, "fuzz.json", overrides_in(text));
  } catch (const workload::SpecError& e) {
    HS_FUZZ_CHECK(std::string_view(e.what()).starts_with("fuzz.json"), e.what());
  }
  workload::Spec spec;
  try {
    spec = workload::parse_spec(text, "fuzz.yaml", overrides_in(text));
  } catch (const workload::SpecError& e) {
    HS_FUZZ_CHECK(std::string_view(e.what()).starts_with("fuzz.yaml"), e.what());
    return 0;
  }
  std::string json = workload::to_json(spec).dump();  // throws on text that is not UTF-8
  try {
    workload::Spec again = workload::parse_spec(json, "round-trip.json");
    HS_FUZZ_CHECK(workload::to_json(again) == workload::to_json(spec),
                  "to_json changed in a round trip: " + json);
    HS_FUZZ_CHECK(workload::spec_hash(again) == workload::spec_hash(spec), json);
  } catch (const workload::SpecError& e) {
    fail(std::string("to_json gave a workload file that does not load: ") + e.what() + "\n" + json);
  }
  return 0;
}
