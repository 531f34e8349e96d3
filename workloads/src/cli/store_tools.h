// `heapstore check` and `heapstore inspect`: a store read without being changed, printed for a
// person. Both return the process exit status.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace heapstore::workload {

// One line per problem (container, page, slot), then a summary line. 0 clean, 1 damage found.
// Throws heapstore::Error when `dir` holds no store.
int check_command(const std::string& dir, std::ostream& out);

// Without `page`: a line per page of the container (slots, values, free space, the catalog's
// free-space entry, status). With `page`: its header, every slot, its free space, and with
// `hex` a hex dump. Throws heapstore::Error for an unknown container or page.
int inspect_command(const std::string& dir, std::uint32_t container,
                    std::optional<std::uint32_t> page, bool hex, std::ostream& out);

}  // namespace heapstore::workload
