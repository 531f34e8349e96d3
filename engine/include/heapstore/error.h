// The one exception type of the storage level. Page-level hot-path calls report failure through
// std::optional / bool instead; everything above them throws heapstore::Error.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace heapstore {

enum class ErrorCode {
  kNotFound,           // unknown container, deleted or never-issued ValueId
  kInvalidArgument,    // a value larger than the maximum value size, a bad option
  kCorruption,         // bytes read from disk break the format (engine/doc/format.md)
  kIOError,            // the operating system refused a read, write, sync or rename
  kResourceExhausted,  // every buffer-pool frame is pinned, a container is at its page limit
};

// The code's name as it appears in messages: "NotFound", "Corruption", ...
std::string_view to_string(ErrorCode code);

class Error : public std::runtime_error {
 public:
  // `message` says what failed and where (container, page, slot, path, limit in bytes).
  Error(ErrorCode code, const std::string& message);

  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace heapstore
