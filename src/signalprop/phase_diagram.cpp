#include "neurotheory/signalprop/phase_diagram.hpp"

#include <cmath>
#include <limits>

#include "neurotheory/core/error.hpp"
#include "neurotheory/core/parallel.hpp"

namespace nt::signalprop {
namespace {

Eigen::ArrayXd axis(double lo, double hi, int n, bool std_spacing) {
  if (!std_spacing) return Eigen::ArrayXd::LinSpaced(n, lo, hi);
  return Eigen::ArrayXd::LinSpaced(n, std::sqrt(lo), std::sqrt(hi)).square();
}

}  // namespace

void phase_diagram_options::validate() const {
  (void)activation_by_name(activation);
  require_nonnegative("sigma_w2_min", sigma_w2_min);
  require_nonnegative("sigma_w2_max", sigma_w2_max);
  require_in_range("sigma_w2_max", sigma_w2_max, sigma_w2_min, std::numeric_limits<double>::max());
  require_nonnegative("sigma_b2_min", sigma_b2_min);
  require_nonnegative("sigma_b2_max", sigma_b2_max);
  require_in_range("sigma_b2_max", sigma_b2_max, sigma_b2_min, std::numeric_limits<double>::max());
  require_at_least("sigma_w2_points", sigma_w2_points, 1);
  require_at_least("sigma_b2_points", sigma_b2_points, 1);
  if (static_cast<long long>(sigma_w2_points) * sigma_b2_points > 25'000'000LL) {
    throw invalid_argument("sigma_w2_points x sigma_b2_points",
                           std::to_string(static_cast<long long>(sigma_w2_points) * sigma_b2_points),
                           "must be at most 25,000,000 grid points");
  }
  if (spacing != "variance" && spacing != "std") {
    throw invalid_argument("spacing", spacing, "must be one of: variance, std");
  }
  quadrature_options{quadrature_order, true}.validate();
  solver_options{q0, c0, tolerance, 500}.validate();
}

phase_diagram_result phase_diagram(const phase_diagram_options& options) {
  options.validate();
  phase_diagram_result r;
  const bool std_spacing = options.spacing == "std";
  r.sigma_w2 = axis(options.sigma_w2_min, options.sigma_w2_max, options.sigma_w2_points, std_spacing);
  r.sigma_b2 = axis(options.sigma_b2_min, options.sigma_b2_max, options.sigma_b2_points, std_spacing);
  const Eigen::Index nw = r.sigma_w2.size();
  const Eigen::Index nb = r.sigma_b2.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (auto* a : {&r.q_star, &r.c_star, &r.chi1, &r.chi_c, &r.xi_q, &r.xi_c, &r.status}) a->setConstant(nw, nb, nan);

  long long converged = 0, failed = 0, chaotic = 0, iterations = 0;
  const blas_single_thread blas_guard;
#pragma omp parallel for schedule(dynamic, 1) num_threads(thread_count()) reduction(+ : converged, failed, chaotic, iterations)
  for (Eigen::Index i = 0; i < nw; ++i) {
    double q_start = options.q0;
    double c_start = options.c0;
    for (Eigen::Index j = 0; j < nb; ++j) {
      network_params p{options.activation, r.sigma_w2[i], r.sigma_b2[j], options.quadrature_order};
      // Warm start from the previous point of the row; fall back to the requested start if that fails.
      solver_options s{q_start, options.correlation ? c_start : 1.0, options.tolerance, 500};
      auto fp = fixed_point(p, s);
      if (!fp.converged() && (q_start != options.q0 || c_start != options.c0)) {
        s.q0 = options.q0;
        s.c0 = options.correlation ? options.c0 : 1.0;
        fp = fixed_point(p, s);
      }
      iterations += fp.q_iterations + fp.c_iterations;
      const auto status = fp.q_status != solve_status::converged ? fp.q_status : fp.c_status;
      r.status(i, j) = static_cast<double>(status);
      if (fp.q_status == solve_status::converged) {
        r.q_star(i, j) = fp.q_star;
        r.chi1(i, j) = fp.chi1;
        r.xi_q(i, j) = fp.xi_q;
        if (fp.chi1 > 1.0) ++chaotic;
        // First-order predictor for the next sigma_b2: dq*/dsigma_b2 = 1 / (1 - V'(q*)).
        const double next_db = j + 1 < nb ? r.sigma_b2[j + 1] - r.sigma_b2[j] : 0.0;
        const double predicted = fp.q_star + next_db / (1.0 - fp.length_slope);
        q_start = (fp.length_slope < 1.0 && predicted > 0.0) ? predicted : fp.q_star;
      }
      if (fp.converged()) {
        ++converged;
        if (options.correlation) {
          r.c_star(i, j) = fp.c_star;
          r.chi_c(i, j) = fp.chi_c;
          r.xi_c(i, j) = fp.xi_c;
          // A warm start below c* keeps the chaotic-phase search on the side that converges fastest.
          c_start = fp.c_star < 1.0 ? fp.c_star : options.c0;
        }
      } else {
        ++failed;
      }
    }
  }
  r.converged_points = converged;
  r.failed_points = failed;
  r.chaotic_points = chaotic;
  r.newton_iterations = iterations;
  return r;
}

}  // namespace nt::signalprop
