#pragma once
// Counter-based random streams (Salmon et al. 2011, Philox4x64-10 from Random123).
// A stream is a pure function of (seed, ids...): the k-th number of stream (seed, {layer, replicate})
// is the same whichever thread or process draws it, so results never depend on thread counts.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>

namespace nt::rng {

class stream {
 public:
  // Up to any number of ids; they are folded into the generator key (64-bit mixing).
  stream(std::uint64_t seed, std::initializer_list<std::uint64_t> ids = {});
  stream(std::uint64_t seed, std::span<const std::uint64_t> ids);

  // Uniform on the open interval (0, 1), 53 random bits.
  double uniform();
  // Standard normal. Box-Muller in groups of 8 from 8 consecutive uniforms (4 radii, 4 angles),
  // vectorized; normal() and fill_normal() give the same sequence however the calls are split.
  double normal();
  void fill_uniform(std::span<double> out);
  void fill_normal(std::span<double> out);
  // A derived stream, independent of this one: the same as stream(seed, {ids..., id}).
  [[nodiscard]] stream child(std::uint64_t id) const;

  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }

 private:
  void refill();
  std::uint64_t seed_;
  std::uint64_t key_hash_;
  std::uint64_t counter_ = 0;
  std::array<std::uint64_t, 4> block_{};
  int used_ = 4;
  void next_normal_group(double* out);  // 8 normals
  std::array<double, 8> normals_{};
  int normals_used_ = 8;
};

}  // namespace nt::rng
