// The bytes of one logged operation (engine/doc/log_format.md, "Operations"): written by
// OpWriter as a heap changes pages, read back by decode_ops during recovery. Internal.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "heapstore/ids.h"

namespace heapstore {

class Page;

// A growable byte buffer that, unlike std::vector<std::byte>, does not zero what it grows into:
// appending to the log is on every change's path.
class ByteBuffer {
 public:
  ByteBuffer() = default;
  ByteBuffer(ByteBuffer&& other) noexcept { *this = std::move(other); }
  ByteBuffer& operator=(ByteBuffer&& other) noexcept {
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    return *this;
  }

  // Makes room for `n` more bytes at the end and returns where they go (valid until the next grow).
  std::byte* grow(std::size_t n) {
    if (n > capacity_ - size_) reserve(std::max(2 * capacity_, size_ + n));
    std::byte* at = data_.get() + size_;
    size_ += n;
    return at;
  }
  void append(std::span<const std::byte> bytes) {
    if (!bytes.empty()) std::memcpy(grow(bytes.size()), bytes.data(), bytes.size());
  }
  // Keeps the first `n` bytes (n <= size()).
  void shrink_to(std::size_t n) { size_ = n; }
  std::size_t size() const { return size_; }
  std::byte* data() { return data_.get(); }
  const std::byte* data() const { return data_.get(); }
  std::span<const std::byte> bytes() const { return {data_.get(), size_}; }

 private:
  void reserve(std::size_t capacity) {
    auto bigger = std::make_unique_for_overwrite<std::byte[]>(capacity);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = capacity;
  }
  std::unique_ptr<std::byte[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// A log sequence number: the position of an operation's first byte in the log's byte stream,
// counted from the store's creation (frame and file headers not counted).
using Lsn = std::uint64_t;

enum class OpType : std::uint8_t { kCreateContainer = 1, kRemoveContainer = 2, kPageChanges = 3 };
enum class ChangeKind : std::uint8_t { kInit = 1, kImage = 2, kAdd = 3, kUpdate = 4, kDelete = 5 };

// Builds one operation in a buffer reused from one operation to the next.
class OpWriter {
 public:
  // Starts an operation (discarding any unfinished one).
  void create_container(ContainerId c);
  void remove_container(ContainerId c);
  void begin_changes(ContainerId c);  // then one call below per change, in the order made

  // Page `p` starts as an empty page (a page new to the container).
  void init_page(PageNo p);
  // Page `p` is `page`'s bytes: a full page image, without the free hole between the slot
  // directory and the values.
  void image(PageNo p, const Page& page);
  // Value `value` was added to page `p` in slot `slot` / replaced slot `slot` / slot was deleted.
  void add_value(PageNo p, SlotId slot, std::string_view value);
  void update_value(PageNo p, SlotId slot, std::string_view value);
  void delete_value(PageNo p, SlotId slot);

  // Number of changes since begin_changes().
  std::uint32_t change_count() const { return changes_; }
  // The operation's bytes; valid until the next call.
  std::span<const std::byte> bytes();

 private:
  void start(OpType type, ContainerId c);
  void change(ChangeKind kind, PageNo p);
  void put(const void* data, std::size_t size);
  template <typename T>
  void put_int(T value) {
    put(&value, sizeof value);
  }

  ByteBuffer bytes_;
  std::uint32_t changes_ = 0;
};

// One change as decoded; views point into the decoded bytes.
struct Change {
  ChangeKind kind;
  PageNo page;
  SlotId slot = 0;
  std::string_view value;           // kAdd, kUpdate
  std::span<const std::byte> head;  // kImage: bytes [0, head.size())
  std::span<const std::byte> tail;  // kImage: bytes [4096 - tail.size(), 4096)
};

struct Op {
  OpType type;
  ContainerId container;
  std::vector<Change> changes;  // kPageChanges only
};

// Calls `visit` for each operation in `bytes` (whole operations, as one log frame holds them),
// with its LSN counted from `first`. Throws Error(kCorruption) naming the LSN when an operation is
// malformed; never reads outside `bytes`.
void decode_ops(std::span<const std::byte> bytes, Lsn first,
                const std::function<void(Lsn, const Op&)>& visit);

// Sets `out` to the image `change` (kImage) describes: Error(kCorruption) naming `lsn` when the
// parts overlap or the result fails Page::validate.
void restore_image(const Change& change, Lsn lsn, Page& out);

}  // namespace heapstore
