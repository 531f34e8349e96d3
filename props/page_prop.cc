// Model-based property of heapstore::Page (engine/doc/format.md, "Page"): random sequences of
// add, delete, update, get and encode/decode round trips, checked after every command against a
// map from slot to value. Checks: every invariant validate() knows (P1-P7), exact free space (P5),
// lowest-slot reuse (P6), trimmed directory (P7), accept-if-fits, ascending iteration, and
// byte-identical round trips whose checksum binds the page number (P8).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "heapstore/error.h"
#include "page.h"
#include "value_gen.h"

namespace heapstore::props {
namespace {

// The values a page should hold, by slot, and what follows from them.
struct PageModel {
  std::map<SlotId, Value> values;

  // Trailing deleted slots are trimmed (P7): the directory ends after the highest value.
  std::size_t directory_end() const {
    return values.empty() ? 0 : std::size_t{values.rbegin()->first} + 1;
  }
  std::size_t value_bytes() const {
    std::size_t sum = 0;
    for (const auto& [slot, value] : values) sum += value.size;
    return sum;
  }
  // Exact free space (P5): the page minus header, slot directory and values.
  std::size_t free_space() const {
    return kPageSize - Page::kHeaderSize - Page::kSlotSize * directory_end() - value_bytes();
  }
  // The slot the next add takes: the lowest deleted one, else a new one at the directory end.
  SlotId next_slot() const {
    SlotId slot = 0;
    while (values.contains(slot)) ++slot;
    return slot;
  }
  // Largest value an add accepts; a new slot costs its 4 bytes. Negative when not even an empty
  // value fits.
  long max_fit() const {
    bool reuse = next_slot() < directory_end();
    return static_cast<long>(free_space()) - (reuse ? 0 : static_cast<long>(Page::kSlotSize));
  }
};

// Sizes around `limit` (the largest that fits) half of the time, to land exactly on full pages.
rc::Gen<Value> gen_value_near(long limit) {
  auto near = rc::gen::map(rc::gen::inRange(-1, 2), [limit](int delta) {
    return static_cast<std::size_t>(std::clamp<long>(limit + delta, 0, Page::kMaxValueSize));
  });
  return gen_value_of_size(rc::gen::weightedOneOf<std::size_t>({{1, gen_value_size()}, {1, near}}));
}

rc::Gen<SlotId> gen_live_slot(const PageModel& m) {
  RC_PRE(!m.values.empty());
  std::vector<SlotId> live;
  for (const auto& [slot, value] : m.values) live.push_back(slot);
  return rc::gen::elementOf(live);
}

// Mostly a slot holding a value; sometimes any slot up to just past the directory.
rc::Gen<SlotId> gen_slot(const PageModel& m) {
  auto any = rc::gen::inRange<SlotId>(0, static_cast<SlotId>(m.directory_end() + 2));
  if (m.values.empty()) return any;
  return rc::gen::weightedOneOf<SlotId>({{4, gen_live_slot(m)}, {1, any}});
}

void expect_value(std::string_view actual, const Value& expected, SlotId slot) {
  if (actual != expected.bytes())
    RC_FAIL("slot " + std::to_string(slot) + " holds " + std::to_string(actual.size()) +
            " bytes that differ from the model's " + std::to_string(expected.size));
}

// The page equals the model, and every invariant holds.
void check_page(const PageModel& m, const Page& page) {
  if (auto problem = page.validate()) RC_FAIL("validate: " + *problem);
  RC_ASSERT(page.slot_count() == m.directory_end());
  RC_ASSERT(page.header_size() == Page::kHeaderSize + Page::kSlotSize * m.directory_end());
  RC_ASSERT(page.value_count() == m.values.size());
  RC_ASSERT(page.free_space() == m.free_space());
  // 0 both when only an empty value fits and when none does (see the last property below).
  RC_ASSERT(page.max_insert_size() == static_cast<std::size_t>(std::max(0L, m.max_fit())));
  Page::Iterator it = page.begin();
  for (const auto& [slot, value] : m.values) {
    RC_ASSERT(it != page.end());
    RC_ASSERT(it->slot == slot);
    expect_value(it->value, value, slot);
    ++it;
  }
  RC_ASSERT(it == page.end());
}

// Every command does its part, then the page must equal the model's next state.
class PageCommand : public rc::state::Command<PageModel, Page> {
 public:
  void run(const PageModel& before, Page& page) const final {
    exercise(before, page);
    check_page(nextState(before), page);
  }
  virtual void exercise(const PageModel& before, Page& page) const = 0;
};

class Add : public PageCommand {
 public:
  explicit Add(const PageModel& m) : value_(*gen_value_near(m.max_fit())) {}
  explicit Add(Value value) : value_(value) {}

  bool fits(const PageModel& m) const { return static_cast<long>(value_.size) <= m.max_fit(); }
  void apply(PageModel& m) const override {
    if (fits(m)) m.values[m.next_slot()] = value_;
  }
  void exercise(const PageModel& m, Page& page) const override {
    exercise_with(m, page, value_.bytes());
  }
  // Adds `bytes`, which hold value_ (and may view the page itself).
  void exercise_with(const PageModel& m, Page& page, std::string_view bytes) const {
    std::optional<SlotId> slot = page.add_value(bytes);
    RC_ASSERT(slot.has_value() == fits(m));
    if (slot) RC_ASSERT(*slot == m.next_slot());
  }
  void show(std::ostream& os) const override { os << "Add(" << value_ << ")"; }

 private:
  Value value_;
};

// Adds values of one size (seeds counting up) until the page refuses one: full pages, fast.
class Fill : public PageCommand {
 public:
  explicit Fill(const PageModel&) : first_(*gen_value(200)) {}

  void apply(PageModel& m) const override {
    for (Value v = first_; Add(v).fits(m); ++v.seed) Add(v).apply(m);
  }
  void exercise(const PageModel& before, Page& page) const override {
    PageModel m = before;
    Value v = first_;
    for (; Add(v).fits(m); ++v.seed) {
      Add(v).exercise(m, page);
      Add(v).apply(m);
    }
    Add(v).exercise(m, page);  // the one refused
  }
  void show(std::ostream& os) const override { os << "Fill(" << first_ << ", ...)"; }

 private:
  Value first_;
};

class Delete : public PageCommand {
 public:
  explicit Delete(const PageModel& m) : slot_(*gen_slot(m)) {}

  void apply(PageModel& m) const override { m.values.erase(slot_); }
  void exercise(const PageModel& m, Page& page) const override {
    RC_ASSERT(page.delete_value(slot_) == m.values.contains(slot_));
  }
  void show(std::ostream& os) const override { os << "Delete(slot " << slot_ << ")"; }

 private:
  SlotId slot_;
};

class Update : public PageCommand {
 public:
  explicit Update(const PageModel& m)
      : slot_(*gen_slot(m)), value_(*gen_value_near(m.max_fit() + size_at(m, slot_))) {}
  Update(SlotId slot, Value value) : slot_(slot), value_(value) {}

  // A growing value fits when the page's free space plus the old value's bytes hold it.
  UpdateResult expected(const PageModel& m) const {
    if (!m.values.contains(slot_)) return UpdateResult::kNoSuchSlot;
    bool fits = value_.size <= m.free_space() + m.values.at(slot_).size;
    return fits ? UpdateResult::kUpdated : UpdateResult::kNoRoom;
  }
  void apply(PageModel& m) const override {
    if (expected(m) == UpdateResult::kUpdated) m.values[slot_] = value_;
  }
  void exercise(const PageModel& m, Page& page) const override {
    exercise_with(m, page, value_.bytes());
  }
  // Updates with `bytes`, which hold value_ (and may view the page itself).
  void exercise_with(const PageModel& m, Page& page, std::string_view bytes) const {
    const Page before = page;
    UpdateResult result = page.update_value(slot_, bytes);
    RC_ASSERT(result == expected(m));
    if (result != UpdateResult::kUpdated)  // a refused update leaves the page unchanged
      RC_ASSERT(std::memcmp(before.raw().data(), page.raw().data(), kPageSize) == 0);
  }
  void show(std::ostream& os) const override {
    os << "Update(slot " << slot_ << ", " << value_ << ")";
  }

 private:
  static long size_at(const PageModel& m, SlotId slot) {
    auto it = m.values.find(slot);
    return it == m.values.end() ? 0 : static_cast<long>(it->second.size);
  }

  SlotId slot_;
  Value value_;
};

// Copies a value within the page: an update of slot `to_` when it holds a value, else an add,
// with a view of the page's own bytes, which compaction may move while the copy is made.
class Copy : public PageCommand {
 public:
  explicit Copy(const PageModel& m) : from_(*gen_live_slot(m)), to_(*gen_slot(m)) {}

  void checkPreconditions(const PageModel& m) const override { RC_PRE(m.values.contains(from_)); }
  void apply(PageModel& m) const override {
    const Value value = m.values.at(from_);
    if (m.values.contains(to_)) return Update(to_, value).apply(m);
    Add(value).apply(m);
  }
  void exercise(const PageModel& m, Page& page) const override {
    const Value value = m.values.at(from_);
    std::string_view view = *page.get_value(from_);
    if (m.values.contains(to_)) return Update(to_, value).exercise_with(m, page, view);
    Add(value).exercise_with(m, page, view);
  }
  void show(std::ostream& os) const override {
    os << "Copy(slot " << from_ << " to slot " << to_ << ")";
  }

 private:
  SlotId from_;
  SlotId to_;
};

class Get : public PageCommand {
 public:
  explicit Get(const PageModel& m) : slot_(*gen_slot(m)) {}

  void exercise(const PageModel& m, Page& page) const override {
    std::optional<std::string_view> value = page.get_value(slot_);
    RC_ASSERT(value.has_value() == m.values.contains(slot_));
    if (value) expect_value(*value, m.values.at(slot_), slot_);
  }
  void show(std::ostream& os) const override { os << "Get(slot " << slot_ << ")"; }

 private:
  SlotId slot_;
};

// Encodes the page as page `page_no_`, decodes it and carries on with the decoded copy, which
// must encode to the same bytes. Read as the next page number, the image fails its checksum.
class RoundTrip : public PageCommand {
 public:
  RoundTrip() : page_no_(*rc::gen::inRange<PageNo>(0, 1000)) {}

  void exercise(const PageModel&, Page& page) const override {
    std::array<std::byte, kPageSize> image;
    std::ranges::copy(page.encode(page_no_), image.begin());
    Page decoded = Page::decode(image, page_no_);
    RC_ASSERT(std::ranges::equal(decoded.encode(page_no_), image));
    RC_ASSERT_THROWS_AS(Page::decode(image, page_no_ + 1), Error);
    page = decoded;
  }
  void show(std::ostream& os) const override { os << "RoundTrip(page " << page_no_ << ")"; }

 private:
  PageNo page_no_;
};

RC_GTEST_PROP(PageProp, BehavesLikeAMapFromSlotToValue, ()) {
  Page page;
  rc::state::check(PageModel{}, page,
                   rc::state::gen::execOneOfWithArgs<Add, Add, Add, Fill, Delete, Delete, Delete,
                                                     Update, Update, Copy, Get, RoundTrip>());
}

// The contracts of fits() and max_insert_size() as a test of add_value: a value is accepted
// exactly when fits() says so, which for a value of 1 byte or more is exactly when its size is at
// most max_insert_size() (0 is ambiguous there: the page may take an empty value or nothing).
// Checked on pages filled with arbitrary values, for a value of any size and for an empty one.
RC_GTEST_PROP(PageProp, AcceptsAValueIffItFits, ()) {
  Page page;
  for (const Value& v : *rc::gen::container<std::vector<Value>>(gen_value()))
    page.add_value(v.bytes());
  const Value probe =
      *rc::gen::weightedOneOf<Value>({{1, gen_value()}, {1, rc::gen::just(Value{})}});
  const std::size_t max = page.max_insert_size();
  const bool fits = page.fits(probe.size);
  if (probe.size > 0) RC_ASSERT(fits == (probe.size <= max));
  RC_ASSERT(page.add_value(probe.bytes()).has_value() == fits);
}

}  // namespace
}  // namespace heapstore::props
