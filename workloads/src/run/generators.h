// Deterministic randomness for workloads: one seed gives the same operation sequence on every
// machine (no std:: distributions, whose output differs between standard libraries).
#pragma once

#include <cstdint>
#include <string>

#include "rng.h"
#include "spec.h"

namespace heapstore::workload {

using heapstore::derive_seed;  // reports/src/model/rng.h
using heapstore::Rng;

// Zipf-distributed ranks in [0, n) with exponent theta (0 < theta, theta == 1 included), for any
// n and n changing between calls, O(1) per sample (rejection-inversion, Hörmann & Derflinger).
// Rank 0 is the most frequent.
class Zipfian {
 public:
  explicit Zipfian(double theta);
  std::uint64_t sample(std::uint64_t n, Rng& rng) const;

 private:
  double theta_;
  double h_integral_x1_;  // H(1.5) - 1: the lower end of the inverted range, for every n
  double squeeze_;        // 2 - H^-1(H(2.5) - h(2)): accept without evaluating H when k - x <= it
};

// Draws value sizes from a SizeDist.
class SizeGenerator {
 public:
  SizeGenerator(const SizeDist& dist, std::uint64_t seed);
  // Inline for constant sizes, the common case, which the harness asks for once per insert.
  std::uint32_t next() { return dist_.kind == SizeDist::Kind::kConstant ? dist_.min : draw(); }

 private:
  std::uint32_t draw();

  SizeDist dist_;
  Rng rng_;
  Zipfian zipf_;
};

// Picks which of `n` live values (index 0 the oldest, n - 1 the newest) an operation targets.
class Selector {
 public:
  Selector(const Select& select, std::uint64_t seed);
  // n > 0. Sequential walks 0, 1, 2, ... (mod n); reverse always picks n - 1.
  std::uint64_t next(std::uint64_t n);

 private:
  Select select_;
  Rng rng_;
  Zipfian zipf_;
  std::uint64_t position_ = 0;
};

// The new size of a value of `size` bytes after an update with `growth`.
std::uint32_t grown_size(std::uint32_t size, const Growth& growth);

// Fills `out` with `size` bytes determined by (key, version): the harness regenerates them to
// check what an engine returns without storing a copy.
void fill_value(std::uint64_t key, std::uint32_t version, std::uint32_t size, std::string& out);

}  // namespace heapstore::workload
