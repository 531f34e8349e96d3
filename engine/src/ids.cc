#include "heapstore/ids.h"

namespace heapstore {

std::string page_name(ContainerId container, PageNo page) {
  return "container " + std::to_string(container) + " page " + std::to_string(page);
}

std::string to_string(const ValueId& id) {
  return page_name(id.container, id.page) + " slot " + std::to_string(id.slot);
}

}  // namespace heapstore
