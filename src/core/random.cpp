#include "neurotheory/core/random.hpp"

#include <cmath>
#include <numbers>
#include <vector>

#include <Random123/philox.h>

namespace nt::rng {
namespace {

// SplitMix64 finaliser: a bijective 64-bit mixer used to fold ids into the key.
std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

std::uint64_t fold(std::uint64_t h, std::uint64_t id) { return mix64(h ^ mix64(id + 0x632be59bd9b4e019ULL)); }

constexpr double kTwoPow53Inv = 1.0 / 9007199254740992.0;
// (k + 0.5) / 2^53 lies strictly inside (0, 1), so log(u) is always finite.
double to_open_unit(std::uint64_t bits) { return (static_cast<double>(bits >> 11U) + 0.5) * kTwoPow53Inv; }

}  // namespace

stream::stream(std::uint64_t seed, std::initializer_list<std::uint64_t> ids)
    : stream(seed, std::span<const std::uint64_t>(ids.begin(), ids.size())) {}

stream::stream(std::uint64_t seed, std::span<const std::uint64_t> ids) : seed_(seed), key_hash_(0x5eedULL) {
  for (auto id : ids) key_hash_ = fold(key_hash_, id);
}

stream stream::child(std::uint64_t id) const {
  stream s = *this;
  s.key_hash_ = fold(key_hash_, id);
  s.counter_ = 0;
  s.used_ = 4;
  s.has_spare_normal_ = false;
  return s;
}

void stream::refill() {
  r123::Philox4x64 gen;
  r123::Philox4x64::key_type key = {{seed_, key_hash_}};
  r123::Philox4x64::ctr_type ctr = {{counter_, 0, 0, 0}};
  auto out = gen(ctr, key);
  for (int i = 0; i < 4; ++i) block_[i] = out.v[i];
  ++counter_;
  used_ = 0;
}

double stream::uniform() {
  if (used_ == 4) refill();
  return to_open_unit(block_[used_++]);
}

double stream::normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  const double r = std::sqrt(-2.0 * std::log(uniform()));
  const double theta = 2.0 * std::numbers::pi * uniform();
  spare_normal_ = r * std::sin(theta);
  has_spare_normal_ = true;
  return r * std::cos(theta);
}

void stream::fill_uniform(std::span<double> out) {
  for (double& x : out) x = uniform();
}

void stream::fill_normal(std::span<double> out) {
  std::size_t i = 0;
  if (has_spare_normal_ && !out.empty()) out[i++] = normal();
  // Pairs straight from the uniform stream; identical to repeated normal() calls.
  for (; i + 1 < out.size(); i += 2) {
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    const double theta = 2.0 * std::numbers::pi * uniform();
    out[i] = r * std::cos(theta);
    out[i + 1] = r * std::sin(theta);
  }
  if (i < out.size()) out[i] = normal();
}

}  // namespace nt::rng
