#include "rng.h"

#include <bit>
#include <cmath>
#include <numbers>

namespace heapstore {
namespace {

std::uint64_t splitmix64_next(std::uint64_t& state) {
  state += kGolden;
  return mix64(state);
}

__extension__ typedef unsigned __int128 Uint128;

}  // namespace

std::uint64_t derive_seed(std::uint64_t master, std::uint64_t stream, std::uint64_t substream) {
  // Each step is a bijection of its input, so for a fixed master, distinct (stream, substream)
  // pairs at one level never collide; the golden-ratio offsets keep 0 from mapping to 0.
  std::uint64_t h = mix64(master + kGolden);
  h = mix64(h ^ (stream + 2 * kGolden));
  return mix64(h ^ (substream + 3 * kGolden));
}

Rng::Rng(std::uint64_t seed) {
  // splitmix64 never yields four zero words in a row, the one state xoshiro cannot leave.
  for (std::uint64_t& word : s_) word = splitmix64_next(seed);
}

std::uint64_t Rng::next() {
  const std::uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = std::rotl(s_[3], 45);
  return result;
}

std::uint64_t Rng::below(std::uint64_t n) {
  // Lemire's nearly-divisionless method: the high word of x * n is uniform in [0, n) once the
  // few low words that would bias it are rejected; the division runs only on a near miss.
  Uint128 m = static_cast<Uint128>(next()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<Uint128>(next()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double Rng::unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Rng::normal() {
  // Box-Muller, one of the pair: no cached state, so a copy of an Rng stays in step with it.
  const double radius = std::sqrt(-2.0 * std::log(1.0 - unit()));  // 1 - unit() is in (0, 1]
  return radius * std::cos(2.0 * std::numbers::pi * unit());
}

}  // namespace heapstore
