#include <cmath>
#include <limits>
#include <numbers>

#include "neurotheory/core/activation.hpp"
#include "neurotheory/core/error.hpp"
#include "neurotheory/expressivity/manifold.hpp"

namespace nt::expressivity {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Rice's formula: a stationary Gaussian process with variance q and derivative variance g crosses a
// level u on average (1/pi) sqrt(g/q) exp(-u^2/(2q)) times per unit angle; 2 pi of angle.
double crossings(double g, double q, double level) { return 2.0 * std::sqrt(g / q) * std::exp(-level * level / (2.0 * q)); }

// Pattern transitions per neuron along the circle: the levels where phi' jumps.
double transitions_per_neuron(const std::string& activation, double g, double q) {
  if (activation == "relu") return crossings(g, q, 0.0);
  if (activation == "hard_tanh") return 2.0 * crossings(g, q, 1.0);  // levels +1 and -1
  return kNaN;
}

}  // namespace

void circle_params::validate() const {
  network.validate();
  require_in_range("depth", depth, 1, 100000);
  if (std::isnan(q0) || std::isinf(q0) || q0 == 0.0) {
    throw invalid_argument("q0", format_value(q0), "must be > 0 (or negative: the fixed point q*)");
  }
}

manifold_theory_result manifold_theory(const circle_params& params) {
  params.validate();
  const signalprop::mean_field mf(params.network);
  const auto fp = signalprop::fixed_point(params.network);
  const bool has_fixed_point = fp.q_status == signalprop::solve_status::converged;
  double q1 = params.q0;
  if (q1 < 0.0) {
    if (!has_fixed_point) {
      throw invalid_argument("q0", format_value(params.q0),
                             "must be > 0 here: the length map has no attracting fixed point at these "
                             "(sigma_w2, sigma_b2)");
    }
    q1 = fp.q_star;
  }
  manifold_theory_result r;
  const int depth = params.depth;
  r.layer = Eigen::ArrayXd::LinSpaced(depth, 1.0, depth);
  r.q.resize(depth);
  r.length2.resize(depth);
  r.length.resize(depth);
  r.length_growth.resize(depth);
  r.curvature2.resize(depth);
  r.grassmannian.resize(depth);
  r.transitions.resize(depth);
  constexpr double two_pi = 2.0 * std::numbers::pi;
  // Layer 1: the great circle itself.
  double q = q1;
  double g = q1;
  double k2 = 1.0 / q1;
  double grass2 = 1.0;  // (L^G / 2 pi)^2
  for (int l = 0; l < depth; ++l) {
    if (l > 0) {
      const double chi = mf.chi(q);
      const double chi2 = mf.chi2(q);
      k2 = k2 / chi + 3.0 * chi2 / (chi * chi);
      grass2 += 3.0 * chi2 * g / chi;
      r.length_growth[l] = std::sqrt(chi);
      g *= chi;
      q = mf.length_map(q);
    } else {
      r.length_growth[l] = kNaN;
    }
    r.q[l] = q;
    r.length2[l] = g;
    r.length[l] = two_pi * std::sqrt(g);
    r.curvature2[l] = k2;
    r.grassmannian[l] = two_pi * std::sqrt(grass2);
    r.transitions[l] = transitions_per_neuron(params.network.activation, g, q);
  }
  r.q_star = has_fixed_point ? fp.q_star : kNaN;
  const double q_ref = has_fixed_point ? fp.q_star : q1;
  r.chi1 = mf.chi(q_ref);
  r.chi2 = mf.chi2(q_ref);
  r.length_growth_star = std::sqrt(r.chi1);
  const double tol = signalprop::kCriticalTolerance;
  r.phase = r.chi1 > 1.0 + tol ? "chaotic" : (r.chi1 < 1.0 - tol ? "ordered" : "critical");
  r.curvature2_star = r.chi1 > 1.0 + tol ? 3.0 * r.chi2 / (r.chi1 * (r.chi1 - 1.0)) : kNaN;
  return r;
}

shallow_equivalent_result shallow_equivalent(const circle_params& params, int width) {
  require_in_range("width", width, 1, 1000000);
  circle_params p = params;
  p.depth = std::max(params.depth, 2);
  const auto t = manifold_theory(p);
  shallow_equivalent_result r;
  const int n = p.depth - 1;
  r.depth = t.layer.tail(n);
  r.width_needed = static_cast<double>(width) * t.length2.tail(n) / t.length2[1];
  r.grassmannian_deep = t.grassmannian.tail(n);
  r.grassmannian_shallow = t.grassmannian[1];
  return r;
}

}  // namespace nt::expressivity
