// Deterministic randomness shared by the workload generators and the bootstrap of `compare`:
// one seed gives the same sequence on every machine and standard library (no std::
// distributions). It lives in reports/ because workloads/ builds on reports/, not the reverse.
#pragma once

#include <cstdint>

namespace heapstore {

inline constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ull;

// The splitmix64 finalizer: a bijection that spreads every input bit over the whole word.
inline constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A seed for one stream (phase, thread, purpose) derived from the master seed: distinct streams
// get independent seeds, the same stream always the same one.
std::uint64_t derive_seed(std::uint64_t master, std::uint64_t stream, std::uint64_t substream = 0);

// xoshiro256** seeded through splitmix64.
class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t next();
  // Uniform in [0, n) without modulo bias; n > 0.
  std::uint64_t below(std::uint64_t n);
  // Uniform in [0, 1).
  double unit();
  // Standard normal (mean 0, stddev 1).
  double normal();

 private:
  std::uint64_t s_[4];
};

}  // namespace heapstore
