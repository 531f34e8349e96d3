// check_store and inspect_container: the store read as untrusted bytes, never written.
#include "heapstore/check.h"

#include <algorithm>
#include <set>

#include "catalog.h"
#include "free_space_file.h"
#include "heap_file.h"
#include "heapstore/error.h"
#include "inspect.h"
#include "log.h"

namespace heapstore {
namespace {

std::string container_name(ContainerId id) { return "container " + std::to_string(id); }

std::string path_of(const std::string& dir, ContainerId id) {
  return dir + "/" + catalog::container_file(id);
}

// Opens a container's file as a heap file covering every whole page, plus a partial last one
// when `with_partial` (so that inspection can show it).
std::unique_ptr<HeapFile> open_heap(FileSystem& fs, const std::string& dir, ContainerId id,
                                    bool with_partial, std::uint64_t* size) {
  auto file = fs.open(path_of(dir, id), false);
  *size = file->size();
  PageNo pages = HeapFile::pages_in(*file);
  if (with_partial && *size % kPageSize != 0) ++pages;
  return std::make_unique<HeapFile>(id, std::move(file), pages);
}

// The free-space map the catalog entry leads to: inline (a version 2 catalog), or its free-space
// file when that is whole and of this checkpoint; nothing otherwise (rebuilt from the pages when
// the store needs it).
std::optional<std::vector<std::uint16_t>> saved_free_space(FileSystem& fs, const std::string& dir,
                                                           const catalog::ContainerEntry& entry) {
  if (entry.pages == 0 || !entry.inline_free_space.empty()) return entry.inline_free_space;
  return free_space_file::read(fs, dir, entry.id, entry.free_space_seq, entry.pages);
}

struct Counts {
  std::uint64_t values = 0, bytes = 0;
};

// Pages the log since the last checkpoint rebuilds when the store is next opened.
using Rebuilt = std::set<std::pair<ContainerId, PageNo>>;

// Reads the log named by the catalog: the pages it rebuilds, and whether it holds any change.
bool read_log(FileSystem& fs, const std::string& dir, const catalog::Catalog& cat, Rebuilt& rebuilt,
              CheckReport& report) {
  try {
    LogContents log =
        read_log_file(fs, dir + "/" + log_file_name(cat.log_seq), cat.log_seq, cat.redo_lsn);
    decode_ops(log.ops, cat.redo_lsn, [&](Lsn, const Op& op) {
      for (const Change& change : op.changes) rebuilt.insert({op.container, change.page});
    });
    if (log.ops.empty()) return false;
    report.notes.push_back("the log holds " + std::to_string(log.ops.size()) +
                           " bytes of changes since the last checkpoint: the store was not "
                           "closed (or is open), and opening it replays them");
    return true;
  } catch (const Error& e) {
    report.problems.push_back(e.what());
    return true;
  }
}

// Every page of one container; with a catalog entry the log has not changed since, their
// agreement with it (C4, F1). Damage to a page the log rebuilds is noted, not a problem.
void check_container(FileSystem& fs, const std::string& dir, ContainerId id,
                     const catalog::ContainerEntry* entry, const Rebuilt& rebuilt,
                     CheckReport& report) {
  if (!fs.exists(path_of(dir, id))) {
    report.problems.push_back(container_name(id) + ": file " + path_of(dir, id) +
                              " is missing (C2)");
    return;
  }
  std::uint64_t size = 0;
  auto heap = open_heap(fs, dir, id, false, &size);
  if (size % kPageSize != 0)
    report.problems.push_back(container_name(id) + ": file ends with a partial page of " +
                              std::to_string(size % kPageSize) + " bytes (H3)");
  if (entry && entry->pages != heap->page_count())
    report.problems.push_back(container_name(id) + ": the catalog says " +
                              std::to_string(entry->pages) + " pages, the file holds " +
                              std::to_string(heap->page_count()) + " (C4)");
  std::vector<std::uint16_t> free_space;
  if (entry) {
    auto saved = saved_free_space(fs, dir, *entry);
    if (saved) free_space = std::move(*saved);
    if (!saved)
      report.notes.push_back(container_name(id) + ": " + free_space_file::name(id) +
                             " is missing, damaged or of another checkpoint; the free-space map "
                             "is rebuilt from the pages when first needed (F4)");
  }
  Counts counts;
  bool damaged = false;
  Page page;
  std::string problem;
  for (PageNo p = 0; p < heap->page_count(); ++p, ++report.pages) {
    if (heap->load_page(p, page, &problem) == HeapFile::PageState::kDamaged) {
      bool repaired = rebuilt.contains({id, p});
      (repaired ? report.notes : report.problems)
          .push_back(page_name(id, p) + ": " + problem +
                     (repaired ? " (the log rebuilds it when the store is opened)" : ""));
      damaged = true;
      continue;
    }
    counts.values += page.value_count();
    counts.bytes += kPageSize - page.header_size() - page.free_space();
    if (p < free_space.size() && free_space[p] != page.max_insert_size())
      report.problems.push_back(page_name(id, p) + ": the saved free-space entry is " +
                                std::to_string(free_space[p]) + ", the page takes " +
                                std::to_string(page.max_insert_size()) + " (F1, C4)");
  }
  if (entry && !damaged &&
      (counts.values != entry->live_values || counts.bytes != entry->live_bytes))
    report.problems.push_back(
        container_name(id) + ": the catalog counts " + std::to_string(entry->live_values) +
        " values of " + std::to_string(entry->live_bytes) + " bytes, the pages hold " +
        std::to_string(counts.values) + " of " + std::to_string(counts.bytes) + " (C4)");
}

std::set<ContainerId> container_files(FileSystem& fs, const std::string& dir) {
  std::set<ContainerId> ids;
  for (const std::string& name : fs.list(dir))
    if (auto id = catalog::parse_container_file(name)) ids.insert(*id);
  return ids;
}

}  // namespace

CheckReport check_store(const std::string& dir, FileSystem* file_system) {
  FileSystem& fs = file_system ? *file_system : default_file_system();
  if (!fs.exists(dir)) throw Error(ErrorCode::kNotFound, dir + ": no such directory");
  CheckReport report;
  std::optional<catalog::Catalog> cat;
  try {
    cat = catalog::read(fs, dir);
  } catch (const Error& e) {
    report.problems.push_back(e.what());
  }
  std::set<ContainerId> files = container_files(fs, dir);
  if (!cat && files.empty() && report.problems.empty())
    throw Error(ErrorCode::kNotFound,
                dir + " holds no heapstore store (no CATALOG, no c<id>.heap)");
  Rebuilt rebuilt;
  const bool changed = cat && read_log(fs, dir, *cat, rebuilt, report);
  std::vector<std::pair<ContainerId, const catalog::ContainerEntry*>> todo;
  if (cat) {
    for (const auto& e : cat->containers) {
      todo.emplace_back(e.id, changed ? nullptr : &e);
      files.erase(e.id);
    }
    for (ContainerId orphan : files)
      report.notes.push_back(path_of(dir, orphan) +
                             ": not in the catalog (created since the last checkpoint, or left by "
                             "an interrupted create or remove: opening keeps or removes it)");
  } else {
    for (ContainerId id : files) todo.emplace_back(id, nullptr);
  }
  for (const auto& [id, entry] : todo) check_container(fs, dir, id, entry, rebuilt, report);
  report.containers = todo.size();
  return report;
}

std::vector<PageSummary> inspect_container(const std::string& dir, ContainerId container,
                                           std::optional<PageNo> only, FileSystem* file_system) {
  FileSystem& fs = file_system ? *file_system : default_file_system();
  std::optional<catalog::Catalog> cat = catalog::read(fs, dir);
  const catalog::ContainerEntry* entry = nullptr;
  if (cat)
    for (const auto& e : cat->containers)
      if (e.id == container) entry = &e;
  if (!fs.exists(path_of(dir, container)))
    throw Error(ErrorCode::kNotFound,
                container_name(container) + ": no file " + path_of(dir, container));
  std::uint64_t size = 0;
  auto heap = open_heap(fs, dir, container, true, &size);
  if (only && *only >= heap->page_count())
    throw Error(ErrorCode::kNotFound, page_name(container, *only) + ": the container has " +
                                          std::to_string(heap->page_count()) + " pages");
  std::vector<PageSummary> pages;
  std::vector<std::uint16_t> free_space;
  if (entry) free_space = saved_free_space(fs, dir, *entry).value_or(free_space);
  std::string problem;
  for (PageNo p = only.value_or(0); p < (only ? *only + 1 : heap->page_count()); ++p) {
    PageSummary& s = pages.emplace_back();
    s.page = p;
    HeapFile::PageState state = heap->load_page(p, s.image, &problem);
    s.never_written = state == HeapFile::PageState::kNeverWritten;
    if (state == HeapFile::PageState::kDamaged) s.problem = problem;
    if (p < free_space.size()) s.catalog_free = free_space[p];
  }
  return pages;
}

}  // namespace heapstore
