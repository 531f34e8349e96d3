#include "heapstore/error.h"

namespace heapstore {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound:
      return "NotFound";
    case ErrorCode::kInvalidArgument:
      return "InvalidArgument";
    case ErrorCode::kCorruption:
      return "Corruption";
    case ErrorCode::kIOError:
      return "IOError";
    case ErrorCode::kResourceExhausted:
      return "ResourceExhausted";
  }
  return "Unknown";
}

Error::Error(ErrorCode code, const std::string& message)
    : std::runtime_error(message), code_(code) {}

}  // namespace heapstore
