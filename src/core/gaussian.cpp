#include "neurotheory/core/gaussian.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <numbers>
#include <vector>

#include <Eigen/Eigenvalues>

#include "neurotheory/core/error.hpp"

namespace nt {
namespace {

constexpr int kMaxOrder = 4096;

// Orthonormal probabilists' Hermite polynomials p_k (w.r.t. N(0,1)):
// p_{k+1}(x) = (x p_k - sqrt(k) p_{k-1}) / sqrt(k+1). Returns p_n(x) and p_n'(x) = sqrt(n) p_{n-1}.
std::array<double, 3> hermite_orthonormal(int n, double x) {
  double p_prev = 0.0;
  double p = 1.0;
  double sum_sq = 1.0;  // sum_{k<n} p_k^2 (Christoffel function)
  for (int k = 0; k < n; ++k) {
    const double next = (x * p - std::sqrt(static_cast<double>(k)) * p_prev) / std::sqrt(static_cast<double>(k + 1));
    p_prev = p;
    p = next;
    if (k + 1 < n) sum_sq += p * p;
  }
  return {p, std::sqrt(static_cast<double>(n)) * p_prev, sum_sq};
}

gauss_hermite_rule make_rule(int n) {
  // Jacobi matrix of the probabilists' Hermite recurrence: zero diagonal, off-diagonal sqrt(k).
  Eigen::VectorXd diag = Eigen::VectorXd::Zero(n);
  Eigen::VectorXd sub(std::max(n - 1, 0));
  for (int k = 1; k < n; ++k) sub[k - 1] = std::sqrt(static_cast<double>(k));
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver;
  solver.computeFromTridiagonal(diag, sub, Eigen::EigenvaluesOnly);
  gauss_hermite_rule rule;
  rule.nodes = solver.eigenvalues().array();
  rule.weights.resize(n);
  for (int i = 0; i < n; ++i) {
    double x = rule.nodes[i];
    // Newton polish of the root of p_n; the weight is 1 / sum_{k<n} p_k(x)^2.
    for (int it = 0; it < 3; ++it) {
      const auto [p, dp, s] = hermite_orthonormal(n, x);
      // Far-out nodes of high orders overflow the recurrence; their weights underflow anyway.
      if (!std::isfinite(p) || !std::isfinite(dp) || dp == 0.0) break;
      x -= p / dp;
    }
    rule.nodes[i] = x;
    const double christoffel = hermite_orthonormal(n, x)[2];
    rule.weights[i] = std::isfinite(christoffel) ? 1.0 / christoffel : 0.0;
  }
  // Exact symmetry and normalisation (removes the last ulps of asymmetry).
  for (int i = 0; i < n / 2; ++i) {
    const double x = 0.5 * (rule.nodes[n - 1 - i] - rule.nodes[i]);
    const double w = 0.5 * (rule.weights[n - 1 - i] + rule.weights[i]);
    rule.nodes[i] = -x;
    rule.nodes[n - 1 - i] = x;
    rule.weights[i] = rule.weights[n - 1 - i] = w;
  }
  if (n % 2 == 1) rule.nodes[n / 2] = 0.0;
  rule.weights /= rule.weights.sum();
  return rule;
}

// Pre-activation values sqrt(q) z_k and weights; buffers reused per thread.
struct node_buffers {
  std::vector<double> x, phi, dphi, d2phi;
  void resize(std::size_t n) {
    x.resize(n);
    phi.resize(n);
    dphi.resize(n);
    d2phi.resize(n);
  }
};

// Trapezoid rule on z in [-kTrapezoidHalfWidth, kTrapezoidHalfWidth] with n (odd) points, weights
// h e^{-z^2/2}/sqrt(2 pi) normalised to sum 1. For integrands analytic in a strip |Im z| < d the
// error falls like exp(-2 pi d / h) (Trefethen & Weideman 2014), and unlike Gauss-Hermite the
// nodes stay dense near z = 0 where phi(sqrt(q) z) varies when q is large.
constexpr double kTrapezoidHalfWidth = 9.0;  // Gaussian mass beyond: 2e-19

gauss_hermite_rule make_trapezoid(int n) {
  gauss_hermite_rule rule;
  // Nodes k h exactly, so the grid is symmetric and holds z = 0 (odd-symmetry folding relies on it).
  const int half = n / 2;
  const double h = kTrapezoidHalfWidth / half;
  rule.nodes.resize(n);
  for (int k = 0; k < n; ++k) rule.nodes[k] = h * (k - half);
  rule.weights = (-0.5 * rule.nodes.square()).exp();
  rule.weights /= rule.weights.sum();
  return rule;
}

const gauss_hermite_rule& trapezoid(int n) {
  static std::mutex mutex;
  static std::map<int, std::unique_ptr<gauss_hermite_rule>> cache;
  std::lock_guard lock(mutex);
  auto& slot = cache[n];
  if (!slot) slot = std::make_unique<gauss_hermite_rule>(make_trapezoid(n));
  return *slot;
}

}  // namespace

const gauss_hermite_rule& quadrature_options::rule_for(double q, bool smooth, int dimensions) const {
  if (order > 0) return gauss_hermite(order);
  // Spacing h in z: phi(sqrt(q) z) varies on the scale 1/sqrt(q). For analytic phi (tanh: poles at
  // |Im z| = pi / (2 sqrt(q))) h = 0.2 / max(1, sqrt(q)) gives E[phi'^2] to ~1e-15 and E[phi''^2] to
  // ~1e-13 (tests compare with Gauss-Hermite of order 2000).
  // Kinked phi converge only like h^2, so 1-D rules are made much finer; 2-D ones are capped.
  const double scale = std::max(1.0, std::sqrt(std::max(q, 0.0)));
  const double h = (smooth ? 0.2 : (dimensions == 1 ? 0.004 : 0.03)) / scale;
  int half = static_cast<int>(std::ceil(kTrapezoidHalfWidth / h));
  half = std::min(half, dimensions == 1 ? 8192 : 600);
  half = (half + 7) / 8 * 8;  // few distinct sizes, so the cache stays small
  return trapezoid(2 * half + 1);
}

const gauss_hermite_rule& gauss_hermite(int order) {
  if (order < 1 || order > kMaxOrder) {
    throw invalid_argument("quadrature order", std::to_string(order), "must lie in [1, 4096]");
  }
  static std::mutex mutex;
  static std::map<int, std::unique_ptr<gauss_hermite_rule>> cache;
  std::lock_guard lock(mutex);
  auto& slot = cache[order];
  if (!slot) slot = std::make_unique<gauss_hermite_rule>(make_rule(order));
  return *slot;
}

namespace {

gauss_legendre_rule make_legendre_rule(int n) {
  gauss_legendre_rule rule{Eigen::ArrayXd(n), Eigen::ArrayXd(n)};
  for (int i = 0; i < (n + 1) / 2; ++i) {
    double x = std::cos(std::numbers::pi * (i + 0.75) / (n + 0.5));
    double dp = 1.0;
    // Newton converges quadratically from this start: stop once the step is at rounding level,
    // after one more polishing step.
    bool polish = false;
    for (int it = 0; it < 50; ++it) {
      double p0 = 1.0, p1 = x;
      for (int k = 2; k <= n; ++k) {
        const double p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      if (n == 1) p0 = 1.0;
      dp = n * (x * p1 - p0) / (x * x - 1.0);
      const double dx = p1 / dp;
      x -= dx;
      if (polish) break;
      if (std::abs(dx) < 1e-14) polish = true;
    }
    const double w = 2.0 / ((1.0 - x * x) * dp * dp);
    rule.nodes[i] = -x;
    rule.nodes[n - 1 - i] = x;
    rule.weights[i] = w;
    rule.weights[n - 1 - i] = w;
  }
  return rule;
}

}  // namespace

const gauss_legendre_rule& gauss_legendre(int order) {
  if (order < 1 || order > 20000) {
    throw invalid_argument("quadrature order", std::to_string(order), "must lie in [1, 20000]");
  }
  static std::mutex mutex;
  static std::map<int, std::unique_ptr<gauss_legendre_rule>> cache;
  std::lock_guard lock(mutex);
  auto& slot = cache[order];
  if (!slot) slot = std::make_unique<gauss_legendre_rule>(make_legendre_rule(order));
  return *slot;
}

void quadrature_options::validate() const {
  if (order != 0 && (order < 2 || order > kMaxOrder)) {
    throw invalid_argument("quadrature_order", std::to_string(order), "must be 0 (automatic) or in [2, 4096]");
  }
}

double gaussian_expectation(const std::function<double(double)>& f, double q, int order) {
  require_nonnegative("q", q);
  const auto& rule = gauss_hermite(order);
  const double s = std::sqrt(q);
  double sum = 0.0;
  for (Eigen::Index k = 0; k < rule.nodes.size(); ++k) sum += rule.weights[k] * f(s * rule.nodes[k]);
  return sum;
}

double gaussian_pair_expectation(const std::function<double(double)>& f, const std::function<double(double)>& g,
                                 double q1, double q2, double q12, int order) {
  require_nonnegative("q1", q1);
  require_nonnegative("q2", q2);
  const auto& rule = gauss_hermite(order);
  const double s1 = std::sqrt(q1);
  const double s2 = std::sqrt(q2);
  const double c = (s1 * s2 > 0.0) ? std::clamp(q12 / (s1 * s2), -1.0, 1.0) : 0.0;
  const double sc = std::sqrt(std::max(0.0, 1.0 - c * c));
  double sum = 0.0;
  for (Eigen::Index i = 0; i < rule.nodes.size(); ++i) {
    double inner = 0.0;
    for (Eigen::Index j = 0; j < rule.nodes.size(); ++j) {
      inner += rule.weights[j] * g(s2 * (c * rule.nodes[i] + sc * rule.nodes[j]));
    }
    sum += rule.weights[i] * f(s1 * rule.nodes[i]) * inner;
  }
  return sum;
}

single_moments activation_moments(const activation& act, double q, const quadrature_options& quad) {
  single_moments m;
  if (quad.use_closed_forms) {
    if (auto closed = act.closed_length_moments(q)) {
      return single_moments{closed->phi2, closed->dphi2, closed->dq_phi2, closed->d2phi2, closed->phi_mean};
    }
  }
  const auto& rule = quad.rule_for(q, act.smooth(), 1);
  const auto n = static_cast<std::size_t>(rule.nodes.size());
  const double s = std::sqrt(std::max(q, 0.0));
  thread_local node_buffers buf;
  // Odd phi: phi^2, phi'^2, z phi phi', phi''^2 are even, so half the nodes suffice.
  const bool fold = act.symmetry() == parity::odd;
  const std::size_t first = fold ? n / 2 : 0;
  const std::size_t count = n - first;
  buf.resize(count);
  for (std::size_t k = 0; k < count; ++k) buf.x[k] = s * rule.nodes[static_cast<Eigen::Index>(first + k)];
  act.evaluate(std::span<const double>(buf.x.data(), count), std::span<double>(buf.phi.data(), count),
               std::span<double>(buf.dphi.data(), count), std::span<double>(buf.d2phi.data(), count));
  double phi2 = 0.0, dphi2 = 0.0, zpd = 0.0, d2 = 0.0, mean = 0.0;
  for (std::size_t k = 0; k < count; ++k) {
    const auto idx = static_cast<Eigen::Index>(first + k);
    // A folded node z > 0 stands for +-z (weight doubled); the central node (odd n) counts once.
    const bool central = (n % 2 == 1) && first + k == n / 2;
    const double w = rule.weights[idx] * ((fold && !central) ? 2.0 : 1.0);
    const double p = buf.phi[k];
    const double dp = buf.dphi[k];
    phi2 += w * p * p;
    dphi2 += w * dp * dp;
    zpd += w * rule.nodes[idx] * p * dp;
    d2 += w * buf.d2phi[k] * buf.d2phi[k];
    mean += w * p;
  }
  m.phi2 = phi2;
  m.dphi2 = dphi2;
  // d/dq E[phi(sqrt(q) z)^2] = E[z 2 phi phi'] / (2 sqrt(q)); at q = 0 it is phi'(0)^2 + phi(0) phi''(0).
  if (s > 0.0) {
    m.dq_phi2 = zpd / s;
  } else {
    const double p0 = act.phi(0.0);
    const double dp0 = act.dphi(0.0);
    m.dq_phi2 = dp0 * dp0 + p0 * act.d2phi(0.0);
  }
  m.d2phi2 = d2;
  m.phi_mean = fold ? 0.0 : mean;
  return m;
}

pair_moments activation_pair_moments(const activation& act, double q1, double q2, double q12,
                                     const quadrature_options& quad) {
  pair_moments m;
  if (quad.use_closed_forms) {
    auto k = act.closed_kernel(q1, q2, q12);
    auto dk = act.closed_derivative_kernel(q1, q2, q12);
    if (k && dk) return pair_moments{*k, *dk};
  }
  const auto& rule = quad.rule_for(std::max(q1, q2), act.smooth(), 2);
  const auto n = static_cast<int>(rule.nodes.size());
  const double s1 = std::sqrt(std::max(q1, 0.0));
  const double s2 = std::sqrt(std::max(q2, 0.0));
  const double c = (s1 * s2 > 0.0) ? std::clamp(q12 / (s1 * s2), -1.0, 1.0) : 0.0;
  const double sc = std::sqrt(std::max(0.0, 1.0 - c * c));
  const auto un = static_cast<std::size_t>(n);
  // Odd phi: phi(u1) phi(u2) and phi'(u1) phi'(u2) are even under (z1, z2) -> (-z1, -z2), so the
  // outer sum runs over z1 >= 0 only (weights doubled, the central node of an odd rule once).
  const bool fold = act.symmetry() == parity::odd;
  const std::size_t first = fold ? un / 2 : 0;
  thread_local node_buffers outer;
  thread_local node_buffers row;
  outer.resize(un - first);
  row.resize(un);
  for (std::size_t i = first; i < un; ++i) outer.x[i - first] = s1 * rule.nodes[static_cast<Eigen::Index>(i)];
  act.evaluate(std::span<const double>(outer.x.data(), un - first), std::span<double>(outer.phi.data(), un - first),
               std::span<double>(outer.dphi.data(), un - first), {});
  double kk = 0.0, dk = 0.0;
  for (std::size_t i = first; i < un; ++i) {
    // Inner integral over z2 at fixed z1, one row of activation values at a time (cache sized).
    const double shift = s2 * c * rule.nodes[static_cast<Eigen::Index>(i)];
    for (std::size_t j = 0; j < un; ++j) row.x[j] = shift + s2 * sc * rule.nodes[static_cast<Eigen::Index>(j)];
    act.evaluate(row.x, row.phi, row.dphi, {});
    double ik = 0.0, idk = 0.0;
    for (std::size_t j = 0; j < un; ++j) {
      const double w = rule.weights[static_cast<Eigen::Index>(j)];
      ik += w * row.phi[j];
      idk += w * row.dphi[j];
    }
    const bool central = (un % 2 == 1) && i == un / 2;
    const double w = rule.weights[static_cast<Eigen::Index>(i)] * ((fold && !central) ? 2.0 : 1.0);
    kk += w * outer.phi[i - first] * ik;
    dk += w * outer.dphi[i - first] * idk;
  }
  m.phi_phi = kk;
  m.dphi_dphi = dk;
  return m;
}

}  // namespace nt
