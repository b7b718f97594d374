#include "neurotheory/core/random.hpp"
#include <Random123/philox.h>
#include <immintrin.h>
#include <sleef.h>

#include <cmath>
#include <vector>

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
  s.normals_used_ = 8;
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

void stream::next_normal_group(double* out) {
  alignas(32) double u[8];
  for (double& v : u) v = uniform();
#if defined(__AVX2__)
  const __m256d r = _mm256_sqrt_pd(_mm256_mul_pd(_mm256_set1_pd(-2.0), Sleef_logd4_u10avx2(_mm256_load_pd(u))));
  // sincospi(2 u) = (sin 2 pi u, cos 2 pi u).
  const Sleef___m256d_2 sc = Sleef_sincospid4_u35avx2(_mm256_add_pd(_mm256_load_pd(u + 4), _mm256_load_pd(u + 4)));
  _mm256_storeu_pd(out, _mm256_mul_pd(r, sc.y));
  _mm256_storeu_pd(out + 4, _mm256_mul_pd(r, sc.x));
#else
  for (int i = 0; i < 4; i += 2) {
    const __m128d r = _mm_sqrt_pd(_mm_mul_pd(_mm_set1_pd(-2.0), Sleef_logd2_u10sse2(_mm_loadu_pd(u + i))));
    const Sleef___m128d_2 sc = Sleef_sincospid2_u35sse2(_mm_add_pd(_mm_loadu_pd(u + 4 + i), _mm_loadu_pd(u + 4 + i)));
    _mm_storeu_pd(out + i, _mm_mul_pd(r, sc.y));
    _mm_storeu_pd(out + 4 + i, _mm_mul_pd(r, sc.x));
  }
#endif
}

double stream::normal() {
  if (normals_used_ == 8) {
    next_normal_group(normals_.data());
    normals_used_ = 0;
  }
  return normals_[static_cast<std::size_t>(normals_used_++)];
}

void stream::fill_uniform(std::span<double> out) {
  for (double& x : out) x = uniform();
}

void stream::fill_normal(std::span<double> out) {
  std::size_t i = 0;
  while (i < out.size() && normals_used_ < 8) out[i++] = normals_[static_cast<std::size_t>(normals_used_++)];
  for (; i + 8 <= out.size(); i += 8) next_normal_group(&out[i]);
  while (i < out.size()) out[i++] = normal();
}

}  // namespace nt::rng
