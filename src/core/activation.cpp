#include "neurotheory/core/activation.hpp"
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sleef.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <numbers>

#include "neurotheory/core/error.hpp"

namespace nt {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kInvSqrt2Pi = 0.3989422804014326779399460599343819;  // 1/sqrt(2 pi)

void activation_default_evaluate(const activation& a, std::span<const double> x, std::span<double> phi,
                                 std::span<double> dphi, std::span<double> d2phi) {
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!phi.empty()) phi[i] = a.phi(x[i]);
    if (!dphi.empty()) dphi[i] = a.dphi(x[i]);
    if (!d2phi.empty()) d2phi[i] = a.d2phi(x[i]);
  }
}

// Applies a 4-wide SLEEF kernel (AVX2 when compiled for it, SSE2 pairs otherwise) over a span.
template <class Vec4, class Vec2, class Scalar>
void sleef_map(std::span<const double> x, std::span<double> y, Vec4 f4, Vec2 f2, Scalar f1) {
  std::size_t i = 0;
#if defined(__AVX2__)
  for (; i + 4 <= x.size(); i += 4) _mm256_storeu_pd(&y[i], f4(_mm256_loadu_pd(&x[i])));
  (void)f2;
#else
  (void)f4;
  for (; i + 2 <= x.size(); i += 2) _mm_storeu_pd(&y[i], f2(_mm_loadu_pd(&x[i])));
#endif
  for (; i < x.size(); ++i) y[i] = f1(x[i]);
}

#if defined(__AVX2__)
#define NT_SLEEF4(fn) [](__m256d v) { return Sleef_##fn##d4_u10avx2(v); }
#define NT_SLEEF4_U35(fn) [](__m256d v) { return Sleef_##fn##d4_u35avx2(v); }
#else
#define NT_SLEEF4(fn) [](auto v) { return v; }
#define NT_SLEEF4_U35(fn) [](auto v) { return v; }
#endif
#define NT_SLEEF2(fn) [](__m128d v) { return Sleef_##fn##d2_u10sse2(v); }
#define NT_SLEEF2_U35(fn) [](__m128d v) { return Sleef_##fn##d2_u35sse2(v); }

class linear_activation final : public activation {
 public:
  std::string_view name() const override { return "linear"; }
  std::string_view formula() const override { return "x"; }
  double phi(double x) const override { return x; }
  double dphi(double /*x*/) const override { return 1.0; }
  double d2phi(double /*x*/) const override { return 0.0; }
  void evaluate(std::span<const double> x, std::span<double> p, std::span<double> dp,
                std::span<double> d2p) const override {
    if (!p.empty()) std::copy(x.begin(), x.end(), p.begin());
    if (!dp.empty()) std::fill(dp.begin(), dp.end(), 1.0);
    if (!d2p.empty()) std::fill(d2p.begin(), d2p.end(), 0.0);
  }
  parity symmetry() const override { return parity::odd; }
  std::optional<length_moments> closed_length_moments(double q) const override {
    return length_moments{q, 1.0, 1.0, 0.0, 0.0};
  }
  std::optional<double> closed_kernel(double, double, double q12) const override { return q12; }
  std::optional<double> closed_derivative_kernel(double, double, double) const override { return 1.0; }
};

class tanh_activation final : public activation {
 public:
  std::string_view name() const override { return "tanh"; }
  std::string_view formula() const override { return "tanh(x)"; }
  double phi(double x) const override { return std::tanh(x); }
  double dphi(double x) const override {
    const double t = std::tanh(x);
    return 1.0 - t * t;
  }
  double d2phi(double x) const override {
    const double t = std::tanh(x);
    return -2.0 * t * (1.0 - t * t);
  }
  void evaluate(std::span<const double> x, std::span<double> p, std::span<double> dp,
                std::span<double> d2p) const override {
    // One vectorized tanh gives all three: phi' = 1 - t^2, phi'' = -2 t (1 - t^2).
    thread_local std::vector<double> buffer;
    std::span<double> t = p;
    if (t.empty()) {
      buffer.resize(x.size());
      t = buffer;
    }
    sleef_map(x, t, NT_SLEEF4_U35(tanh), NT_SLEEF2_U35(tanh), [](double v) { return std::tanh(v); });
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double s = 1.0 - t[i] * t[i];
      if (!dp.empty()) dp[i] = s;
      if (!d2p.empty()) d2p[i] = -2.0 * t[i] * s;
    }
  }
  parity symmetry() const override { return parity::odd; }
};

class relu_activation final : public activation {
 public:
  std::string_view name() const override { return "relu"; }
  std::string_view formula() const override { return "max(0, x)"; }
  double phi(double x) const override { return x > 0.0 ? x : 0.0; }
  double dphi(double x) const override { return x > 0.0 ? 1.0 : 0.0; }
  double d2phi(double /*x*/) const override { return 0.0; }
  bool smooth() const override { return false; }
  std::optional<length_moments> closed_length_moments(double q) const override {
    return length_moments{q / 2.0, 0.5, 0.5, kInf, std::sqrt(q) * kInvSqrt2Pi};
  }
  // Arc-cosine kernel of degree 1 (Cho & Saul 2009).
  std::optional<double> closed_kernel(double q1, double q2, double q12) const override {
    const double s = std::sqrt(q1 * q2);
    if (s == 0.0) return 0.0;
    const double c = std::clamp(q12 / s, -1.0, 1.0);
    return s / (2.0 * kPi) * (std::sqrt(1.0 - c * c) + (kPi - std::acos(c)) * c);
  }
  // Arc-cosine kernel of degree 0.
  std::optional<double> closed_derivative_kernel(double q1, double q2, double q12) const override {
    const double s = std::sqrt(q1 * q2);
    if (s == 0.0) return 0.25;
    const double c = std::clamp(q12 / s, -1.0, 1.0);
    return (kPi - std::acos(c)) / (2.0 * kPi);
  }
};

class hard_tanh_activation final : public activation {
 public:
  std::string_view name() const override { return "hard_tanh"; }
  std::string_view formula() const override { return "clip(x, -1, 1)"; }
  double phi(double x) const override { return std::clamp(x, -1.0, 1.0); }
  double dphi(double x) const override { return std::abs(x) < 1.0 ? 1.0 : 0.0; }
  double d2phi(double /*x*/) const override { return 0.0; }
  parity symmetry() const override { return parity::odd; }
  bool smooth() const override { return false; }
  // With a = 1/sqrt(2q), p = erf(a): E[phi^2] = q (p - 2a e^{-a^2}/sqrt(pi)) + 1 - p, E[phi'^2] = p,
  // and d/dq E[phi^2] = p - 2 * pdf_q(1) (the delta terms of phi'' at the kinks).
  std::optional<length_moments> closed_length_moments(double q) const override {
    if (q <= 0.0) return length_moments{0.0, 1.0, 1.0, 0.0, 0.0};
    const double a = 1.0 / std::sqrt(2.0 * q);
    const double p = std::erf(a);
    const double e = std::exp(-a * a);
    const double phi2 = q * (p - 2.0 * a * e / std::sqrt(kPi)) + (1.0 - p);
    const double dq = p - 2.0 * kInvSqrt2Pi * e / std::sqrt(q);
    return length_moments{phi2, p, dq, kInf, 0.0};
  }
};

// erf(sqrt(pi) x / 2): the arcsine kernel (Williams 1997) gives every moment in closed form.
class erf_activation final : public activation {
 public:
  static constexpr double kScale = 0.88622692545275801364908374167057;  // sqrt(pi)/2
  std::string_view name() const override { return "erf"; }
  std::string_view formula() const override { return "erf(sqrt(pi) x / 2)"; }
  double phi(double x) const override { return std::erf(kScale * x); }
  double dphi(double x) const override { return std::exp(-kPi * x * x / 4.0); }
  double d2phi(double x) const override { return -kPi * x / 2.0 * std::exp(-kPi * x * x / 4.0); }
  parity symmetry() const override { return parity::odd; }
  std::optional<length_moments> closed_length_moments(double q) const override {
    const double b = kPi * q / 2.0;
    const double phi2 = (2.0 / kPi) * std::asin(b / (1.0 + b));
    // d/dq (2/pi) asin(b/(1+b)) with b = pi q / 2.
    const double dq = 1.0 / ((1.0 + b) * std::sqrt(1.0 + 2.0 * b));
    // E[phi''^2] = (pi^2/4) E[u^2 e^{-pi u^2 / 2}] = (pi^2/4) q (1 + pi q)^{-3/2}.
    const double d2 = kPi * kPi / 4.0 * q / std::pow(1.0 + 2.0 * b, 1.5);
    return length_moments{phi2, 1.0 / std::sqrt(1.0 + 2.0 * b), dq, d2, 0.0};
  }
  std::optional<double> closed_kernel(double q1, double q2, double q12) const override {
    const double d = std::sqrt((1.0 + kPi * q1 / 2.0) * (1.0 + kPi * q2 / 2.0));
    return (2.0 / kPi) * std::asin(std::clamp(kPi * q12 / 2.0 / d, -1.0, 1.0));
  }
  std::optional<double> closed_derivative_kernel(double q1, double q2, double q12) const override {
    const double h = kPi / 2.0;
    return 1.0 / std::sqrt((1.0 + h * q1) * (1.0 + h * q2) - h * h * q12 * q12);
  }
  void evaluate(std::span<const double> x, std::span<double> p, std::span<double> dp,
                std::span<double> d2p) const override {
    if (!p.empty()) {
      thread_local std::vector<double> scaled;
      scaled.resize(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) scaled[i] = kScale * x[i];
      sleef_map(scaled, p, NT_SLEEF4(erf), NT_SLEEF2(erf), [](double v) { return std::erf(v); });
    }
    if (!dp.empty() || !d2p.empty()) {
      thread_local std::vector<double> g;
      g.resize(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) g[i] = -kPi * x[i] * x[i] / 4.0;
      sleef_map(g, g, NT_SLEEF4(exp), NT_SLEEF2(exp), [](double v) { return std::exp(v); });
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!dp.empty()) dp[i] = g[i];
        if (!d2p.empty()) d2p[i] = -kPi * x[i] / 2.0 * g[i];
      }
    }
  }
};

double logistic(double x) { return x >= 0.0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x)); }

class sigmoid_activation final : public activation {
 public:
  std::string_view name() const override { return "sigmoid"; }
  std::string_view formula() const override { return "1 / (1 + exp(-x))"; }
  double phi(double x) const override { return logistic(x); }
  double dphi(double x) const override {
    const double s = logistic(x);
    return s * (1.0 - s);
  }
  double d2phi(double x) const override {
    const double s = logistic(x);
    return s * (1.0 - s) * (1.0 - 2.0 * s);
  }
  void evaluate(std::span<const double> x, std::span<double> p, std::span<double> dp,
                std::span<double> d2p) const override {
    // sigmoid(x) = (1 + tanh(x/2)) / 2 keeps one vectorized transcendental for all three.
    thread_local std::vector<double> t;
    t.resize(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) t[i] = 0.5 * x[i];
    sleef_map(t, t, NT_SLEEF4_U35(tanh), NT_SLEEF2_U35(tanh), [](double v) { return std::tanh(v); });
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double s = 0.5 * (1.0 + t[i]);
      const double ds = 0.25 * (1.0 - t[i] * t[i]);
      if (!p.empty()) p[i] = s;
      if (!dp.empty()) dp[i] = ds;
      if (!d2p.empty()) d2p[i] = ds * (1.0 - 2.0 * s);
    }
  }
};

// SELU (Klambauer et al. 2017): lambda x for x > 0, lambda alpha (e^x - 1) otherwise.
class selu_activation final : public activation {
 public:
  static constexpr double kLambda = 1.0507009873554804934193349852946;
  static constexpr double kAlpha = 1.6732632423543772848170429916717;
  std::string_view name() const override { return "selu"; }
  std::string_view formula() const override { return "1.0507 * (x > 0 ? x : 1.6733 (exp(x) - 1))"; }
  double phi(double x) const override { return x > 0.0 ? kLambda * x : kLambda * kAlpha * std::expm1(x); }
  double dphi(double x) const override { return x > 0.0 ? kLambda : kLambda * kAlpha * std::exp(x); }
  double d2phi(double x) const override { return x > 0.0 ? 0.0 : kLambda * kAlpha * std::exp(x); }
  bool smooth() const override { return false; }  // phi'' jumps at 0
};

double std_normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

// GELU (Hendrycks & Gimpel 2016), exact form x Phi(x).
class gelu_activation final : public activation {
 public:
  std::string_view name() const override { return "gelu"; }
  std::string_view formula() const override { return "x Phi(x)"; }
  double phi(double x) const override { return x * std_normal_cdf(x); }
  double dphi(double x) const override { return std_normal_cdf(x) + x * kInvSqrt2Pi * std::exp(-x * x / 2.0); }
  double d2phi(double x) const override { return (2.0 - x * x) * kInvSqrt2Pi * std::exp(-x * x / 2.0); }
};

// Swish / SiLU (Ramachandran et al. 2017): x sigmoid(x).
class swish_activation final : public activation {
 public:
  std::string_view name() const override { return "swish"; }
  std::string_view formula() const override { return "x / (1 + exp(-x))"; }
  double phi(double x) const override { return x * logistic(x); }
  double dphi(double x) const override {
    const double s = logistic(x);
    return s + x * s * (1.0 - s);
  }
  double d2phi(double x) const override {
    const double s = logistic(x);
    return s * (1.0 - s) * (2.0 + x * (1.0 - 2.0 * s));
  }
};

const std::map<std::string, std::unique_ptr<activation>, std::less<>>& registry() {
  static const auto reg = [] {
    std::map<std::string, std::unique_ptr<activation>, std::less<>> r;
    auto add = [&r](std::unique_ptr<activation> a) { r.emplace(std::string(a->name()), std::move(a)); };
    add(std::make_unique<linear_activation>());
    add(std::make_unique<tanh_activation>());
    add(std::make_unique<relu_activation>());
    add(std::make_unique<hard_tanh_activation>());
    add(std::make_unique<erf_activation>());
    add(std::make_unique<sigmoid_activation>());
    add(std::make_unique<selu_activation>());
    add(std::make_unique<gelu_activation>());
    add(std::make_unique<swish_activation>());
    return r;
  }();
  return reg;
}

}  // namespace

void activation::evaluate(std::span<const double> x, std::span<double> phi, std::span<double> dphi,
                          std::span<double> d2phi) const {
  activation_default_evaluate(*this, x, phi, dphi, d2phi);
}

const activation& activation_by_name(std::string_view name) {
  const auto& reg = registry();
  auto it = reg.find(name);
  if (it == reg.end()) {
    throw invalid_argument("activation", std::string(name),
                           fmt::format("must be one of: {}", fmt::join(activation_names(), ", ")));
  }
  return *it->second;
}

std::vector<std::string> activation_names() {
  std::vector<std::string> names;
  for (const auto& [name, a] : registry()) names.push_back(name);
  return names;
}

}  // namespace nt
