#include "heapstore/ids.h"

namespace heapstore {

std::string to_string(const ValueId& id) {
  return "container " + std::to_string(id.container) + " page " + std::to_string(id.page) +
         " slot " + std::to_string(id.slot);
}

}  // namespace heapstore
