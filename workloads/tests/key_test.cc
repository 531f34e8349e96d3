// Key packs a live value's handle, container, id, size and version into 16 bytes (key.h): each
// field keeps its value up to its limit, and nothing is ever silently truncated.
#include "key.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace heapstore::workload {
namespace {

void expect_fields(const Key& key, Handle handle, std::uint32_t container, std::uint64_t id,
                   std::uint32_t size, std::uint32_t version) {
  EXPECT_EQ(key.handle(), handle);
  EXPECT_EQ(key.container(), container);
  EXPECT_EQ(key.id(), id);
  EXPECT_EQ(key.size(), size);
  EXPECT_EQ(key.version(), version);
}

TEST(Key, EveryFieldKeepsItsValueUpToItsLimit) {
  Key key(kMaxContainers - 1, Key::kMaxId, kMaxValueBytes);
  key.set_handle(Key::kMaxHandle);
  expect_fields(key, Key::kMaxHandle, kMaxContainers - 1, Key::kMaxId, kMaxValueBytes, 0);
  key.set_updated(7, kMaxValueBytes);  // the largest size does not spill into the version
  expect_fields(key, 7, kMaxContainers - 1, Key::kMaxId, kMaxValueBytes, 1);
  Key small(3, 12345, 0);
  small.set_handle(0);
  expect_fields(small, 0, 3, 12345, 0, 0);
}

TEST(Key, SettingTheHandleLeavesTheOtherFieldsAlone) {
  Key key(7, 99, 100);
  key.set_handle(Key::kMaxHandle);
  key.set_handle(42);
  expect_fields(key, 42, 7, 99, 100, 0);
}

TEST(Key, AHandleOver48BitsIsRefusedNotTruncated) {
  Key key(1, 5, 10);
  key.set_handle(77);
  try {
    key.set_handle(Key::kMaxHandle + 1);
    FAIL() << "a 49-bit handle was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("48 bits"), std::string::npos) << e.what();
  }
  expect_fields(key, 77, 1, 5, 10, 0);
  EXPECT_THROW(key.set_updated(~Handle{0}, 20), std::runtime_error);
}

TEST(Key, UpdatesBumpTheVersionKeepTheIdAndWrapAt4096) {
  Key key(2, 1000, 50);
  key.set_handle(8);
  key.set_updated(9, 60);
  expect_fields(key, 9, 2, 1000, 60, 1);
  for (std::uint32_t v = 2; v <= Key::kVersions; ++v) {
    EXPECT_EQ(key.next_version(), v % Key::kVersions);
    key.set_updated(10, 70);
  }
  EXPECT_EQ(key.version(), 0u);  // wrapped: versions are compared modulo 4096
  EXPECT_EQ(key.id(), 1000u);
}

}  // namespace
}  // namespace heapstore::workload
