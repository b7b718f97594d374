#include "neurotheory/signalprop/meanfield.hpp"
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <boost/math/tools/roots.hpp>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/parallel.hpp"

#include "attractor.hpp"

namespace nt::signalprop {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
// q beyond this is reported as diverged (relu above sigma_w2 = 2 grows without bound).
constexpr double kQDivergence = 1e12;

double depth_scale(double slope) {
  if (!(slope > 0.0)) return slope == 0.0 ? 0.0 : kNaN;
  if (slope >= 1.0) return slope == 1.0 ? kInf : kNaN;
  return -1.0 / std::log(slope);
}

}  // namespace

std::string to_string(solve_status status) {
  switch (status) {
    case solve_status::converged:
      return "converged";
    case solve_status::not_converged:
      return "not_converged";
    case solve_status::diverged:
      return "diverged";
  }
  return "unknown";
}

std::string to_string(phase p) {
  switch (p) {
    case phase::ordered:
      return "ordered";
    case phase::critical:
      return "critical";
    case phase::chaotic:
      return "chaotic";
  }
  return "unknown";
}

void network_params::validate() const {
  (void)activation_by_name(activation);
  require_nonnegative("sigma_w2", sigma_w2);
  require_nonnegative("sigma_b2", sigma_b2);
  quadrature_options{quadrature_order, true}.validate();
}

void solver_options::validate() const {
  require_nonnegative("q0", q0);
  require_in_range("c0", c0, -1.0, 1.0);
  require_in_range("tolerance", tolerance, 1e-16, 1e-2);
  require_at_least("max_iterations", max_iterations, 1);
}

mean_field::mean_field(const network_params& params)
    : params_(params), act_(&activation_by_name(params.activation)), quad_{params.quadrature_order, true} {
  params_.validate();
}

double mean_field::length_map(double q) const {
  return params_.sigma_w2 * activation_moments(*act_, q, quad_).phi2 + params_.sigma_b2;
}

double mean_field::length_slope(double q) const {
  return params_.sigma_w2 * activation_moments(*act_, q, quad_).dq_phi2;
}

double mean_field::chi(double q) const { return params_.sigma_w2 * activation_moments(*act_, q, quad_).dphi2; }

double mean_field::chi2(double q) const { return params_.sigma_w2 * activation_moments(*act_, q, quad_).d2phi2; }

double mean_field::pair_state::c() const {
  const double d = std::sqrt(q_aa * q_bb);
  return d > 0.0 ? q_ab / d : 0.0;
}

mean_field::pair_state mean_field::pair_map(const pair_state& s) const {
  const auto m = activation_pair_moments(*act_, s.q_aa, s.q_bb, s.q_ab, quad_);
  return pair_state{length_map(s.q_aa), length_map(s.q_bb), params_.sigma_w2 * m.phi_phi + params_.sigma_b2};
}

double mean_field::correlation_map(double c, double q_star) const {
  if (q_star <= 0.0) return 1.0;
  const auto m = activation_pair_moments(*act_, q_star, q_star, c * q_star, quad_);
  return (params_.sigma_w2 * m.phi_phi + params_.sigma_b2) / q_star;
}

double mean_field::correlation_slope(double c, double q_star) const {
  const auto m = activation_pair_moments(*act_, q_star, q_star, c * q_star, quad_);
  return params_.sigma_w2 * m.dphi_dphi;
}

fixed_point_result fixed_point(const network_params& params, const solver_options& solver) {
  solver.validate();
  const mean_field mf(params);
  fixed_point_result r;
  const auto& act = mf.act();
  const auto& quad = mf.quadrature();
  const double sw2 = params.sigma_w2;
  const double sb2 = params.sigma_b2;

  // Length fixed point: g(q) = V(q) - q, g'(q) = V'(q) - 1 from one set of activation values.
  auto q_residual = [&](double q) {
    const auto m = activation_moments(act, q, quad);
    return detail::residual_and_slope{sw2 * m.phi2 + sb2 - q, sw2 * m.dq_phi2 - 1.0};
  };
  const auto qs = detail::find_attractor(q_residual, solver.q0, 0.0, kInf, solver.tolerance, solver.max_iterations,
                                         kQDivergence, 1e-2);
  r.q_status = qs.status;
  r.q_iterations = qs.iterations;
  r.q_residual = qs.residual;
  if (qs.status != solve_status::converged) {
    r.q_star = qs.status == solve_status::diverged ? kInf : kNaN;
    r.c_status = qs.status;
    r.c_star = r.chi1 = r.chi_c = r.one_minus_chi_c = r.length_slope = r.xi_q = r.xi_c = kNaN;
    return r;
  }
  r.q_star = qs.x;
  const auto m = activation_moments(act, r.q_star, quad);
  r.chi1 = sw2 * m.dphi2;
  r.length_slope = sw2 * m.dq_phi2;
  r.xi_q = depth_scale(r.length_slope);
  if (std::abs(r.chi1 - 1.0) <= kCriticalTolerance) {
    r.regime = phase::critical;
  } else {
    r.regime = r.chi1 < 1.0 ? phase::ordered : phase::chaotic;
  }

  if (r.q_star == 0.0) {
    // All inputs collapse to the origin: correlation is undefined; by continuity c* = 1 (ordered).
    r.c_star = 1.0;
    r.c_iterations = 0;
  } else {
    const double q = r.q_star;
    // C(c) = 1 - sigma_w2 (K(1) - K(c)) / q* with K from one quadrature rule: C(1) = 1 holds exactly,
    // so quadrature error (sizeable for kinked phi in 2-D) cannot create a spurious c* next to 1.
    double k_one = kNaN;  // computed on first use: a start at c0 = 1 never needs the 2-D rule
    auto c_residual = [&](double c) {
      if (c >= 1.0) return detail::residual_and_slope{0.0, r.chi1 - 1.0};  // c = 1 is always fixed
      if (std::isnan(k_one)) k_one = activation_pair_moments(act, q, q, q, quad).phi_phi;
      const auto pm = activation_pair_moments(act, q, q, c * q, quad);
      return detail::residual_and_slope{1.0 - sw2 * (k_one - pm.phi_phi) / q - c, sw2 * pm.dphi_dphi - 1.0};
    };
    const auto cs =
        detail::find_attractor(c_residual, solver.c0, -1.0, 1.0, solver.tolerance, solver.max_iterations, kInf, 1.0);
    r.c_status = cs.status;
    r.c_iterations = cs.iterations;
    r.c_residual = cs.residual;
    // Converged onto the trivial fixed point from below: report it exactly.
    r.c_star = (cs.status == solve_status::converged && 1.0 - cs.x <= 8.0 * solver.tolerance) ? 1.0 : cs.x;
  }
  if (r.c_status != solve_status::converged) {
    r.chi_c = r.one_minus_chi_c = r.xi_c = kNaN;
    return r;
  }
  r.chi_c = r.c_star >= 1.0 ? r.chi1 : mf.correlation_slope(r.c_star, r.q_star);
  r.one_minus_chi_c = 1.0 - r.chi_c;
  r.xi_c = depth_scale(r.chi_c);
  return r;
}

trajectory_result trajectory(const network_params& params, double q0_a, double q0_b, double c0, int depth) {
  require_nonnegative("q0_a", q0_a);
  require_nonnegative("q0_b", q0_b);
  require_in_range("c0", c0, -1.0, 1.0);
  require_at_least("depth", depth, 1);
  const mean_field mf(params);
  trajectory_result t;
  const auto n = static_cast<Eigen::Index>(depth) + 1;
  t.layer = Eigen::ArrayXd::LinSpaced(n, 0.0, static_cast<double>(depth));
  t.q_a.resize(n);
  t.q_b.resize(n);
  t.c.resize(n);
  t.chi.resize(n);
  t.gradient.resize(n);
  // Layer 0 is the input x^0 (not passed through phi): h^1 = W x^0 + b is linear in x^0.
  mean_field::pair_state s{q0_a, q0_b, c0 * std::sqrt(q0_a * q0_b)};
  t.q_a[0] = s.q_aa;
  t.q_b[0] = s.q_bb;
  t.c[0] = c0;
  s = {params.sigma_w2 * s.q_aa + params.sigma_b2, params.sigma_w2 * s.q_bb + params.sigma_b2,
       params.sigma_w2 * s.q_ab + params.sigma_b2};
  for (Eigen::Index l = 1; l < n; ++l) {
    if (l > 1) s = mf.pair_map(s);
    t.q_a[l] = s.q_aa;
    t.q_b[l] = s.q_bb;
    t.c[l] = s.c();
  }
  // Backward pass [S17 eq. 15]: E|delta^l|^2 = chi(q^l) E|delta^{l+1}|^2, delta^l = phi'(h^l) W^{l+1,T} delta^{l+1}.
  t.chi[0] = kNaN;
  for (Eigen::Index l = 1; l < n; ++l) t.chi[l] = mf.chi(t.q_a[l]);
  t.gradient[n - 1] = 1.0;
  for (Eigen::Index l = n - 2; l >= 1; --l) t.gradient[l] = t.gradient[l + 1] * t.chi[l];
  t.gradient[0] = kNaN;
  return t;
}

critical_line_result critical_line(const std::string& activation, const Eigen::ArrayXd& q_star, int quadrature_order) {
  const auto& act = activation_by_name(activation);
  const quadrature_options quad{quadrature_order, true};
  quad.validate();
  critical_line_result r;
  r.q_star = q_star;
  r.sigma_w2.resize(q_star.size());
  r.sigma_b2.resize(q_star.size());
  for (Eigen::Index i = 0; i < q_star.size(); ++i) {
    require_nonnegative("q_star", q_star[i]);
    const auto m = activation_moments(act, q_star[i], quad);
    r.sigma_w2[i] = m.dphi2 > 0.0 ? 1.0 / m.dphi2 : kInf;
    r.sigma_b2[i] = q_star[i] - r.sigma_w2[i] * m.phi2;
  }
  return r;
}

critical_point_result critical_point(const std::string& activation, double sigma_b2, int quadrature_order) {
  require_nonnegative("sigma_b2", sigma_b2);
  const auto& act = activation_by_name(activation);
  const quadrature_options quad{quadrature_order, true};
  quad.validate();
  critical_point_result r;
  r.sigma_b2 = sigma_b2;
  auto excess = [&](double log_q) {
    const double q = std::exp(log_q);
    const auto m = activation_moments(act, q, quad);
    return q - m.phi2 / m.dphi2 - sigma_b2;
  };
  // Scan log q* for the first sign change of sigma_b2(q*) - target, then refine with TOMS 748.
  constexpr double kLogLo = -30.0;  // q* ~ 1e-13
  constexpr double kLogHi = 20.0;   // q* ~ 5e8
  constexpr int kScan = 400;
  std::vector<double> xs(kScan + 1), fs(kScan + 1);
  bool all_zero = true;
  for (int i = 0; i <= kScan; ++i) {
    xs[i] = kLogLo + (kLogHi - kLogLo) * i / kScan;
    fs[i] = excess(xs[i]);
    all_zero = all_zero && std::abs(fs[i]) <= 1e-12 * (1.0 + std::exp(xs[i]));
  }
  for (int i = 1; i <= kScan && !all_zero; ++i) {
    if (fs[i - 1] != 0.0 && (fs[i - 1] < 0.0) == (fs[i] < 0.0) && fs[i] != 0.0) continue;
    double root = fs[i - 1] == 0.0 ? xs[i - 1] : xs[i];
    if (fs[i - 1] != 0.0 && fs[i] != 0.0) {
      boost::uintmax_t iterations = 200;
      const auto bracket = boost::math::tools::toms748_solve(excess, xs[i - 1], xs[i], fs[i - 1], fs[i],
                                                             boost::math::tools::eps_tolerance<double>(50), iterations);
      root = 0.5 * (bracket.first + bracket.second);
    }
    r.found = true;
    r.q_star = std::exp(root);
    const auto m = activation_moments(act, r.q_star, quad);
    r.sigma_w2 = 1.0 / m.dphi2;
    r.chi1 = r.sigma_w2 * m.dphi2;
    break;
  }
  if (all_zero) {
    // chi_1 does not depend on q (relu): sigma_b2(q*) = 0 identically, every q is a fixed point.
    const auto m = activation_moments(act, 1.0, quad);
    r.found = true;
    r.sigma_w2 = 1.0 / m.dphi2;
    r.q_star = kNaN;
    r.chi1 = 1.0;
    r.note = fmt::format(
        "{}: chi_1 = sigma_w2 E[phi'^2] does not depend on q; at sigma_b2 = 0 every q is a "
        "fixed point (marginal)",
        activation);
  } else if (!r.found) {
    r.sigma_w2 = kNaN;
    r.q_star = kNaN;
    r.chi1 = kNaN;
    r.note = fmt::format(
        "{} has no critical point at sigma_b2 = {} (sigma_b2(q*) never reaches it for q* in "
        "[1e-13, 5e8])",
        activation, format_value(sigma_b2));
  }
  return r;
}

}  // namespace nt::signalprop

namespace nt::signalprop {

void trajectory_options::validate() const {
  network.validate();
  require_nonnegative("q0_a", q0_a);
  require_nonnegative("q0_b", q0_b);
  require_in_range("c0", c0, -1.0, 1.0);
  require_at_least("depth", depth, 1);
  if (depth > 1'000'000) throw invalid_argument("depth", std::to_string(depth), "must be at most 1000000");
}

trajectory_result trajectory(const trajectory_options& options) {
  options.validate();
  return trajectory(options.network, options.q0_a, options.q0_b, options.c0, options.depth);
}

void critical_options::validate() const {
  (void)activation_by_name(activation);
  require_nonnegative("sigma_b2", sigma_b2);
  quadrature_options{quadrature_order, true}.validate();
}

void depth_scales_options::validate() const {
  (void)activation_by_name(activation);
  require_nonnegative("sigma_b2", sigma_b2);
  require_nonnegative("sigma_w2_min", sigma_w2_min);
  require_in_range("sigma_w2_max", sigma_w2_max, sigma_w2_min, 1e6);
  require_at_least("points", points, 1);
  if (points > 1'000'000) throw invalid_argument("points", std::to_string(points), "must be at most 1000000");
  quadrature_options{quadrature_order, true}.validate();
}

depth_scales_result depth_scales(const depth_scales_options& options) {
  options.validate();
  depth_scales_result r;
  r.sigma_w2 = Eigen::ArrayXd::LinSpaced(options.points, options.sigma_w2_min, options.sigma_w2_max);
  const auto n = r.sigma_w2.size();
  for (auto* a : {&r.q_star, &r.c_star, &r.chi1, &r.chi_c, &r.one_minus_chi_c, &r.xi_q, &r.xi_c, &r.converged}) {
    a->setConstant(n, kNaN);
  }
#pragma omp parallel for schedule(dynamic, 1) num_threads(thread_count())
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto fp =
        fixed_point(network_params{options.activation, r.sigma_w2[i], options.sigma_b2, options.quadrature_order});
    r.converged[i] = fp.converged() ? 1.0 : 0.0;
    if (!fp.converged()) continue;
    r.q_star[i] = fp.q_star;
    r.c_star[i] = fp.c_star;
    r.chi1[i] = fp.chi1;
    r.chi_c[i] = fp.chi_c;
    r.one_minus_chi_c[i] = fp.one_minus_chi_c;
    r.xi_q[i] = fp.xi_q;
    r.xi_c[i] = fp.xi_c;
  }
  r.critical = critical_point(options.activation, options.sigma_b2, options.quadrature_order);
  return r;
}

}  // namespace nt::signalprop
