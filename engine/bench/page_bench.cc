// Micro-benchmarks of one slotted page: add, get, delete (from the front and from the end) and
// iterate. Work that changes a page runs on a batch of page copies per iteration; the copies are
// restored outside the timed region, so one PauseTiming serves thousands of operations.
//
// Reported: items_per_second (operations/s) and per_op (seconds per operation, shown as ns).
// The engine claims BM_PageDelete/end is within 1.2x of BM_PageDelete/front.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "page.h"

namespace heapstore {
namespace {

constexpr std::size_t kBatchPages = 64;  // 256 KiB of pages: fits in L2, big enough to amortise

// Adds copies of `value` to `page` until it is full; returns how many it took.
std::size_t fill(Page& page, std::string_view value) {
  std::size_t added = 0;
  while (page.add_value(value)) ++added;
  return added;
}

Page full_page(std::size_t value_size) {
  Page page;
  fill(page, std::string(value_size, 'v'));
  return page;
}

// Reports `ops` operations per iteration as items/s and as seconds per operation.
void report_ops(benchmark::State& state, std::size_t ops) {
  const auto per_iteration = static_cast<double>(ops);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(ops));
  state.counters["per_op"] = benchmark::Counter(
      per_iteration, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// Runs `work` (which changes a page and returns how many operations it did) on each of a batch of
// copies of `initial` per iteration, restoring the copies untimed. Checks every page did
// `ops_per_page` operations and reports them.
template <typename Work>
void run_on_page_batches(benchmark::State& state, const Page& initial, std::size_t ops_per_page,
                         Work work) {
  std::vector<Page> pages(kBatchPages, initial);
  std::size_t ops = 0;
  for (auto _ : state) {
    for (Page& page : pages) ops += work(page);
    state.PauseTiming();
    std::fill(pages.begin(), pages.end(), initial);
    state.ResumeTiming();
  }
  if (ops != static_cast<std::size_t>(state.iterations()) * kBatchPages * ops_per_page) {
    state.SkipWithError("a page did fewer operations than expected");
  }
  report_ops(state, kBatchPages * ops_per_page);
}

// Fills fresh pages with values of range(0) bytes; the failed add that finds a page full is
// part of the cost.
void BM_PageAddValue(benchmark::State& state) {
  const std::string value(static_cast<std::size_t>(state.range(0)), 'v');
  const std::size_t per_page = full_page(value.size()).value_count();
  run_on_page_batches(state, Page(), per_page, [&](Page& page) { return fill(page, value); });
}
BENCHMARK(BM_PageAddValue)->ArgName("bytes")->Arg(100);

enum class DeleteOrder { kFront, kEnd };

// Deletes every value of a full page of 10-byte values, lowest slot first or highest slot first.
void BM_PageDelete(benchmark::State& state, DeleteOrder order) {
  const Page initial = full_page(10);
  const std::size_t count = initial.slot_count();
  run_on_page_batches(state, initial, count, [&](Page& page) {
    std::size_t deleted = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t slot = order == DeleteOrder::kFront ? i : count - 1 - i;
      deleted += page.delete_value(static_cast<SlotId>(slot));
    }
    return deleted;
  });
}
BENCHMARK_CAPTURE(BM_PageDelete, front, DeleteOrder::kFront);
BENCHMARK_CAPTURE(BM_PageDelete, end, DeleteOrder::kEnd);

// Reads every slot of a full page of range(0)-byte values.
void BM_PageGetValue(benchmark::State& state) {
  const Page page = full_page(static_cast<std::size_t>(state.range(0)));
  const auto count = static_cast<SlotId>(page.slot_count());
  for (auto _ : state) {
    for (SlotId slot = 0; slot < count; ++slot) benchmark::DoNotOptimize(page.get_value(slot));
  }
  report_ops(state, count);
}
BENCHMARK(BM_PageGetValue)->ArgName("bytes")->Arg(10)->Arg(100);

// Iterates over a full page of range(0)-byte values, touching each value's length.
void BM_PageIterate(benchmark::State& state) {
  const Page page = full_page(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::size_t bytes = 0;
    for (const Page::Entry& entry : page) bytes += entry.value.size();
    benchmark::DoNotOptimize(bytes);
  }
  report_ops(state, page.value_count());
}
BENCHMARK(BM_PageIterate)->ArgName("bytes")->Arg(10)->Arg(100);

}  // namespace
}  // namespace heapstore
