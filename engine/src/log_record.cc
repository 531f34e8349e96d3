// OpWriter and decode_ops: operation layouts of engine/doc/log_format.md ("Operations").
#include "log_record.h"

#include <algorithm>
#include <cstring>

#include "heapstore/error.h"
#include "page.h"

namespace heapstore {

void OpWriter::put(const void* data, std::size_t size) {
  if (size > 0) std::memcpy(bytes_.grow(size), data, size);
}

// Type and container, with one grow (and room for the change count of kPageChanges, filled in by
// bytes()): begin_changes is on every change's path.
void OpWriter::start(OpType type, ContainerId c) {
  bytes_.shrink_to(0);
  changes_ = 0;
  const std::size_t count_bytes = type == OpType::kPageChanges ? sizeof changes_ : 0;
  std::byte* at = bytes_.grow(1 + sizeof c + count_bytes);
  at[0] = static_cast<std::byte>(type);
  std::memcpy(at + 1, &c, sizeof c);
}

void OpWriter::create_container(ContainerId c) { start(OpType::kCreateContainer, c); }
void OpWriter::remove_container(ContainerId c) { start(OpType::kRemoveContainer, c); }
void OpWriter::begin_changes(ContainerId c) { start(OpType::kPageChanges, c); }

void OpWriter::change(ChangeKind kind, PageNo p) {
  ++changes_;
  put_int(static_cast<std::uint8_t>(kind));
  put_int(p);
}

void OpWriter::init_page(PageNo p) { change(ChangeKind::kInit, p); }

void OpWriter::image(PageNo p, const Page& page) {
  change(ChangeKind::kImage, p);
  auto head = static_cast<std::uint16_t>(page.header_size());
  auto tail_start = page.header().value_start;
  put_int(head);
  put_int(tail_start);
  put(page.raw().data(), head);
  put(page.raw().data() + tail_start, kPageSize - tail_start);
}

// The commonest change, written with one grow: kind, page, slot, length, value.
void OpWriter::add_value(PageNo p, SlotId slot, std::string_view value) {
  ++changes_;
  std::byte* at = bytes_.grow(1 + sizeof p + sizeof slot + 2 + value.size());
  at[0] = static_cast<std::byte>(ChangeKind::kAdd);
  std::memcpy(at + 1, &p, sizeof p);
  std::memcpy(at + 1 + sizeof p, &slot, sizeof slot);
  auto length = static_cast<std::uint16_t>(value.size());
  std::memcpy(at + 1 + sizeof p + sizeof slot, &length, 2);
  if (!value.empty()) std::memcpy(at + 3 + sizeof p + sizeof slot, value.data(), value.size());
}

void OpWriter::update_value(PageNo p, SlotId slot, std::string_view value) {
  change(ChangeKind::kUpdate, p);
  put_int(slot);
  put_int(static_cast<std::uint16_t>(value.size()));
  put(value.data(), value.size());
}

void OpWriter::delete_value(PageNo p, SlotId slot) {
  change(ChangeKind::kDelete, p);
  put_int(slot);
}

std::span<const std::byte> OpWriter::bytes() {
  if (bytes_.size() > 0 && static_cast<OpType>(bytes_.data()[0]) == OpType::kPageChanges)
    std::memcpy(bytes_.data() + 5, &changes_, sizeof changes_);
  return bytes_.bytes();
}

namespace {

// Reads fields from untrusted bytes; running past the end is Corruption naming the operation.
class Reader {
 public:
  Reader(std::span<const std::byte> bytes, Lsn first) : bytes_(bytes), first_(first) {}

  bool done() const { return at_ == bytes_.size(); }
  Lsn lsn() const { return first_ + at_; }
  std::size_t position() const { return at_; }

  template <typename T>
  T get() {
    T value;
    std::memcpy(&value, take(sizeof value).data(), sizeof value);
    return value;
  }
  std::span<const std::byte> take(std::size_t size) {
    if (bytes_.size() - at_ < size) fail("runs past the end of its frame");
    auto part = bytes_.subspan(at_, size);
    at_ += size;
    return part;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorCode::kCorruption,
                "log operation at LSN " + std::to_string(op_lsn_) + ": " + what);
  }
  void begin_op() { op_lsn_ = lsn(); }

 private:
  std::span<const std::byte> bytes_;
  Lsn first_;
  std::size_t at_ = 0;
  Lsn op_lsn_ = 0;
};

std::string_view as_text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

Change read_change(Reader& in) {
  Change c{};
  c.kind = static_cast<ChangeKind>(in.get<std::uint8_t>());
  c.page = in.get<PageNo>();
  switch (c.kind) {
    case ChangeKind::kInit:
      break;
    case ChangeKind::kImage: {
      auto head = in.get<std::uint16_t>();
      auto tail_start = in.get<std::uint16_t>();
      if (head > tail_start || tail_start > kPageSize || head < Page::kHeaderSize)
        in.fail("page image with parts [0, " + std::to_string(head) + ") and [" +
                std::to_string(tail_start) + ", 4096)");
      c.head = in.take(head);
      c.tail = in.take(kPageSize - tail_start);
      break;
    }
    case ChangeKind::kAdd:
    case ChangeKind::kUpdate: {
      c.slot = in.get<SlotId>();
      c.value = as_text(in.take(in.get<std::uint16_t>()));
      break;
    }
    case ChangeKind::kDelete:
      c.slot = in.get<SlotId>();
      break;
    default:
      in.fail("unknown change kind " + std::to_string(static_cast<int>(c.kind)));
  }
  return c;
}

}  // namespace

void decode_ops(std::span<const std::byte> bytes, Lsn first,
                const std::function<void(Lsn, const Op&)>& visit) {
  Reader in(bytes, first);
  Op op{};
  while (!in.done()) {
    in.begin_op();
    Lsn lsn = in.lsn();
    op.type = static_cast<OpType>(in.get<std::uint8_t>());
    op.container = in.get<ContainerId>();
    op.changes.clear();
    if (op.type == OpType::kPageChanges) {
      auto count = in.get<std::uint32_t>();
      for (std::uint32_t i = 0; i < count; ++i) op.changes.push_back(read_change(in));
    } else if (op.type != OpType::kCreateContainer && op.type != OpType::kRemoveContainer) {
      in.fail("unknown operation type " + std::to_string(static_cast<int>(op.type)));
    }
    visit(lsn, op);
  }
}

void restore_image(const Change& change, Lsn lsn, Page& out) {
  auto raw = out.raw();
  std::fill(raw.begin(), raw.end(), std::byte{0});
  std::copy(change.head.begin(), change.head.end(), raw.begin());
  std::copy(change.tail.begin(), change.tail.end(),
            raw.begin() + static_cast<std::ptrdiff_t>(kPageSize - change.tail.size()));
  if (auto problem = out.validate())
    throw Error(ErrorCode::kCorruption, "log operation at LSN " + std::to_string(lsn) +
                                            ": image of page " + std::to_string(change.page) +
                                            " is not a valid page: " + *problem);
}

}  // namespace heapstore
