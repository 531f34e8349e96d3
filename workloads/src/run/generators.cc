// Deterministic generators: everything here is integer arithmetic or plain libm calls, so one
// seed gives the same sequence with every standard library (std:: distributions do not).
#include "generators.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numbers>

namespace heapstore::workload {
namespace {

__extension__ typedef unsigned __int128 Uint128;

// log1p(y) / y, continued smoothly through y == 0 (where theta == 1 makes y vanish).
double log1p_over(double y) {
  if (std::abs(y) > 1e-8) return std::log1p(y) / y;
  return 1 - y * (0.5 - y * (1.0 / 3 - y * 0.25));
}

// expm1(y) / y, continued smoothly through y == 0.
double expm1_over(double y) {
  if (std::abs(y) > 1e-8) return std::expm1(y) / y;
  return 1 + y * 0.5 * (1 + y / 3 * (1 + y * 0.25));
}

}  // namespace

// Rejection-inversion (Hörmann & Derflinger 1996) for P(k) ~ h(k) = k^-theta, k in [1, n]:
// H is an antiderivative of h, so inverting H on a uniform draw gives a continuous x whose
// rounding k is almost Zipf; the draw is kept when it falls in the part of k's interval whose
// width is exactly h(k). The constants below depend on theta only, so n may change per call.
namespace {

double zipf_h(double x, double theta) { return std::exp(-theta * std::log(x)); }

// H(x) = (x^(1 - theta) - 1) / (1 - theta), which is log(x) at theta == 1.
double zipf_big_h(double x, double theta) {
  const double log_x = std::log(x);
  return expm1_over((1 - theta) * log_x) * log_x;
}

double zipf_big_h_inverse(double u, double theta) {
  return std::exp(log1p_over((1 - theta) * u) * u);
}

// Outside the contract (theta <= 0, NaN, huge) the sampler could loop forever; 0 (uniform) and
// 1000 (always rank 0) are the nearest exponents it handles.
double usable_theta(double theta) { return theta > 0 ? std::min(theta, 1000.0) : 0.0; }

}  // namespace

Zipfian::Zipfian(double theta)
    : theta_(usable_theta(theta)),
      h_integral_x1_(zipf_big_h(1.5, theta_) - 1),
      squeeze_(2 - zipf_big_h_inverse(zipf_big_h(2.5, theta_) - zipf_h(2, theta_), theta_)) {}

std::uint64_t Zipfian::sample(std::uint64_t n, Rng& rng) const {
  if (n <= 1) return 0;
  const double n_real = static_cast<double>(n);
  const double h_integral_n = zipf_big_h(n_real + 0.5, theta_);
  while (true) {
    const double u = h_integral_n + rng.unit() * (h_integral_x1_ - h_integral_n);
    const double x = zipf_big_h_inverse(u, theta_);
    double k = std::floor(x + 0.5);
    // Written so that a NaN lands on 1 rather than reaching the integer conversion.
    if (!(k >= 1)) k = 1;
    if (k > n_real) k = n_real;
    if (k - x <= squeeze_ || u >= zipf_big_h(k + 0.5, theta_) - zipf_h(k, theta_)) {
      // double(n) may round up to 2^64, which must not reach the conversion.
      return k >= n_real ? n - 1 : static_cast<std::uint64_t>(k) - 1;
    }
  }
}

SizeGenerator::SizeGenerator(const SizeDist& dist, std::uint64_t seed)
    : dist_(dist), rng_(seed), zipf_(dist.theta) {}

std::uint32_t SizeGenerator::draw() {
  const std::uint32_t lo = dist_.min;
  const std::uint32_t hi = std::max(dist_.min, dist_.max);
  const std::uint64_t span = std::uint64_t{hi} - lo + 1;
  switch (dist_.kind) {
    case SizeDist::Kind::kConstant:
      return lo;
    case SizeDist::Kind::kUniform:
      return lo + static_cast<std::uint32_t>(rng_.below(span));
    case SizeDist::Kind::kNormal: {
      const double size = std::round(dist_.mean + dist_.stddev * rng_.normal());
      if (!(size > lo)) return lo;  // NaN included
      return size >= hi ? hi : static_cast<std::uint32_t>(size);
    }
    case SizeDist::Kind::kZipfian:
      return lo + static_cast<std::uint32_t>(zipf_.sample(span, rng_));
  }
  return lo;
}

Selector::Selector(const Select& select, std::uint64_t seed)
    : select_(select), rng_(seed), zipf_(select.theta) {}

std::uint64_t Selector::next(std::uint64_t n) {
  switch (select_.kind) {
    case Select::Kind::kSequential:
      return position_++ % n;
    case Select::Kind::kReverse:
      return n - 1;
    case Select::Kind::kUniform:
      return rng_.below(n);
    case Select::Kind::kZipfian:
      return zipf_.sample(n, rng_);
    case Select::Kind::kLatest:
      return n - 1 - zipf_.sample(n, rng_);
  }
  return 0;
}

std::uint32_t grown_size(std::uint32_t size, const Growth& growth) {
  if (growth.bytes != 0) {
    const std::int64_t grown = std::int64_t{size} + growth.bytes;
    return static_cast<std::uint32_t>(std::clamp<std::int64_t>(grown, 0, growth.max));
  }
  const double grown = std::round(static_cast<double>(size) * growth.factor);
  if (!(grown > 0)) return 0;  // NaN included
  return grown >= growth.max ? growth.max : static_cast<std::uint32_t>(grown);
}

void fill_value(std::uint64_t key, std::uint32_t version, std::uint32_t size, std::string& out) {
  out.resize(size);  // keeps the capacity: no allocation once `out` has been this large
  char* dst = out.data();
  // wyrand (Wang Yi): one 64x64->128 multiply per 8 bytes and only an addition carried from
  // word to word, about twice the speed of a splitmix64 stream; the two mixes make distinct
  // (key, version) pairs start far apart.
  std::uint64_t state = mix64(mix64(key + kGolden) + version);
  const auto next_word = [&state] {
    state += 0xA0761D6478BD642Full;
    const Uint128 product = static_cast<Uint128>(state) * (state ^ 0xE7037ED1A0B428DBull);
    return static_cast<std::uint64_t>(product >> 64) ^ static_cast<std::uint64_t>(product);
  };
  std::uint32_t done = 0;
  for (; done + 8 <= size; done += 8) {
    const std::uint64_t word = next_word();
    std::memcpy(dst + done, &word, 8);
  }
  if (done == size) return;
  const std::uint64_t word = next_word();
  if (size >= 8) {
    std::memcpy(dst + size - 8, &word, 8);  // overlaps the last full word: no variable memcpy
  } else {
    for (std::uint32_t i = 0; i < size; ++i) dst[i] = static_cast<char>(word >> (8 * i));
  }
}

}  // namespace heapstore::workload
