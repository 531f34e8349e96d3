#include "store_tools.h"

#include <algorithm>
#include <cstdio>

#include "heapstore/check.h"
#include "inspect.h"

namespace heapstore::workload {
namespace {

std::string status_of(const PageSummary& s) {
  if (s.problem) return "DAMAGED: " + *s.problem;
  return s.never_written ? "never written" : "ok";
}

std::string format(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

// A few bytes of a value, printable characters as they are, others as '.'.
std::string preview(std::string_view value) {
  std::string out;
  for (char c : value.substr(0, 24)) out += (c >= 32 && c < 127) ? c : '.';
  return value.size() > 24 ? out + "..." : out;
}

void print_slots(const Page& page, std::ostream& out) {
  Page::Header h = page.header();
  out << "slot  offset  length  state\n";
  for (std::size_t i = 0; i < h.slot_count; ++i) {
    auto entry = page.slot_entry(i);
    if (!entry) {
      out << format("%4zu  (outside the page)\n", i);
      break;
    }
    auto [offset, length] = *entry;
    bool deleted = offset == 0 && length == 0;
    std::string state = deleted ? "deleted" : "value";
    if (!deleted && offset + length <= kPageSize)
      state += " \"" +
               preview({reinterpret_cast<const char*>(page.raw().data()) + offset, length}) + "\"";
    out << format("%4zu  %6u  %6u  ", i, offset, length) << state << "\n";
  }
}

// 16 bytes a line; a run of all-zero lines is shown as one "*", as hexdump does.
void print_hex(const Page& page, std::ostream& out) {
  const auto* b = reinterpret_cast<const unsigned char*>(page.raw().data());
  bool skipping = false;
  for (std::size_t at = 0; at < kPageSize; at += 16) {
    bool zero = std::all_of(b + at, b + at + 16, [](unsigned char c) { return c == 0; });
    if (zero && at > 0 && at + 16 < kPageSize) {
      if (!skipping) out << "*\n";
      skipping = true;
      continue;
    }
    skipping = false;
    out << format("%04zx ", at);
    for (std::size_t i = 0; i < 16; ++i) out << format(" %02x", b[at + i]);
    out << "\n";
  }
}

void print_page(const PageSummary& s, bool hex, std::ostream& out) {
  Page::Header h = s.image.header();
  out << "page " << s.page << ": " << status_of(s) << "\n";
  out << format(
      "  checksum 0x%08x  magic 0x%04x  version %u  lsn %llu  slots %u  value_start %u  "
      "values %u  value bytes %u  first_free %u\n",
      h.checksum, h.magic, h.version, static_cast<unsigned long long>(h.lsn), h.slot_count,
      h.value_start, h.live_count, h.live_bytes, h.first_free);
  if (!s.problem)
    out << "  free space " << s.image.free_space() << " bytes, largest insert "
        << s.image.max_insert_size() << " bytes\n";
  if (s.catalog_free) out << "  catalog free-space entry " << *s.catalog_free << "\n";
  print_slots(s.image, out);
  if (hex) print_hex(s.image, out);
}

}  // namespace

int check_command(const std::string& dir, std::ostream& out) {
  CheckReport report = check_store(dir);
  for (const std::string& p : report.problems) out << p << "\n";
  for (const std::string& n : report.notes) out << "note: " << n << "\n";
  out << dir << ": " << report.containers << " containers, " << report.pages << " pages checked, "
      << report.problems.size() << " problems\n";
  return report.problems.empty() ? 0 : 1;
}

int inspect_command(const std::string& dir, std::uint32_t container,
                    std::optional<std::uint32_t> page, bool hex, std::ostream& out) {
  std::vector<PageSummary> pages = inspect_container(dir, container, page);
  if (page) {
    print_page(pages.at(0), hex, out);
    return pages[0].problem ? 1 : 0;
  }
  out << "container " << container << ": " << pages.size() << " pages\n";
  out << " page  slots  values  free  catalog  status\n";
  bool damaged = false;
  for (const PageSummary& s : pages) {
    damaged = damaged || s.problem;
    std::string catalog = s.catalog_free ? std::to_string(*s.catalog_free) : "-";
    out << format("%5u  %5zu  %6zu  %4zu  %7s  ", s.page, s.problem ? 0 : s.image.slot_count(),
                  s.problem ? 0 : s.image.value_count(), s.problem ? 0 : s.image.free_space(),
                  catalog.c_str())
        << status_of(s) << "\n";
  }
  return damaged ? 1 : 0;
}

}  // namespace heapstore::workload
