// The one piece the properties share: values described by a size and a seed, so that a failing
// command sequence prints "Add(3000 bytes #7)" rather than 3000 bytes, and models stay small.
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>

#include "page.h"

namespace heapstore::props {

struct Value {
  std::size_t size = 0;
  std::uint32_t seed = 0;

  // Deterministic pseudo-random bytes, zero bytes included; values of different seeds or sizes
  // differ, so a value read back from the wrong slot is caught.
  std::string bytes() const {
    std::string out(size, '\0');
    std::uint64_t state = (seed + 1) * 0x9E3779B97F4A7C15ULL ^ size;
    for (char& c : out) {  // xorshift64
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      c = static_cast<char>(state >> 56);
    }
    return out;
  }
};

inline std::ostream& operator<<(std::ostream& os, const Value& value) {
  return os << value.size << " bytes #" << value.seed;
}

// Sizes in [0, max]: half small (0-50 bytes, dozens per page), the rest medium or large (a few
// per page, often the largest), so that pages fill up, refuse values and compact. Independent of
// RapidCheck's size parameter, which scales the number of commands instead.
inline rc::Gen<std::size_t> gen_value_size(std::size_t max = Page::kMaxValueSize) {
  using rc::gen::inRange;
  return rc::gen::resize(rc::kNominalSize,
                         rc::gen::weightedOneOf<std::size_t>(
                             {{5, inRange<std::size_t>(0, std::min<std::size_t>(51, max + 1))},
                              {2, inRange<std::size_t>(0, std::min<std::size_t>(1001, max + 1))},
                              {2, inRange<std::size_t>(0, max + 1)},
                              {1, rc::gen::just(max)}}));
}

inline rc::Gen<Value> gen_value_of_size(rc::Gen<std::size_t> size) {
  return rc::gen::apply(
      [](std::size_t s, std::uint32_t seed) {
        return Value{s, seed};
      },
      std::move(size), rc::gen::resize(rc::kNominalSize, rc::gen::arbitrary<std::uint32_t>()));
}

inline rc::Gen<Value> gen_value(std::size_t max = Page::kMaxValueSize) {
  return gen_value_of_size(gen_value_size(max));
}

}  // namespace heapstore::props
