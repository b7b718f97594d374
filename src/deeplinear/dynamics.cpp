// Exact learning dynamics of balanced deep linear modes [S14, S19]; equations in docs/theory/deeplinear.md.
#include "neurotheory/deeplinear/dynamics.hpp"
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/gaussian.hpp"

namespace nt::deeplinear {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

void require_depth(int depth) { require_at_least("depth", depth, 1); }

void require_finite(const char* field, double value) {
  if (!std::isfinite(value)) throw invalid_argument(field, format_value(value), "must be a finite number");
}

// The smooth remainder of the learning-time integrand after x = w = y^D (notes 1.5 integrand split):
//   (1 - x^{2/D}) / (1 - x) dx = g(y) dy,  g(y) = D y^{D-1} (1 - y^2) / (1 - y^D),
// analytic on y >= 0 (the ratio tends to 2/D at y = 1). Evaluated without cancellation on both sides of 1.
double remainder_integrand(double y, int depth) {
  const double d = depth;
  if (y <= 0) return 0.0;
  const double ly = std::log(y);
  if (y == 1.0) return 2.0;  // D * 1 * (2/D)
  // log and expm1 keep full relative precision next to y = 1, so no expansion is needed there.
  // (1 - y^2)/(1 - y^D) = expm1(2 ln y) / expm1(D ln y); times D y^{D-1}.
  if (y < 1.0) return d * std::exp((d - 1.0) * ly) * std::expm1(2.0 * ly) / std::expm1(d * ly);
  // y > 1: D y^{D-1} (y^2 - 1)/(y^D - 1) = D (y^2 - 1) / (y (1 - y^{-D})) without overflow.
  return d * std::expm1(2.0 * ly) / (y * -std::expm1(-d * ly));
}

// Breakpoints on [0, inf) graded geometrically toward y = 1, where y^{D-1} concentrates on a scale 1/D.
std::vector<double> graded_breaks(int depth, double y_max) {
  std::vector<double> b{0.0};
  const int levels = static_cast<int>(std::ceil(std::log2(64.0 * std::max(depth, 2))));
  for (int k = 1; k <= levels; ++k) {
    const double lo = 1.0 - std::ldexp(1.0, -(k - 1)), hi = 1.0 - std::ldexp(1.0, -k);
    b.push_back(0.5 * (lo + hi));
    b.push_back(hi);
  }
  b.push_back(1.0);
  if (y_max > 1.0) {
    for (int k = levels; k >= 1; --k) {
      const double lo = 1.0 + std::ldexp(1.0, -k), hi = 1.0 + std::ldexp(1.0, -(k - 1));
      b.push_back(lo);
      b.push_back(0.5 * (lo + hi));
    }
    for (double x = 2.0; x < y_max; x *= 2.0) b.push_back(x);
  }
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return b;
}

// integral_{ya}^{yb} g(y) dy (signed), composite 16-point Gauss-Legendre on the graded panels.
double remainder_integral(double ya, double yb, int depth) {
  if (ya == yb) return 0.0;
  double sign = 1.0;
  if (ya > yb) {
    std::swap(ya, yb);
    sign = -1.0;
  }
  const auto breaks = graded_breaks(depth, yb);
  const auto& rule = gauss_legendre(16);
  double total = 0.0;
  double lo = ya;
  auto panel = [&](double a, double b) {
    const double c = 0.5 * (a + b), h = 0.5 * (b - a);
    double sum = 0.0;
    for (Eigen::Index i = 0; i < rule.nodes.size(); ++i) {
      sum += rule.weights[i] * remainder_integrand(c + h * rule.nodes[i], depth);
    }
    return h * sum;
  };
  for (double b : breaks) {
    if (b <= lo) continue;
    if (b >= yb) break;
    total += panel(lo, b);
    lo = b;
  }
  total += panel(lo, yb);
  return sign * total;
}

// Learning time for D >= 3 between w0 = u0/s and wf = uf/s on the same side of 1 (notes 1.5):
//   1/(w^p (1-w)) = w^{-p} + w^{1-p} + 1/(1-w) - (1 - w^{2-p})/(1-w),   p = 2 - 2/D,
// the first three integrate exactly; the last is the smooth remainder (in y = w^{1/D}).
// one_minus_w0/one_minus_wf are (s - u)/s computed without cancellation by the caller.
double deep_time(int depth, double s, double w0, double wf, double one_minus_w0, double one_minus_wf) {
  const double d = depth;
  const double p = 2.0 - 2.0 / d;
  const double a = 1.0 - p, b = 2.0 - p;  // a < 0 < b for D >= 3
  const double t1 = (std::pow(wf, a) - std::pow(w0, a)) / a;
  const double t2 = (std::pow(wf, b) - std::pow(w0, b)) / b;
  const double t3 = -std::log(std::abs(one_minus_wf) / std::abs(one_minus_w0));
  const double t4 = -remainder_integral(std::pow(w0, 1.0 / d), std::pow(wf, 1.0 / d), depth);
  return (t1 + t2 + t3 + t4) / (d * std::pow(s, p));
}

// Time from a0 to u (same side of s, s > 0) for any depth, no validation.
double time_between(int depth, double s, double u0, double u) {
  if (depth == 1) return std::log((s - u0) / (s - u));
  if (depth == 2) return std::log(u * (s - u0) / (u0 * (s - u))) / (2.0 * s);
  return deep_time(depth, s, u0 / s, u / s, (s - u0) / s, (s - u) / s);
}

// D >= 3, s > 0, a0 > 0, a0 != s, 0 < t < inf: solve time_between(a0, u) = t for u by safeguarded Newton
// in a variable z in which u moves monotonically: growth (a0 < s): u = s / (1 + e^{-z});
// decay (a0 > s): u = s (1 + e^{-z}). In both, time increases with z and dT/dz is closed form.
double deep_mode_strength(double t, double s, double a0, int depth) {
  const double d = depth;
  const double p = 2.0 - 2.0 / d;
  const bool grow = a0 < s;
  auto u_of = [&](double z) { return grow ? s / (1.0 + std::exp(-z)) : s * (1.0 + std::exp(-z)); };
  // (s - u)/s without cancellation.
  auto one_minus_w = [&](double z) { return grow ? 1.0 / (1.0 + std::exp(z)) : -std::exp(-z); };
  auto time_of = [&](double z) {
    const double u = u_of(z);
    return deep_time(depth, s, a0 / s, u / s, (s - a0) / s, one_minus_w(z));
  };
  // dT/dz = (dT/du)(du/dz): growth w^{1-p}/(D s^p); decay w^{-p} (w - 1) ... / (D s^p (w - 1)) = w^{-p}/(D s^p).
  auto slope_of = [&](double z) {
    const double w = u_of(z) / s;
    return (grow ? std::pow(w, 1.0 - p) : std::pow(w, -p)) / (d * std::pow(s, p));
  };
  const double z0 = grow ? std::log(a0 / (s - a0)) : -std::log(a0 / s - 1.0);
  // Bracket [lo, hi] with T(lo) <= t < T(hi); the slope is bounded below by 1/(D s^p) max(1, (a0/s)^{-p})
  // away from the start, so doubling steps find hi quickly.
  double lo = z0, hi = z0 + 1.0;
  double t_hi = time_of(hi);
  for (int it = 0; t_hi < t && it < 200; ++it) {
    lo = hi;
    hi = z0 + 2.0 * (hi - z0);
    t_hi = time_of(hi);
  }
  if (!(t_hi >= t)) return s;  // beyond any representable distance from s
  double z = lo;
  double tz = time_of(z);
  for (int it = 0; it < 200; ++it) {
    const double slope = slope_of(z);
    double next = z + (t - tz) / slope;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    const double tn = time_of(next);
    if (tn < t) {
      lo = next;
    } else {
      hi = next;
    }
    const double step = std::abs(next - z);
    z = next;
    tz = tn;
    if (step <= 1e-14 * std::max(1.0, std::abs(z)) || hi - lo <= 1e-14 * std::max(1.0, std::abs(z))) break;
  }
  return u_of(z);
}

}  // namespace

double mode_strength(double t, double s, double a0, int depth) {
  require_depth(depth);
  require_nonnegative("s", s);
  require_finite("a0", a0);
  if (!(t >= 0.0)) throw invalid_argument("t", format_value(t), "must be >= 0 (may be inf)");
  if (depth == 1) return std::isinf(t) ? s : s + (a0 - s) * std::exp(-t);
  if (a0 < 0.0) throw invalid_argument("a0", format_value(a0), "must be >= 0 for depth >= 2 (balanced mode)");
  if (a0 == 0.0) return 0.0;  // the saddle at the origin is a fixed point
  const double d = depth;
  if (s == 0.0) {
    // tau du/dt = -D u^{3-2/D}: u^{-(2-2/D)} = a0^{-(2-2/D)} + (2D - 2) t.
    if (std::isinf(t)) return 0.0;
    const double e = 2.0 - 2.0 / d;
    return std::pow(std::pow(a0, -e) + (2.0 * d - 2.0) * t, -1.0 / e);
  }
  if (std::isinf(t) || a0 == s) return s;
  if (t == 0.0) return a0;
  if (depth == 2) return s / (1.0 + (s / a0 - 1.0) * std::exp(-2.0 * s * t));  // notes 1.3, overflow-safe form
  return deep_mode_strength(t, s, a0, depth);
}

double learning_time(int depth, double s, double u0, double uf) {
  require_depth(depth);
  require_positive("s", s);
  require_finite("u0", u0);
  require_finite("uf", uf);
  if (depth >= 2 && !(u0 > 0.0)) throw invalid_argument("u0", format_value(u0), "must be > 0 for depth >= 2");
  if (!(u0 < s)) throw invalid_argument("u0", format_value(u0), fmt::format("must be < s = {}", format_value(s)));
  if (!(uf > u0 && uf < s)) {
    throw invalid_argument("uf", format_value(uf),
                           fmt::format("must lie in (u0, s) = ({}, {})", format_value(u0), format_value(s)));
  }
  return time_between(depth, s, u0, uf);
}

double half_learning_time(double s, double a0, int depth) { return learning_time(depth, s, a0, 0.5 * s); }

double learning_time_small_init(int depth, double s, double c0) {
  require_at_least("depth", depth, 3);
  require_positive("s", s);
  require_positive("c0", c0);
  return std::pow(c0, -(depth - 2.0)) / ((depth - 2.0) * s);
}

double learning_time_infinite_depth(double s, double u0, double uf) {
  require_positive("s", s);
  require_positive("u0", u0);
  if (!(u0 < s)) throw invalid_argument("u0", format_value(u0), fmt::format("must be < s = {}", format_value(s)));
  if (!(uf > u0 && uf < s)) throw invalid_argument("uf", format_value(uf), "must lie in (u0, s)");
  return (1.0 / u0 - 1.0 / uf) / s + std::log(uf * (s - u0) / (u0 * (s - uf))) / (s * s);
}

double max_stable_learning_rate(int depth, double s) {
  require_depth(depth);
  require_positive("s", s);
  return 2.0 / (depth * std::pow(s, 2.0 - 2.0 / depth));
}

Eigen::MatrixXd mode_trajectories(const Eigen::VectorXd& s, const Eigen::VectorXd& a0, const Eigen::VectorXd& times,
                                  int depth) {
  require_depth(depth);
  if (s.size() != a0.size()) {
    throw invalid_argument("a0", fmt::format("{} values", a0.size()),
                           fmt::format("must have one value per singular value ({})", s.size()));
  }
  Eigen::MatrixXd out(times.size(), s.size());
  for (Eigen::Index m = 0; m < s.size(); ++m) {
    for (Eigen::Index k = 0; k < times.size(); ++k) out(k, m) = mode_strength(times(k), s(m), a0(m), depth);
  }
  return out;
}

Eigen::VectorXd loss_trajectory(const Eigen::VectorXd& s, const Eigen::VectorXd& a0, const Eigen::VectorXd& times,
                                int depth) {
  const Eigen::MatrixXd u = mode_trajectories(s, a0, times, depth);
  Eigen::VectorXd loss(times.size());
  for (Eigen::Index k = 0; k < times.size(); ++k) loss(k) = 0.5 * (s.transpose() - u.row(k)).squaredNorm();
  return loss;
}

Eigen::VectorXd effective_a0(const Eigen::MatrixXd& w1, const Eigen::MatrixXd& w2, const Eigen::MatrixXd& u,
                             const Eigen::MatrixXd& v) {
  if (w2.cols() != w1.rows()) {
    throw invalid_argument("w2", fmt::format("{}x{}", w2.rows(), w2.cols()),
                           fmt::format("must have {} columns (the rows of w1)", w1.rows()));
  }
  if (v.rows() != w1.cols()) {
    throw invalid_argument("v", fmt::format("{}x{}", v.rows(), v.cols()),
                           fmt::format("must have {} rows (the columns of w1)", w1.cols()));
  }
  if (u.rows() != w2.rows() || u.cols() != v.cols()) {
    throw invalid_argument("u", fmt::format("{}x{}", u.rows(), u.cols()),
                           fmt::format("must be {}x{}", w2.rows(), v.cols()));
  }
  // p_alpha = W1 v_alpha + W2^T u_alpha (hidden x r); a0_eff = |p|^2 / 4 (notes 1.4).
  const Eigen::MatrixXd p = w1 * v + w2.transpose() * u;
  return 0.25 * p.colwise().squaredNorm().transpose();
}

double expected_effective_a0(int hidden, double sigma0_2) {
  require_at_least("hidden", hidden, 1);
  require_nonnegative("sigma0_2", sigma0_2);
  return 0.5 * hidden * sigma0_2;
}

std::vector<Eigen::MatrixXd> conserved_quantities(const std::vector<Eigen::MatrixXd>& weights) {
  std::vector<Eigen::MatrixXd> q;
  for (std::size_t l = 0; l + 1 < weights.size(); ++l) {
    const Eigen::MatrixXd& w = weights[l];
    const Eigen::MatrixXd& next = weights[l + 1];
    if (next.cols() != w.rows()) {
      throw invalid_argument(fmt::format("weights[{}]", l + 1), fmt::format("{}x{}", next.rows(), next.cols()),
                             fmt::format("must have {} columns (the rows of weights[{}])", w.rows(), l));
    }
    q.push_back(next.transpose() * next - w * w.transpose());
  }
  return q;
}

Eigen::MatrixXd mode_phase_trajectory(double s, double a0, double b0, const Eigen::VectorXd& times) {
  require_nonnegative("s", s);
  require_finite("a0", a0);
  require_finite("b0", b0);
  for (Eigen::Index k = 0; k < times.size(); ++k) {
    if (!(times(k) >= 0.0) || !std::isfinite(times(k)) || (k > 0 && times(k) < times(k - 1))) {
      throw invalid_argument("times", format_value(times(k)), "must be finite, >= 0 and ascending");
    }
  }
  // Rates are bounded by max(s, a^2 + b^2) along the hyperbola a^2 - b^2 = c, which ends at
  // a^2 + b^2 = sqrt(c^2 + 4 s^2); RK4 with h = 1e-3 / rate has relative error ~1e-12 per unit time.
  const double c = a0 * a0 - b0 * b0;
  const double rate = std::max({s, a0 * a0 + b0 * b0, std::sqrt(c * c + 4.0 * s * s), 1e-12});
  const double h_max = 1e-3 / rate;
  Eigen::MatrixXd out(times.size(), 2);
  double a = a0, b = b0, t = 0.0;
  auto f = [s](double x, double y) { return std::pair{y * (s - x * y), x * (s - x * y)}; };
  for (Eigen::Index k = 0; k < times.size(); ++k) {
    const double target = times(k);
    while (t < target) {
      const double h = std::min(h_max, target - t);
      const auto [k1a, k1b] = f(a, b);
      const auto [k2a, k2b] = f(a + 0.5 * h * k1a, b + 0.5 * h * k1b);
      const auto [k3a, k3b] = f(a + 0.5 * h * k2a, b + 0.5 * h * k2b);
      const auto [k4a, k4b] = f(a + h * k3a, b + h * k3b);
      a += h / 6.0 * (k1a + 2.0 * k2a + 2.0 * k3a + k4a);
      b += h / 6.0 * (k1b + 2.0 * k2b + 2.0 * k3b + k4b);
      t = (target - t <= h_max) ? target : t + h;
    }
    out(k, 0) = a;
    out(k, 1) = b;
  }
  return out;
}

void learning_time_options::validate() const {
  require_depth(depth);
  require_positive("s", s);
  if (depth >= 2) require_positive("u0", u0);
  require_finite("u0", u0);
  if (!(u0 < s)) throw invalid_argument("u0", format_value(u0), fmt::format("must be < s = {}", format_value(s)));
  if (!(uf > u0 && uf < s)) {
    throw invalid_argument("uf", format_value(uf),
                           fmt::format("must lie in (u0, s) = ({}, {})", format_value(u0), format_value(s)));
  }
}

}  // namespace nt::deeplinear
