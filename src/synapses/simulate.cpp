#include "neurotheory/synapses/simulate.hpp"
#include <Random123/philox.h>
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/LU>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/parallel.hpp"
#include "neurotheory/core/random.hpp"

namespace nt::synapses {
namespace {

// Counter tags of the per-block Philox streams (third counter word).
enum counter_tag : std::uint32_t { step_tag = 0, initial_tag = 1 };
// Ids of the nt::rng::stream keys (after seed, repetition, block).
enum stream_tag : std::uint64_t { philox_key_tag = 11, poisson_tag = 12, pattern_tag = 13 };

constexpr double kTwo32 = 4294967296.0;

// ------------------------------------------------------------------------------------------------
// Random bytes: Philox4x32-10 (Salmon et al. 2011, SC'11) in counter mode. Batch b of a stream holds
// the 8 blocks with counters (8 b + lane, c1, c2, 0); its 128 bytes are word 0 of the 8 lanes, then
// word 1, 2, 3 (lane-major within a word), so the AVX2 generator (8 lanes at once) and the portable
// one (Random123's reference Philox4x32, one lane at a time) write identical bytes.
struct philox_key {
  std::uint32_t k0 = 0, k1 = 0;
};

philox_key key_for(std::uint64_t seed, std::uint64_t repetition, std::uint64_t block) {
  // The 64-bit Philox key comes from the library's keyed stream: two uniforms, 32 bits each.
  rng::stream s(seed, {philox_key_tag, repetition, block});
  philox_key k;
  k.k0 = static_cast<std::uint32_t>(std::floor(s.uniform() * kTwo32));
  k.k1 = static_cast<std::uint32_t>(std::floor(s.uniform() * kTwo32));
  return k;
}

void philox_fill_portable(philox_key key, std::uint32_t c1, std::uint32_t c2, std::size_t batches, std::uint8_t* out) {
  r123::Philox4x32 gen;
  const r123::Philox4x32::key_type k = {{key.k0, key.k1}};
  for (std::size_t b = 0; b < batches; ++b) {
    for (std::uint32_t lane = 0; lane < 8; ++lane) {
      const r123::Philox4x32::ctr_type c = {{static_cast<std::uint32_t>(8 * b) + lane, c1, c2, 0}};
      const auto r = gen(c, k);
      for (int w = 0; w < 4; ++w) {
        const std::uint32_t v = r.v[w];
        std::uint8_t* p = out + 128 * b + 32 * static_cast<std::size_t>(w) + 4 * lane;
        for (int byte = 0; byte < 4; ++byte)
          p[byte] = static_cast<std::uint8_t>(v >> (8U * static_cast<unsigned>(byte)));
      }
    }
  }
}

#if defined(__AVX2__)
// 32 x 32 -> 64-bit products of 8 lanes: the low and high halves, lane by lane.
inline void mulhilo8(__m256i a, __m256i m, __m256i& lo, __m256i& hi) {
  const __m256i even = _mm256_mul_epu32(a, m);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
  lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

void philox_fill_avx2(philox_key key, std::uint32_t c1, std::uint32_t c2, std::size_t batches, std::uint8_t* out) {
  // Philox4x32 constants (Random123 philox.h): multipliers and the Weyl key increments.
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(0xD2511F53U));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(0xCD9E8D57U));
  __m256i ka[10], kb[10];
  for (std::uint32_t r = 0; r < 10; ++r) {
    ka[r] = _mm256_set1_epi32(static_cast<int>(key.k0 + r * 0x9E3779B9U));
    kb[r] = _mm256_set1_epi32(static_cast<int>(key.k1 + r * 0xBB67AE85U));
  }
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i v1 = _mm256_set1_epi32(static_cast<int>(c1));
  const __m256i v2 = _mm256_set1_epi32(static_cast<int>(c2));
  for (std::size_t b = 0; b < batches; ++b) {
    __m256i x0 = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(8 * b)), lanes);
    __m256i x1 = v1, x2 = v2, x3 = _mm256_setzero_si256();
    for (int r = 0; r < 10; ++r) {
      __m256i lo0, hi0, lo1, hi1;
      mulhilo8(x0, m0, lo0, hi0);
      mulhilo8(x2, m1, lo1, hi1);
      x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), ka[r]);
      x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), kb[r]);
      x1 = lo1;
      x3 = lo0;
    }
    auto* p = reinterpret_cast<__m256i*>(out + 128 * b);
    _mm256_storeu_si256(p, x0);
    _mm256_storeu_si256(p + 1, x1);
    _mm256_storeu_si256(p + 2, x2);
    _mm256_storeu_si256(p + 3, x3);
  }
}
#endif

void philox_fill(bool simd, philox_key key, std::uint32_t c1, std::uint32_t c2, std::size_t batches,
                 std::uint8_t* out) {
#if defined(__AVX2__)
  if (simd) {
    philox_fill_avx2(key, c1, c2, batches, out);
    return;
  }
#endif
  (void)simd;
  philox_fill_portable(key, c1, c2, batches, out);
}

std::size_t round_up(std::size_t n, std::size_t m) { return (n + m - 1) / m * m; }

std::uint32_t read_u32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8U) |
         (static_cast<std::uint32_t>(p[2]) << 16U) | (static_cast<std::uint32_t>(p[3]) << 24U);
}

// Cumulative table in units of 2^-32 (last entry exactly 2^32): index of the first entry > u.
std::vector<std::uint64_t> cumulative_u32(const Eigen::Ref<const Eigen::VectorXd>& p) {
  std::vector<std::uint64_t> c(static_cast<std::size_t>(p.size()));
  double acc = 0;
  for (Eigen::Index i = 0; i < p.size(); ++i) {
    acc += std::max(p[i], 0.0);
    c[static_cast<std::size_t>(i)] = static_cast<std::uint64_t>(std::llround(std::min(acc, 1.0) * kTwo32));
  }
  c.back() = static_cast<std::uint64_t>(kTwo32);
  return c;
}

int draw_u32(const std::vector<std::uint64_t>& cum, std::uint32_t u) {
  int j = 0;
  while (static_cast<std::uint64_t>(u) >= cum[static_cast<std::size_t>(j)]) ++j;
  return j;
}

// ------------------------------------------------------------------------------------------------
// Fast kernels: every (event, state) row has at most one target state, so a synapse-step is one
// comparison of a k-byte uniform with an integer threshold and a table look-up (pshufb: M <= 16).
// The threshold of "move with probability p" is T = round(p 256^k) - 1, taken as u <= T
// (lexicographically over the k bytes, most significant first): P = (T + 1) / 256^k, exact when p is a
// multiple of 256^-k (all of the twin's probabilities with k = 1). With f_pot = 1/2 the event is one
// random bit. Weights are integers / scale (|.| <= 127), so block sums are exact integers.
struct fast_tables {
  int k = 1;              // bytes per transition uniform
  int bits = 8;           // k = 1: bits per transition uniform (0, 1, 2, 4 or 8)
  bool bit_event = true;  // f_pot = 1/2: one bit per event
  int ke = 1;             // bytes per event uniform otherwise
  std::array<std::uint8_t, 4> event_threshold{};
  alignas(16) std::array<std::array<std::uint8_t, 16>, 2> target{};                    // [event][state]
  alignas(16) std::array<std::array<std::array<std::uint8_t, 16>, 4>, 2> threshold{};  // [event][byte][state]
  alignas(16) std::array<std::int8_t, 16> weight{};                                    // integer weights
  // M <= 8: both events in one 16-entry table indexed by state + 8 pot (one look-up, no blend).
  bool small = false;
  alignas(16) std::array<std::uint8_t, 16> target8{};
  alignas(16) std::array<std::array<std::uint8_t, 16>, 4> threshold8{};
  double scale = 1;
  double probability_error = 0;
  std::size_t event_bytes = 0;  // per step, for a block padded to np synapses
  std::size_t level_bytes = 0;  // k = 1: bytes of the transition region (np bits / 8)
};

// Threshold bytes (big-endian) of probability p with k bytes; returns |p_used - p|.
double threshold_bytes(double p, int k, std::uint8_t* out, bool& never) {
  k = std::clamp(k, 1, 4);
  const double scale = std::ldexp(1.0, 8 * k);
  const double t = std::round(p * scale);
  never = t < 1.0;
  const auto tv = static_cast<std::uint64_t>(std::max(t, 1.0)) - 1U;
  for (int b = 0; b < k; ++b) out[b] = static_cast<std::uint8_t>(tv >> (8U * static_cast<unsigned>(k - 1 - b)));
  return never ? p : std::abs(t / scale - p);
}

bool exact_at(double p, int k) {
  const double s = p * std::ldexp(1.0, 8 * k);
  return s == std::floor(s);
}

// Integer weights w_i * scale for the smallest scale in 1..127 that makes them integers in [-127, 127].
bool integer_weights(const Eigen::VectorXd& w, std::array<std::int8_t, 16>& out, double& scale) {
  for (int s = 1; s <= 127; ++s) {
    bool ok = true;
    for (Eigen::Index i = 0; i < w.size() && ok; ++i) {
      const double v = w[i] * s;
      ok = std::abs(v - std::round(v)) <= 1e-9 * s && std::abs(std::round(v)) <= 127.0;
    }
    if (ok) {
      for (Eigen::Index i = 0; i < w.size(); ++i)
        out[static_cast<std::size_t>(i)] = static_cast<std::int8_t>(std::lround(w[i] * s));
      scale = s;
      return true;
    }
  }
  return false;
}

// Fills the tables when the model qualifies for the fast kernels; false otherwise.
bool make_fast_tables(const markov_model& model, fast_tables& tb) {
  const int m = model.states();
  if (m > 16) return false;
  if (!integer_weights(model.weights, tb.weight, tb.scale)) return false;
  std::vector<double> probs;
  for (int e = 0; e < 2; ++e) {
    const Eigen::MatrixXd& mat = e == 1 ? model.potentiation : model.depression;
    for (int s = 0; s < m; ++s) {
      int target = s;
      double p = 0;
      for (int j = 0; j < m; ++j) {
        if (j == s || mat(s, j) <= 0.0) continue;
        if (target != s) return false;  // two targets
        target = j;
        p = mat(s, j);
      }
      tb.target[static_cast<std::size_t>(e)][static_cast<std::size_t>(s)] = static_cast<std::uint8_t>(target);
      probs.push_back(p);
    }
  }
  tb.k = 4;
  for (int k = 1; k <= 4; ++k) {
    if (std::all_of(probs.begin(), probs.end(), [k](double p) { return exact_at(p, k); })) {
      tb.k = k;
      break;
    }
  }
  // Fewer than 8 bits suffice when every probability is a multiple of 2^-b (serial q = 1: none;
  // cascade x = 1/2, n = 4: two): each random byte then serves 8 / b synapses.
  if (tb.k == 1) {
    for (int b : {0, 1, 2, 4, 8}) {
      if (std::all_of(probs.begin(), probs.end(), [b](double p) {
            const double v = std::ldexp(p, b);
            return v == std::floor(v);
          })) {
        tb.bits = b;
        break;
      }
    }
  }
  for (int e = 0; e < 2; ++e) {
    const Eigen::MatrixXd& mat = e == 1 ? model.potentiation : model.depression;
    for (int s = 0; s < m; ++s) {
      auto& tgt = tb.target[static_cast<std::size_t>(e)][static_cast<std::size_t>(s)];
      if (tgt == s) continue;
      std::array<std::uint8_t, 4> bytes{};
      bool never = false;
      if (tb.k == 1) {
        // b-bit uniform u in [0, 2^b): move iff u <= round(p 2^b) - 1 (exact: p is a multiple of 2^-b).
        const double t = std::round(std::ldexp(mat(s, tgt), tb.bits));
        never = t < 1.0;
        bytes[0] = static_cast<std::uint8_t>(std::max(t, 1.0) - 1.0);
      } else {
        tb.probability_error = std::max(tb.probability_error, threshold_bytes(mat(s, tgt), tb.k, bytes.data(), never));
      }
      if (never) tgt = static_cast<std::uint8_t>(s);
      for (int b = 0; b < tb.k; ++b)
        tb.threshold[static_cast<std::size_t>(e)][static_cast<std::size_t>(b)][static_cast<std::size_t>(s)] =
            bytes[static_cast<std::size_t>(b)];
    }
    for (int s = m; s < 16; ++s)
      tb.target[static_cast<std::size_t>(e)][static_cast<std::size_t>(s)] = static_cast<std::uint8_t>(s);
  }
  tb.small = m <= 8;
  for (std::size_t s = 0; s < 16; ++s) {
    const std::size_t e = s / 8, st = s % 8;
    tb.target8[s] = tb.target[e][st];
    for (std::size_t b = 0; b < 4; ++b) tb.threshold8[b][s] = tb.threshold[e][b][st];
  }
  tb.bit_event = model.f_pot == 0.5;
  if (!tb.bit_event) {
    tb.ke = 4;
    for (int k = 1; k <= 4; ++k) {
      if (exact_at(model.f_pot, k)) {
        tb.ke = k;
        break;
      }
    }
    bool never = false;
    tb.probability_error =
        std::max(tb.probability_error, threshold_bytes(model.f_pot, tb.ke, tb.event_threshold.data(), never));
  }
  return true;
}

// Lexicographic u <= T over k bytes stored `stride` apart.
inline bool bytes_le(const std::uint8_t* r, std::size_t stride, const std::uint8_t* t, int k) {
  for (int b = 0; b < k; ++b) {
    const std::uint8_t rb = r[static_cast<std::size_t>(b) * stride];
    if (rb != t[b]) return rb < t[b];
  }
  return true;
}

// One synapse of a fast step; returns w * xi * scale.
inline int fast_synapse(const fast_tables& tb, std::uint8_t* state, std::int8_t* xi, std::size_t i,
                        const std::uint8_t* rnd, std::size_t np, bool store) {
  const std::uint8_t* ev = rnd;
  const std::uint8_t* lvl = rnd + tb.event_bytes;
  const bool pot =
      tb.bit_event ? ((ev[i >> 3U] >> (i & 7U)) & 1U) != 0 : bytes_le(ev + i, np, tb.event_threshold.data(), tb.ke);
  const std::size_t e = pot ? 1 : 0;
  const std::uint8_t s = state[i];
  bool move = false;
  if (tb.k == 1) {
    // Synapse i reads bits [g b, g b + b) of byte i mod R of the region (R = np b / 8, g = i / R).
    unsigned u = 0;
    if (tb.bits > 0) {
      const std::size_t r = tb.level_bytes;
      u = (static_cast<unsigned>(lvl[i % r]) >> ((i / r) * static_cast<unsigned>(tb.bits))) &
          ((1U << static_cast<unsigned>(tb.bits)) - 1U);
    }
    move = u <= tb.threshold[e][0][s];
  } else {
    std::array<std::uint8_t, 4> t{};
    for (int b = 0; b < tb.k; ++b) t[static_cast<std::size_t>(b)] = tb.threshold[e][static_cast<std::size_t>(b)][s];
    move = bytes_le(lvl + i, np, t.data(), tb.k);
  }
  const std::uint8_t next = move ? tb.target[e][s] : s;
  state[i] = next;
  if (store) xi[i] = pot ? 1 : -1;
  return tb.weight[next] * xi[i];
}

int fast_step_portable(const fast_tables& tb, std::uint8_t* state, std::int8_t* xi, std::size_t n,
                       const std::uint8_t* rnd, std::size_t np, bool store) {
  int y = 0;
  for (std::size_t i = 0; i < n; ++i) y += fast_synapse(tb, state, xi, i, rnd, np, store);
  return y;
}

#if defined(__AVX2__)
inline __m256i load128x2(const void* p) {
  return _mm256_broadcastsi128_si256(_mm_load_si128(static_cast<const __m128i*>(p)));
}

// Lexicographic unsigned u <= T over the levels of 32 synapses.
template <int K>
inline __m256i le_bytes(const __m256i* r, const __m256i* t) {
  if constexpr (K == 1) {
    return _mm256_cmpeq_epi8(_mm256_min_epu8(r[0], t[0]), r[0]);
  } else {
    __m256i le = _mm256_setzero_si256();
    __m256i eq = _mm256_set1_epi8(-1);
    for (int b = 0; b < K; ++b) {
      const auto ub = static_cast<std::size_t>(b);
      const __m256i eqb = _mm256_cmpeq_epi8(r[ub], t[ub]);
      const __m256i leb = _mm256_cmpeq_epi8(_mm256_min_epu8(r[ub], t[ub]), r[ub]);
      le = _mm256_or_si256(le, _mm256_and_si256(eq, _mm256_andnot_si256(eqb, leb)));
      eq = _mm256_and_si256(eq, eqb);
    }
    return _mm256_or_si256(le, eq);
  }
}

template <int K, bool Small>
int fast_step_avx2(const fast_tables& tb, std::uint8_t* state, std::int8_t* xi, std::size_t n, const std::uint8_t* rnd,
                   std::size_t np, bool store) {
  const std::uint8_t* ev = rnd;
  const std::uint8_t* lvl = rnd + tb.event_bytes;
  const __m256i tgt_dep = load128x2(tb.target[0].data());
  const __m256i tgt_pot = load128x2(tb.target[1].data());
  __m256i thr_dep[4], thr_pot[4], ethr[4];
  for (int b = 0; b < K; ++b) {
    thr_dep[static_cast<std::size_t>(b)] = load128x2(tb.threshold[0][static_cast<std::size_t>(b)].data());
    thr_pot[static_cast<std::size_t>(b)] = load128x2(tb.threshold[1][static_cast<std::size_t>(b)].data());
  }
  for (int b = 0; b < tb.ke; ++b)
    ethr[static_cast<std::size_t>(b)] =
        _mm256_set1_epi8(static_cast<char>(tb.event_threshold[static_cast<std::size_t>(b)]));
  const __m256i wtab = load128x2(tb.weight.data());
  const __m256i tgt8 = load128x2(tb.target8.data());
  const __m256i eight = _mm256_set1_epi8(8);
  __m256i thr8[4];
  for (int b = 0; b < K; ++b) thr8[b] = load128x2(tb.threshold8[static_cast<std::size_t>(b)].data());
  const int bits = tb.bits;
  const std::size_t level_bytes = std::max<std::size_t>(tb.level_bytes, 1);
  const __m256i field = _mm256_set1_epi8(
      static_cast<char>((1U << static_cast<unsigned>(std::min(bits, 7))) - 1U + (bits == 8 ? 128U : 0U)));
  const __m256i ones = _mm256_set1_epi8(1);
  const __m256i minus = _mm256_set1_epi8(-1);
  // Bit b of a 32-bit word -> byte b: byte b takes source byte b / 8, then tests bit b % 8.
  const __m256i spread =
      _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const __m256i bitmask = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ULL));
  __m256i acc = _mm256_setzero_si256();
  const std::size_t full = n / 32 * 32;
  for (std::size_t j = 0; j < full; j += 32) {
    __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(state + j));
    __m256i pot;
    if (tb.bit_event) {
      std::uint32_t word;
      std::memcpy(&word, ev + j / 8, 4);
      const __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(word)), spread);
      pot = _mm256_cmpeq_epi8(_mm256_and_si256(v, bitmask), bitmask);
    } else {
      __m256i r[4];
      for (int b = 0; b < tb.ke; ++b)
        r[static_cast<std::size_t>(b)] =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ev + static_cast<std::size_t>(b) * np + j));
      switch (tb.ke) {
        case 1:
          pot = le_bytes<1>(r, ethr);
          break;
        case 2:
          pot = le_bytes<2>(r, ethr);
          break;
        case 3:
          pot = le_bytes<3>(r, ethr);
          break;
        default:
          pot = le_bytes<4>(r, ethr);
          break;
      }
    }
    __m256i tgt, idx = s;
    if constexpr (Small) {
      idx = _mm256_or_si256(s, _mm256_and_si256(pot, eight));
      tgt = _mm256_shuffle_epi8(tgt8, idx);
    } else {
      tgt = _mm256_blendv_epi8(_mm256_shuffle_epi8(tgt_dep, s), _mm256_shuffle_epi8(tgt_pot, s), pot);
    }
    __m256i r[4], t[4];
    for (int b = 0; b < K; ++b) {
      const auto ub = static_cast<std::size_t>(b);
      if constexpr (Small) {
        t[ub] = _mm256_shuffle_epi8(thr8[ub], idx);
      } else {
        t[ub] = _mm256_blendv_epi8(_mm256_shuffle_epi8(thr_dep[ub], s), _mm256_shuffle_epi8(thr_pot[ub], s), pot);
      }
      if constexpr (K == 1) {
        // b-bit fields: 32 consecutive synapses share the group g = j / R (R is a multiple of 128).
        if (bits == 0) {
          r[0] = _mm256_setzero_si256();
        } else {
          const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lvl + j % level_bytes));
          const auto shift = static_cast<int>((j / level_bytes) * static_cast<std::size_t>(bits));
          r[0] = _mm256_and_si256(_mm256_srl_epi16(raw, _mm_cvtsi32_si128(shift)), field);
        }
      } else {
        r[ub] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lvl + ub * np + j));
      }
    }
    s = _mm256_blendv_epi8(s, tgt, le_bytes<K>(r, t));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(state + j), s);
    __m256i x;
    if (store) {
      x = _mm256_blendv_epi8(minus, ones, pot);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(xi + j), x);
    } else {
      x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xi + j));
    }
    const __m256i wx = _mm256_sign_epi8(_mm256_shuffle_epi8(wtab, s), x);
    // Pairs of |w| <= 127 summed to int16: at most 254 per chunk, 128 chunks (4096 synapses) fit.
    acc = _mm256_add_epi16(acc, _mm256_maddubs_epi16(ones, wx));
  }
  const __m256i acc32 = _mm256_madd_epi16(acc, _mm256_set1_epi16(1));
  alignas(32) std::array<std::int32_t, 8> lanes{};
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes.data()), acc32);
  int y = 0;
  for (int v : lanes) y += v;
  for (std::size_t i = full; i < n; ++i) y += fast_synapse(tb, state, xi, i, rnd, np, store);
  return y;
}
#endif

enum class kernel_kind { fast_simd, fast_portable, general, poisson };

int fast_step(kernel_kind kind, const fast_tables& tb, std::uint8_t* state, std::int8_t* xi, std::size_t n,
              const std::uint8_t* rnd, std::size_t np, bool store) {
#if defined(__AVX2__)
  if (kind == kernel_kind::fast_simd) {
    switch (tb.k) {
      case 1:
        return tb.small ? fast_step_avx2<1, true>(tb, state, xi, n, rnd, np, store)
                        : fast_step_avx2<1, false>(tb, state, xi, n, rnd, np, store);
      case 2:
        return fast_step_avx2<2, false>(tb, state, xi, n, rnd, np, store);
      case 3:
        return fast_step_avx2<3, false>(tb, state, xi, n, rnd, np, store);
      default:
        return fast_step_avx2<4, false>(tb, state, xi, n, rnd, np, store);
    }
  }
#endif
  (void)kind;
  return fast_step_portable(tb, state, xi, n, rnd, np, store);
}

// General tables: per (event, state) the cumulative distribution of the next state in 2^-32 units.
struct general_tables {
  std::uint64_t f_threshold = 0;  // potentiate iff u < f_threshold
  std::array<std::vector<std::vector<std::uint64_t>>, 2> cum;
  std::array<std::vector<std::vector<double>>, 2> cum_double;  // for the Poisson kernel
};

general_tables make_general_tables(const markov_model& model) {
  general_tables g;
  g.f_threshold = static_cast<std::uint64_t>(std::llround(model.f_pot * kTwo32));
  const int m = model.states();
  for (int e = 0; e < 2; ++e) {
    const Eigen::MatrixXd& mat = e == 1 ? model.potentiation : model.depression;
    for (int s = 0; s < m; ++s) {
      g.cum[static_cast<std::size_t>(e)].push_back(cumulative_u32(mat.row(s).transpose()));
      std::vector<double> c(static_cast<std::size_t>(m));
      double acc = 0;
      for (int j = 0; j < m; ++j) c[static_cast<std::size_t>(j)] = acc += std::max(mat(s, j), 0.0);
      c.back() = std::numeric_limits<double>::infinity();  // rows sum to 1 within 1e-12: never fall off
      g.cum_double[static_cast<std::size_t>(e)].push_back(std::move(c));
    }
  }
  return g;
}

// What one (repetition, block) task produces.
struct unit_output {
  std::vector<double> y;             // sum_i w_i xi_i at each recorded time
  std::vector<long long> occupancy;  // final states
};

struct run_plan {
  const markov_model* model = nullptr;
  const simulation_options* options = nullptr;
  kernel_kind kind = kernel_kind::general;
  fast_tables fast;
  general_tables general;
  std::vector<std::uint64_t> initial_cum;  // p_inf in 2^-32 units
  std::vector<double> initial_cum_double;
  std::vector<double> times;
  std::vector<long long> record_step;  // discrete: recorded steps
};

void initial_states(const run_plan& plan, philox_key key, std::size_t n, std::vector<std::uint8_t>& bytes,
                    std::uint8_t* state) {
  const std::size_t batches = round_up(4 * n, 128) / 128;
  bytes.resize(std::max(bytes.size(), batches * 128));
  philox_fill(plan.kind != kernel_kind::fast_portable, key, 0, initial_tag, batches, bytes.data());
  for (std::size_t i = 0; i < n; ++i)
    state[i] = static_cast<std::uint8_t>(draw_u32(plan.initial_cum, read_u32(&bytes[4 * i])));
}

void run_unit_discrete(const run_plan& plan, int rep, std::uint64_t block, std::size_t n, unit_output& out) {
  const auto& o = *plan.options;
  const philox_key key = key_for(o.seed, static_cast<std::uint64_t>(rep), block);
  // Padded to 1024 synapses: every random region is whole 128-byte Philox batches, and a 1-bit
  // region (np / 8 bytes) still splits into whole 32-synapse chunks.
  const std::size_t np = round_up(n, 1024);
  std::vector<std::uint8_t> state(np, 0), bytes;
  std::vector<std::int8_t> xi(np, 0);
  initial_states(plan, key, n, bytes, state.data());
  const bool fast = plan.kind == kernel_kind::fast_simd || plan.kind == kernel_kind::fast_portable;
  // Bytes per step: fast kernels an event region (one bit, or ke bytes, per synapse) then k threshold
  // bytes per synapse, each region whole 128-byte Philox batches; the general kernel two 32-bit uniforms.
  fast_tables tb = plan.fast;
  tb.event_bytes = tb.bit_event ? round_up(np / 8, 128) : static_cast<std::size_t>(tb.ke) * np;
  tb.level_bytes = tb.k == 1 ? np * static_cast<std::size_t>(tb.bits) / 8 : static_cast<std::size_t>(tb.k) * np;
  const std::size_t per_step = fast ? tb.event_bytes + tb.level_bytes : 8 * np;
  bytes.assign(per_step, 0);
  const auto steps = plan.record_step.back();
  std::size_t next = 0;
  out.y.assign(plan.record_step.size(), 0.0);
  const Eigen::VectorXd& w = plan.model->weights;
  for (long long t = 1; t <= steps; ++t) {
    philox_fill(plan.kind != kernel_kind::fast_portable, key, static_cast<std::uint32_t>(t), step_tag, per_step / 128,
                bytes.data());
    double y = 0;
    if (fast) {
      y = fast_step(plan.kind, tb, state.data(), xi.data(), n, bytes.data(), np, t == 1) / tb.scale;
    } else {
      const auto& g = plan.general;
      for (std::size_t i = 0; i < n; ++i) {
        const bool pot = read_u32(&bytes[4 * i]) < g.f_threshold;
        const auto e = static_cast<std::size_t>(pot ? 1 : 0);
        state[i] = static_cast<std::uint8_t>(draw_u32(g.cum[e][state[i]], read_u32(&bytes[4 * (np + i)])));
        if (t == 1) xi[i] = pot ? 1 : -1;
        y += w[state[i]] * xi[i];
      }
    }
    if (t == plan.record_step[next]) out.y[next++] = y;
  }
  out.occupancy.assign(static_cast<std::size_t>(plan.model->states()), 0);
  for (std::size_t i = 0; i < n; ++i) ++out.occupancy[state[i]];
}

// Poisson time: each synapse's own events at rate r (exponential gaps), synapse by synapse.
void run_unit_poisson(const run_plan& plan, int rep, std::uint64_t block, std::size_t n, unit_output& out) {
  const auto& o = *plan.options;
  const auto& g = plan.general;
  rng::stream s(o.seed, {poisson_tag, static_cast<std::uint64_t>(rep), block});
  const int m = plan.model->states();
  const Eigen::VectorXd& w = plan.model->weights;
  out.y.assign(plan.times.size(), 0.0);
  out.occupancy.assign(static_cast<std::size_t>(m), 0);
  auto draw = [](const std::vector<double>& cum, double u) {
    int j = 0;
    while (u >= cum[static_cast<std::size_t>(j)]) ++j;
    return j;
  };
  for (std::size_t i = 0; i < n; ++i) {
    int state = draw(plan.initial_cum_double, s.uniform());
    // The tracked memory at t = 0.
    const bool pot0 = s.uniform() < plan.model->f_pot;
    const double xi = pot0 ? 1.0 : -1.0;
    state = draw(g.cum_double[pot0 ? 1 : 0][static_cast<std::size_t>(state)], s.uniform());
    double next = -std::log(s.uniform()) / o.rate;
    for (std::size_t k = 0; k < plan.times.size(); ++k) {
      while (next <= plan.times[k]) {
        const bool pot = s.uniform() < plan.model->f_pot;
        state = draw(g.cum_double[pot ? 1 : 0][static_cast<std::size_t>(state)], s.uniform());
        next += -std::log(s.uniform()) / o.rate;
      }
      out.y[k] += w[state] * xi;
    }
    ++out.occupancy[static_cast<std::size_t>(state)];
  }
}

}  // namespace

void simulation_options::validate() const {
  require_at_least("synapses", synapses, 1);
  if (synapses > (1LL << 40)) throw invalid_argument("synapses", std::to_string(synapses), "must be at most 2^40");
  require_at_least("repetitions", repetitions, 1);
  if (time != "discrete" && time != "poisson") throw invalid_argument("time", time, "discrete or poisson");
  if (kernel != "auto" && kernel != "fast" && kernel != "portable" && kernel != "general")
    throw invalid_argument("kernel", kernel, "auto, fast, portable or general");
  if (time == "poisson" && (kernel == "fast" || kernel == "portable"))
    throw invalid_argument("kernel", kernel, "auto or general with time = poisson (the fast kernels are discrete)");
  if (block < 128 || block > 4096 || block % 128 != 0)
    throw invalid_argument("block", std::to_string(block), "a multiple of 128 in [128, 4096]");
  if (time == "discrete") {
    require_in_range("horizon", horizon, 1.0, 4294967295.0);
    if (horizon != std::floor(horizon))
      throw invalid_argument("horizon", format_value(horizon), "an integer number of memories with time = discrete");
  } else {
    require_in_range("horizon", horizon, 0.0, 1e9);
    require_positive("rate", rate);
    if (rate * horizon > 1e8)
      throw invalid_argument("rate", format_value(rate), "rate * horizon at most 1e8 events per synapse");
  }
  double previous = -1.0;
  for (double t : times) {
    if (!std::isfinite(t) || t <= previous)
      throw invalid_argument("times", format_value(t), "strictly increasing finite times");
    if (time == "discrete" && (t != std::floor(t) || t < 1.0 || t > horizon))
      throw invalid_argument("times", format_value(t), "integers in [1, horizon] with time = discrete");
    if (time == "poisson" && (t < 0.0 || t > horizon))
      throw invalid_argument("times", format_value(t), "in [0, horizon] with time = poisson");
    previous = t;
  }
  const double points =
      times.empty() ? (time == "discrete" ? horizon : std::floor(horizon) + 1.0) : static_cast<double>(times.size());
  if (points > 1e6) throw invalid_argument("times", format_value(points), "at most 1e6 recorded times");
  const double blocks = std::ceil(static_cast<double>(synapses) / block) * repetitions;
  if (blocks < 2.0)
    throw invalid_argument("synapses", std::to_string(synapses),
                           "at least two blocks x repetitions (standard errors come from their scatter): raise "
                           "synapses above block or repetitions above 1");
}

Eigen::VectorXd stationary_distribution(const markov_model& model) {
  model.validate();
  const Eigen::Index m = model.states();
  const Eigen::MatrixXd wf = model.generator();
  // p (E - W_F) = 1^T, i.e. (E - W_F)^T p^T = 1.
  const Eigen::MatrixXd a = (Eigen::MatrixXd::Ones(m, m) - wf).transpose();
  const Eigen::FullPivLU<Eigen::MatrixXd> lu(a);
  if (!lu.isInvertible())
    throw invalid_argument("potentiation", "model", "a chain with a unique stationary distribution (one closed class)");
  Eigen::VectorXd p = lu.solve(Eigen::VectorXd::Ones(m));
  p = p.cwiseMax(0.0);
  p /= p.sum();
  return p;
}

Eigen::VectorXd exact_signal(const markov_model& model, const Eigen::VectorXd& times, const std::string& time,
                             double rate) {
  const Eigen::VectorXd p = stationary_distribution(model);
  const double f = model.f_pot;
  const double baseline = (2.0 * f - 1.0) * p.dot(model.weights);
  const Eigen::MatrixXd mf = f * model.potentiation + (1.0 - f) * model.depression;
  // Row vector a_k = 2 f f_dep p (M_pot - M_dep) M_F^k; the signal above baseline is a_k . w.
  Eigen::RowVectorXd a = 2.0 * f * (1.0 - f) * p.transpose() * (model.potentiation - model.depression);
  Eigen::VectorXd out(times.size());
  if (time == "discrete") {
    // Powers by repeated products over the sorted times (t - 1 steps after storage).
    std::vector<Eigen::Index> order(static_cast<std::size_t>(times.size()));
    for (Eigen::Index i = 0; i < times.size(); ++i) order[static_cast<std::size_t>(i)] = i;
    std::sort(order.begin(), order.end(), [&](Eigen::Index x, Eigen::Index y) { return times[x] < times[y]; });
    long long k = 0;
    for (auto i : order) {
      const double t = times[i];
      if (!(t >= 1.0) || t != std::floor(t))
        throw invalid_argument("times", format_value(t), "integers >= 1 (discrete)");
      while (k < static_cast<long long>(t) - 1) {
        a = a * mf;
        ++k;
      }
      out[i] = baseline + a.dot(model.weights);
    }
    return out;
  }
  if (time != "poisson") throw invalid_argument("time", time, "discrete or poisson");
  require_positive("rate", rate);
  // exp(r t W_F) = sum_k Pois(k; r t) M_F^k (uniformization): the discrete curve mixed with Poisson weights.
  double lmax = 0;
  for (Eigen::Index i = 0; i < times.size(); ++i) {
    if (!(times[i] >= 0.0) || !std::isfinite(times[i])) throw invalid_argument("times", format_value(times[i]), ">= 0");
    lmax = std::max(lmax, rate * times[i]);
  }
  if (lmax > 1e8) throw invalid_argument("times", format_value(lmax), "rate * t at most 1e8");
  const auto kmax = static_cast<std::size_t>(lmax + 12.0 * std::sqrt(lmax) + 40.0);
  std::vector<double> d(kmax + 1);
  for (std::size_t k = 0; k <= kmax; ++k) {
    d[k] = a.dot(model.weights);
    a = a * mf;
  }
  for (Eigen::Index i = 0; i < times.size(); ++i) {
    const double lam = rate * times[i];
    double sum = 0;
    if (lam == 0.0) {
      sum = d[0];
    } else {
      const double lo = std::max(0.0, std::floor(lam - 12.0 * std::sqrt(lam) - 40.0));
      const double hi = std::min(static_cast<double>(kmax), std::ceil(lam + 12.0 * std::sqrt(lam) + 40.0));
      for (auto k = static_cast<std::size_t>(lo); k <= static_cast<std::size_t>(hi); ++k) {
        const double kk = static_cast<double>(k);
        sum += std::exp(kk * std::log(lam) - lam - std::lgamma(kk + 1.0)) * d[k];
      }
    }
    out[i] = baseline + sum;
  }
  return out;
}

simulation_result simulate(const markov_model& model, const simulation_options& options) {
  model.validate();
  options.validate();
  if (model.states() > 255)  // states are stored as bytes
    throw invalid_argument("weights", std::to_string(model.states()), "at most 255 states for the Monte Carlo");
  const bool discrete = options.time == "discrete";
  run_plan plan;
  plan.model = &model;
  plan.options = &options;
  const Eigen::VectorXd p = stationary_distribution(model);
  plan.initial_cum = cumulative_u32(p);
  plan.initial_cum_double.resize(static_cast<std::size_t>(p.size()));
  {
    double acc = 0;
    for (Eigen::Index i = 0; i < p.size(); ++i) plan.initial_cum_double[static_cast<std::size_t>(i)] = acc += p[i];
    plan.initial_cum_double.back() = std::numeric_limits<double>::infinity();
  }
  simulation_result r;
  if (options.times.empty()) {
    const auto last = static_cast<long long>(std::floor(options.horizon));
    for (long long t = discrete ? 1 : 0; t <= last; ++t) plan.times.push_back(static_cast<double>(t));
  } else {
    plan.times = options.times;
  }
  for (double t : plan.times) plan.record_step.push_back(static_cast<long long>(t));

  const bool fast_ok = discrete && make_fast_tables(model, plan.fast);
  if (!discrete) {
    plan.kind = kernel_kind::poisson;
  } else if (options.kernel == "general" || (options.kernel == "auto" && !fast_ok)) {
    plan.kind = kernel_kind::general;
  } else {
    if (!fast_ok)
      throw invalid_argument("kernel", options.kernel,
                             "auto or general for this model (the fast kernels need M <= 16, at most one target per "
                             "(event, state) and weights k / s with integers |k| <= 127, s <= 127)");
#if defined(__AVX2__)
    plan.kind = options.kernel == "portable" ? kernel_kind::fast_portable : kernel_kind::fast_simd;
#else
    plan.kind = kernel_kind::fast_portable;
#endif
  }
  if (plan.kind != kernel_kind::fast_simd && plan.kind != kernel_kind::fast_portable)
    plan.general = make_general_tables(model);

  const auto n_total = options.synapses;
  const auto block = static_cast<long long>(options.block);
  const long long blocks = (n_total + block - 1) / block;
  const long long units = blocks * options.repetitions;
  const std::size_t np_points = plan.times.size();
  const std::size_t m = static_cast<std::size_t>(model.states());

  // Units are (repetition, block), run in batches (bounded memory), reduced in unit order: the sums do
  // not depend on the thread count.
  std::vector<double> sum_y(np_points, 0.0), sum_y2(np_points, 0.0), sum_yn(np_points, 0.0);
  std::vector<long long> occupancy(m, 0);
  double sum_n = 0, sum_n2 = 0;
  const long long batch = std::max<long long>(
      1,
      std::min<long long>(
          units, std::max<long long>(8, static_cast<long long>(4e7 / (8.0 * static_cast<double>(np_points) + 64.0)))));
  std::vector<unit_output> outs;
  for (long long u0 = 0; u0 < units; u0 += batch) {
    const long long u1 = std::min(units, u0 + batch);
    outs.assign(static_cast<std::size_t>(u1 - u0), unit_output{});
    std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 1) num_threads(thread_count())
    for (long long u = u0; u < u1; ++u) {
      try {
        const int rep = static_cast<int>(u / blocks);
        const long long b = u % blocks;
        const auto n = static_cast<std::size_t>(std::min(block, n_total - b * block));
        auto& out = outs[static_cast<std::size_t>(u - u0)];
        if (plan.kind == kernel_kind::poisson) {
          run_unit_poisson(plan, rep, static_cast<std::uint64_t>(b), n, out);
        } else {
          run_unit_discrete(plan, rep, static_cast<std::uint64_t>(b), n, out);
        }
      } catch (...) {
#pragma omp critical(nt_synapses_simulate_failure)
        if (!failure) failure = std::current_exception();
      }
    }
    if (failure) std::rethrow_exception(failure);
    for (long long u = u0; u < u1; ++u) {
      const long long b = u % blocks;
      const auto n = static_cast<double>(std::min(block, n_total - b * block));
      const auto& out = outs[static_cast<std::size_t>(u - u0)];
      for (std::size_t k = 0; k < np_points; ++k) {
        sum_y[k] += out.y[k];
        sum_y2[k] += out.y[k] * out.y[k];
        sum_yn[k] += out.y[k] * n;
      }
      for (std::size_t s = 0; s < m; ++s) occupancy[s] += out.occupancy[s];
      sum_n += n;
      sum_n2 += n * n;
    }
  }

  const auto P = static_cast<Eigen::Index>(np_points);
  r.time = Eigen::Map<const Eigen::VectorXd>(plan.times.data(), P);
  r.signal_mean.resize(P);
  r.signal_sem.resize(P);
  const double ud = static_cast<double>(units);
  for (Eigen::Index k = 0; k < P; ++k) {
    const auto uk = static_cast<std::size_t>(k);
    const double mean = sum_y[uk] / sum_n;
    // Ratio estimator over units: Var(mean) = U / (U - 1) sum_u (Y_u - mean n_u)^2 / (sum n)^2.
    const double ss = std::max(0.0, sum_y2[uk] - 2.0 * mean * sum_yn[uk] + mean * mean * sum_n2);
    r.signal_mean[k] = mean;
    r.signal_sem[k] = std::sqrt(ud / (ud - 1.0) * ss) / sum_n;
  }
  r.signal_theory = exact_signal(model, r.time, options.time, options.rate);
  r.stationary = p;
  r.baseline = (2.0 * model.f_pot - 1.0) * p.dot(model.weights);
  const double pw2 = p.dot(model.weights.cwiseProduct(model.weights));
  r.noise_std = std::sqrt(std::max(pw2 - r.baseline * r.baseline, 0.0));
  if (!(r.noise_std > 0.0))
    throw invalid_argument("weights", "model", "a model whose equilibrium weight varies (noise_std > 0)");
  const double sqrt_n = std::sqrt(static_cast<double>(n_total));
  r.snr_mean = sqrt_n * (r.signal_mean.array() - r.baseline) / r.noise_std;
  r.snr_sem = sqrt_n * r.signal_sem / r.noise_std;
  r.snr_theory = sqrt_n * (r.signal_theory.array() - r.baseline) / r.noise_std;
  r.occupancy_end.resize(static_cast<Eigen::Index>(m));
  for (std::size_t s = 0; s < m; ++s)
    r.occupancy_end[static_cast<Eigen::Index>(s)] = static_cast<double>(occupancy[s]) / sum_n;
  r.max_z = 0;
  for (Eigen::Index k = 0; k < P; ++k)
    if (r.signal_sem[k] > 0)
      r.max_z = std::max(r.max_z, std::abs(r.signal_mean[k] - r.signal_theory[k]) / r.signal_sem[k]);
  r.synapses = n_total;
  r.repetitions = options.repetitions;
  r.units = units;
  switch (plan.kind) {
    case kernel_kind::fast_simd:
      r.kernel = "fast";
      break;
    case kernel_kind::fast_portable:
      r.kernel = "portable";
      break;
    case kernel_kind::general:
      r.kernel = "general";
      break;
    case kernel_kind::poisson:
      r.kernel = "poisson";
      break;
  }
  if (plan.kind == kernel_kind::fast_simd || plan.kind == kernel_kind::fast_portable) {
    r.random_bits =
        (plan.fast.bit_event ? 1 : 8 * plan.fast.ke) + (plan.fast.k == 1 ? plan.fast.bits : 8 * plan.fast.k);
    r.probability_error = plan.fast.probability_error;
  } else {
    r.probability_error = plan.kind == kernel_kind::general ? 0.5 / kTwo32 : 0.0;
  }
  return r;
}

// ------------------------------------------------------------------------------------------------
// Associative memory.

void associative_options::validate() const {
  require_at_least("inputs", inputs, 1);
  require_at_least("outputs", outputs, 1);
  require_at_least("patterns", patterns, 1);
  require_at_least("max_age", max_age, 1);
  if (max_age > patterns)
    throw invalid_argument("max_age", std::to_string(max_age), "at most patterns (" + std::to_string(patterns) + ")");
  if (!(criterion > 0.5 && criterion < 1.0))
    throw invalid_argument("criterion", format_value(criterion), "in (1/2, 1)");
  require_at_least("repetitions", repetitions, 1);
  if (static_cast<double>(inputs) * outputs > 1e8)
    throw invalid_argument("inputs", std::to_string(inputs), "inputs x outputs at most 1e8 synapses");
  if (static_cast<double>(inputs) * patterns > 2e9)
    throw invalid_argument("patterns", std::to_string(patterns), "inputs x patterns at most 2e9 (stored patterns)");
}

namespace {

// P(correct bit) = P(2B - n > 0) + P(2B = n) / 2 with B ~ Binomial(n, (1 + mu) / 2).
double binomial_recall(int n, double mu) {
  const double p = std::clamp(0.5 * (1.0 + mu), 0.0, 1.0);
  if (p == 0.0) return 0.0;
  if (p == 1.0) return 1.0;
  const double lp = std::log(p), lq = std::log1p(-p), ln = std::lgamma(n + 1.0);
  double sum = 0;
  for (int b = n / 2; b <= n; ++b) {
    const double pmf = std::exp(ln - std::lgamma(b + 1.0) - std::lgamma(n - b + 1.0) + b * lp + (n - b) * lq);
    if (2 * b > n) sum += pmf;
    if (2 * b == n) sum += 0.5 * pmf;
  }
  return std::min(sum, 1.0);
}

}  // namespace

associative_result associative_memory(const markov_model& model_in, const associative_options& options) {
  model_in.validate();
  options.validate();
  // The Hebbian events x_i y_j of random patterns are fair coins whatever f_pot says.
  markov_model model = model_in;
  model.f_pot = 0.5;
  const int n = options.inputs, outs = options.outputs, steps = options.patterns, ages = options.max_age;
  const int m = model.states();
  const Eigen::VectorXd p = stationary_distribution(model);
  const std::vector<std::uint64_t> init = cumulative_u32(p);
  const general_tables g = make_general_tables(model);
  const std::size_t np = round_up(static_cast<std::size_t>(n), 128);
  if (m > 255) throw invalid_argument("weights", std::to_string(m), "at most 255 states");

  associative_result r;
  r.age = Eigen::VectorXd::LinSpaced(ages, 1.0, ages);
  Eigen::VectorXd correct = Eigen::VectorXd::Zero(ages);
  for (int rep = 0; rep < options.repetitions; ++rep) {
    const auto urep = static_cast<std::uint64_t>(rep);
    // Patterns (x in {+-1}^n, y in {+-1}^outputs), one keyed stream per pattern.
    std::vector<std::int8_t> x(static_cast<std::size_t>(n) * steps), y(static_cast<std::size_t>(outs) * steps);
    for (int nu = 0; nu < steps; ++nu) {
      rng::stream s(options.seed, {pattern_tag, urep, static_cast<std::uint64_t>(nu)});
      for (int i = 0; i < n; ++i) x[static_cast<std::size_t>(nu) * n + i] = s.uniform() < 0.5 ? 1 : -1;
      for (int j = 0; j < outs; ++j) y[static_cast<std::size_t>(nu) * outs + j] = s.uniform() < 0.5 ? 1 : -1;
    }
    Eigen::MatrixXd w(outs, n);  // final weights, row j = output neuron j
    std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 1) num_threads(thread_count())
    for (int j = 0; j < outs; ++j) {
      try {
        // Row j's synapses evolve independently of the other rows given the patterns: one stream per row.
        const philox_key key = key_for(options.seed, urep, (1ULL << 40U) + static_cast<std::uint64_t>(j));
        std::vector<std::uint8_t> bytes(std::max<std::size_t>(4 * np, 128)), state(static_cast<std::size_t>(n));
        philox_fill(true, key, 0, initial_tag, round_up(4 * static_cast<std::size_t>(n), 128) / 128, bytes.data());
        for (int i = 0; i < n; ++i)
          state[static_cast<std::size_t>(i)] =
              static_cast<std::uint8_t>(draw_u32(init, read_u32(&bytes[4 * static_cast<std::size_t>(i)])));
        for (int nu = 0; nu < steps; ++nu) {
          philox_fill(true, key, static_cast<std::uint32_t>(nu + 1), step_tag, 4 * np / 128, bytes.data());
          const std::int8_t yj = y[static_cast<std::size_t>(nu) * outs + j];
          const std::int8_t* xs = &x[static_cast<std::size_t>(nu) * n];
          for (int i = 0; i < n; ++i) {
            const auto e = static_cast<std::size_t>(xs[i] * yj > 0 ? 1 : 0);
            auto& st = state[static_cast<std::size_t>(i)];
            st = static_cast<std::uint8_t>(draw_u32(g.cum[e][st], read_u32(&bytes[4 * static_cast<std::size_t>(i)])));
          }
        }
        for (int i = 0; i < n; ++i) w(j, i) = model.weights[state[static_cast<std::size_t>(i)]];
      } catch (...) {
#pragma omp critical(nt_synapses_associative_failure)
        if (!failure) failure = std::current_exception();
      }
    }
    if (failure) std::rethrow_exception(failure);
    // Recall of the last `ages` patterns: local fields H = W X (one GEMM), correct where H y > 0.
    Eigen::MatrixXd xs(n, ages);
    for (int a = 1; a <= ages; ++a) {
      const std::size_t nu = static_cast<std::size_t>(steps - a);
      for (int i = 0; i < n; ++i) xs(i, a - 1) = x[nu * n + i];
    }
    const Eigen::MatrixXd h = w * xs;
    for (int a = 1; a <= ages; ++a) {
      const std::size_t nu = static_cast<std::size_t>(steps - a);
      for (int j = 0; j < outs; ++j) {
        const double v = h(j, a - 1) * y[nu * outs + j];
        correct[a - 1] += v > 0 ? 1.0 : (v == 0 ? 0.5 : 0.0);
      }
    }
  }
  const double bits = static_cast<double>(outs) * options.repetitions;
  r.recall_mean = correct / bits;
  r.recall_sem = (r.recall_mean.array() * (1.0 - r.recall_mean.array()) / bits).sqrt();
  const Eigen::VectorXd mu = exact_signal(model, r.age, "discrete");
  const double sd = std::sqrt(p.dot(model.weights.cwiseProduct(model.weights)));
  r.snr_theory = std::sqrt(static_cast<double>(n)) * mu / sd;
  r.exact_theory = model.binary_weights();
  r.recall_theory.resize(ages);
  for (int a = 0; a < ages; ++a) {
    r.recall_theory[a] =
        r.exact_theory ? binomial_recall(n, mu[a]) : 0.5 * std::erfc(-r.snr_theory[a] / std::sqrt(2.0));
    if (r.recall_mean[a] >= options.criterion) ++r.retrieved;
    if (r.recall_theory[a] >= options.criterion) ++r.retrieved_theory;
  }
  return r;
}

}  // namespace nt::synapses
