#include "neurotheory/isometry/design.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "neurotheory/core/activation.hpp"
#include "neurotheory/core/ensembles.hpp"
#include "neurotheory/core/error.hpp"

namespace nt::isometry {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// One point of the critical line with the spread of its spectrum.
struct line_point {
  double q_star = 0;
  double sigma_w2 = 0;
  double sigma_b2 = 0;
  double variance = kInf;  // of lambda, on the critical line (mean 1)
  bool valid = false;      // sigma_b2 >= 0 and finite
};

// [Pe17 eqs. 16-18] at chi_1 = 1: var = L (mu2/mu1^2 - 1 - s1_W), s1_W = 0 (orthogonal), -1 (Gaussian).
// mu2/mu1^2 - 1 = Var(d)/mu1^2 is summed from the centred law so that small q* (where it is ~8 q*^2
// for tanh) does not lose its digits to cancellation.
line_point evaluate(const design_options& o, weight_ensemble weights, double q_star) {
  line_point p;
  p.q_star = q_star;
  const auto line = signalprop::critical_line(o.activation, Eigen::ArrayXd::Constant(1, q_star), o.quadrature_order);
  p.sigma_w2 = line.sigma_w2[0];
  p.sigma_b2 = line.sigma_b2[0];
  if (!std::isfinite(p.sigma_w2) || !std::isfinite(p.sigma_b2) || p.sigma_b2 < -1e-12 * q_star) return p;
  p.sigma_b2 = std::max(p.sigma_b2, 0.0);
  const auto law = derivative_squared_law(o.activation, q_star);
  const double mean = (law.weight * law.value).sum();
  if (!(mean > 0.0)) return p;
  const double excess = (law.weight * (law.value - mean).square()).sum() / (mean * mean);
  const double per_layer = excess + (weights == weight_ensemble::gaussian ? 1.0 : 0.0);
  p.variance = static_cast<double>(o.depth) * per_layer;
  p.valid = true;
  return p;
}

// Condition number lambda_max / lambda_min of the continuous support (inf when it reaches 0).
double condition_number(const design_options& o, const line_point& p, double* support_min, double* lambda_max) {
  density_options d;
  d.spectrum.network = {o.activation, p.sigma_w2, p.sigma_b2, o.quadrature_order};
  d.spectrum.weights = o.weights;
  d.spectrum.depth = o.depth;
  d.spectrum.q_star = p.q_star;
  d.points = 8;
  const auto r = density(d);
  *support_min = r.support_min;
  *lambda_max = r.moments.lambda_max;
  return r.support_min > 0.0 ? r.moments.lambda_max / r.support_min : kInf;
}

std::string verdict(const design_options& o, weight_ensemble weights, const design_result& r, double variance_floor) {
  const std::string act = o.activation;
  const std::string ens = to_string(weights);
  if (act == "linear" && weights == weight_ensemble::orthogonal) {
    return "exact dynamical isometry: a linear network with orthogonal weights at sigma_w2 = 1 has every singular "
           "value of J equal to 1 at any depth (Saxe et al. 2014)";
  }
  if (act == "relu") {
    return fmt::format(
        "relu cannot reach dynamical isometry: its only critical point is (sigma_w2, sigma_b2) = (2, 0), where the "
        "variance of the squared singular values grows linearly with depth (with {} weights it is {}L = {:.4g} at "
        "L = {})",
        ens, weights == weight_ensemble::gaussian ? "2" : "", r.variance, o.depth);
  }
  if (weights == weight_ensemble::gaussian) {
    return fmt::format(
        "Gaussian weights cannot reach dynamical isometry: on the critical line the variance of the squared singular "
        "values is L mu2/mu1^2 >= L ({:.4g} at L = {}); use orthogonal weights",
        r.variance, o.depth);
  }
  if (!r.isometry_reachable) {
    return fmt::format(
        "{} cannot reach dynamical isometry with orthogonal weights on the searched critical line: the smallest "
        "variance is {:.4g} at L = {} (the critical line needs sigma_b2 >= 0, which bounds q* away from the linear "
        "regime)",
        act, variance_floor, o.depth);
  }
  if (r.target_met) {
    return fmt::format(
        "dynamical isometry reachable: orthogonal weights with {} at q* = {:.4g} (sigma_w2 = {:.6g}, sigma_b2 = {:.4g}) "
        "give variance {:.4g} <= {:.4g} at L = {}; the spread grows like L times a power of q*, so deeper networks "
        "need smaller q* (q* ~ L^-1/2 for smooth activations, Pennington et al. 2017)",
        act, r.q_star, r.sigma_w2, r.sigma_b2, r.variance, o.max_variance, o.depth);
  }
  return fmt::format(
      "{} reaches isometry only as q* -> 0: the target is not met for q* >= {:.3g} (least variance {:.4g} at "
      "q* = {:.4g}); lower q_star_min or relax the target",
      act, o.q_star_min, r.variance, r.q_star);
}

}  // namespace

void design_options::validate() const {
  activation_by_name(activation);
  weight_ensemble_from_name(weights);
  require_in_range("depth", depth, 1, 1000000);
  if (!(max_variance >= 0.0) || !std::isfinite(max_variance)) {
    throw invalid_argument("max_variance", format_value(max_variance), "must be finite and >= 0");
  }
  if (std::isnan(max_condition) || (max_condition >= 0.0 && max_condition < 1.0)) {
    throw invalid_argument("max_condition", format_value(max_condition), "must be >= 1 (or negative: no target)");
  }
  require_positive("q_star_min", q_star_min);
  if (!(q_star_max > q_star_min) || !std::isfinite(q_star_max)) {
    throw invalid_argument("q_star_max", format_value(q_star_max), "must be finite and > q_star_min");
  }
  require_in_range("quadrature_order", quadrature_order, 0, 4000);
}

design_result design(const design_options& options) {
  options.validate();
  const weight_ensemble weights = weight_ensemble_from_name(options.weights);
  // Scan log q* on a grid, then refine the boundary of the feasible set by bisection.
  constexpr int kScan = 97;
  const double log_lo = std::log(options.q_star_min);
  const double log_hi = std::log(options.q_star_max);
  std::vector<line_point> scan(kScan);
  for (int i = 0; i < kScan; ++i) {
    const double t = static_cast<double>(i) / (kScan - 1);
    scan[static_cast<std::size_t>(i)] = evaluate(options, weights, std::exp(log_lo + t * (log_hi - log_lo)));
  }
  const auto least = std::min_element(scan.begin(), scan.end(), [](const line_point& a, const line_point& b) {
    return a.variance < b.variance;
  });
  if (!least->valid) {
    throw invalid_argument("activation", options.activation,
                           fmt::format("has no critical point with sigma_b2 >= 0 for q* in [{}, {}]", options.q_star_min,
                                       options.q_star_max));
  }
  const double variance_floor = least->variance;
  // Scale-free activations (relu, linear) have the same spectrum at every q*: report q* = 1.
  const auto most = std::max_element(scan.begin(), scan.end(), [](const line_point& a, const line_point& b) {
    return (a.valid ? a.variance : -kInf) < (b.valid ? b.variance : -kInf);
  });
  const bool flat = std::all_of(scan.begin(), scan.end(), [](const line_point& p) { return p.valid; }) &&
                    most->variance - variance_floor <= 1e-12 * std::max(1.0, most->variance);
  const double target = options.max_variance;
  // The largest feasible q* of the scan, refined toward its infeasible neighbour above.
  line_point chosen = flat ? evaluate(options, weights, std::clamp(1.0, options.q_star_min, options.q_star_max)) : *least;
  bool met = flat && chosen.variance <= target;
  for (int i = kScan - 1; i >= 0 && !flat; --i) {
    const auto& p = scan[static_cast<std::size_t>(i)];
    if (p.valid && p.variance <= target) {
      chosen = p;
      met = true;
      if (i + 1 < kScan) {
        double lo = std::log(p.q_star);
        double hi = std::log(scan[static_cast<std::size_t>(i + 1)].q_star);
        for (int it = 0; it < 40; ++it) {
          const double mid = 0.5 * (lo + hi);
          const auto m = evaluate(options, weights, std::exp(mid));
          if (m.valid && m.variance <= target) {
            lo = mid;
            chosen = m;
          } else {
            hi = mid;
          }
        }
      }
      break;
    }
  }

  design_result r;
  double support_min = 0;
  double lambda_max = 0;
  double condition = condition_number(options, chosen, &support_min, &lambda_max);
  if (options.max_condition >= 1.0 && !(condition <= options.max_condition)) {
    // Move toward smaller q* (where the spectrum narrows) until the condition number meets its target.
    double hi = std::log(chosen.q_star);
    double lo = log_lo;
    line_point lo_point = evaluate(options, weights, options.q_star_min);
    double s_lo = 0;
    double l_lo = 0;
    if (lo_point.valid && condition_number(options, lo_point, &s_lo, &l_lo) <= options.max_condition) {
      for (int it = 0; it < 30; ++it) {
        const double mid = 0.5 * (lo + hi);
        const auto m = evaluate(options, weights, std::exp(mid));
        double s = 0;
        double l = 0;
        if (m.valid && condition_number(options, m, &s, &l) <= options.max_condition) {
          lo = mid;
          lo_point = m;
        } else {
          hi = mid;
        }
      }
      chosen = lo_point;
      condition = condition_number(options, chosen, &support_min, &lambda_max);
    } else {
      met = false;
    }
  }

  r.q_star = chosen.q_star;
  r.sigma_w2 = chosen.sigma_w2;
  r.sigma_b2 = chosen.sigma_b2;
  r.variance = chosen.variance;
  r.target_met = met && (options.max_condition < 1.0 || condition <= options.max_condition);
  r.support_min = support_min;
  r.lambda_max = lambda_max;
  r.condition = condition;
  // "Arbitrarily small" at this depth: the least variance on the searched line is below 1e-3.
  r.isometry_reachable = variance_floor < 1e-3;

  spectrum_params sp;
  sp.network = {options.activation, r.sigma_w2, r.sigma_b2, options.quadrature_order};
  sp.weights = options.weights;
  sp.depth = options.depth;
  sp.q_star = r.q_star;
  r.moments = moments(sp);
  r.chi1 = r.moments.chi1;
  const auto fp = signalprop::fixed_point(sp.network);
  r.xi_q = fp.xi_q;
  r.xi_c = std::abs(r.chi1 - 1.0) < 1e-9 ? kInf : fp.xi_c;
  r.verdict = verdict(options, weights, r, variance_floor);
  return r;
}

}  // namespace nt::isometry
